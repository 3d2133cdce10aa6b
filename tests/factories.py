"""
Small factories for tests. Everything they make is synthetic and marked so:
names and quotes say "Test", and no factory touches the real story's slug.
"""

import datetime
import itertools

from stories.dates import Precision
from stories.models import (
    DataPoint,
    NegotiationEvent,
    Order,
    Part,
    Pledge,
    PledgeUpdate,
    Role,
    Series,
    Source,
    Stakeholder,
    Statement,
    Status,
    Story,
)

sequence = itertools.count(1)


def story(**fields):
    n = next(sequence)
    values = {
        "title": f"Test story {n}",
        "slug": f"test-story-{n}",
        "standfirst": "A synthetic story for tests.",
        "started_on": datetime.date(2024, 3, 1),
        "started_on_precision": Precision.MONTH,
        "status": Status.PUBLISHED,
    }
    return Story.objects.create(**{**values, **fields})


def stakeholder(**fields):
    n = next(sequence)
    values = {"name": f"Test Person {n}", "slug": f"test-person-{n}", "role": "Test Minister"}
    return Stakeholder.objects.create(**{**values, **fields})


def source(**fields):
    n = next(sequence)
    values = {
        "publication": "The Test Gazette",
        "headline": f"Test headline {n}",
        "url": f"https://example.test/news/{n}",
        "published_on": datetime.date(2024, 9, 27),
    }
    return Source.objects.create(**{**values, **fields})


def statement(story, **fields):
    values = {
        "story": story,
        "speaker": fields.pop("speaker", None) or stakeholder(),
        "speaker_role": "Test Minister",
        "quote": "This is a test quote.",
        "said_on": datetime.date(2024, 9, 27),
        "method": Statement.Method.INTERVIEW,
        "source": fields.pop("source", None) or source(),
        "status": Status.PUBLISHED,
    }
    return Statement.objects.create(**{**values, **fields})


def event(story, participants=(), **fields):
    values = {
        "story": story,
        "title": "Test meeting",
        "kind": NegotiationEvent.Kind.MEETING,
        "happened_on": datetime.date(2024, 9, 20),
        "source": fields.pop("source", None) or source(),
        "status": Status.PUBLISHED,
    }
    created = NegotiationEvent.objects.create(**{**values, **fields})
    created.participants.set(participants)
    return created


def series(story, **fields):
    n = next(sequence)
    values = {
        "story": story,
        "name": f"Test series {n}",
        "slug": f"test-series-{n}",
        "unit": "jobs",
        "status": Status.PUBLISHED,
    }
    return Series.objects.create(**{**values, **fields})


def point(series, **fields):
    values = {
        "series": series,
        "as_of": datetime.date(2024, 9, 27),
        "value": 100,
        "source": fields.pop("source", None) or source(),
        "status": Status.PUBLISHED,
    }
    return DataPoint.objects.create(**{**values, **fields})


def order(story, **fields):
    values = {
        "story": story,
        "customer": "Test Rail Co",
        "trains": 10,
        "cars": 50,
        "value": 100_000_000,
        "commitment": Order.Commitment.FIRM,
        "announced_on": datetime.date(2024, 12, 6),
        "source": fields.pop("source", None) or source(),
        "status": Status.PUBLISHED,
    }
    return Order.objects.create(**{**values, **fields})


def role(stakeholder, **fields):
    values = {
        "stakeholder": stakeholder,
        "title": "Test Secretary",
        "started_on": datetime.date(2024, 7, 1),
        "started_on_precision": Precision.MONTH,
        "source": fields.pop("source", None) or source(),
        "status": Status.PUBLISHED,
    }
    return Role.objects.create(**{**values, **fields})


def pledge(story, **fields):
    values = {
        "story": story,
        "pledger": fields.pop("pledger", None) or stakeholder(),
        "pledger_role": "Test Candidate",
        "promise": "To test the factory",
        "words": "I promise to test the factory.",
        "made_on": datetime.date(2024, 7, 5),
        "source": fields.pop("source", None) or source(),
        "status": Status.PUBLISHED,
    }
    return Pledge.objects.create(**{**values, **fields})


def pledge_update(pledge, **fields):
    values = {
        "pledge": pledge,
        "verdict": "in_progress",
        "as_of": datetime.date(2024, 10, 21),
        "evidence": "Test evidence: talks go on.",
        "source": fields.pop("source", None) or source(),
        "status": Status.PUBLISHED,
    }
    return PledgeUpdate.objects.create(**{**values, **fields})


def part(story, stakeholder, **fields):
    values = {
        "story": story,
        "stakeholder": stakeholder,
        "group": Part.Group.GOVERNMENT,
        "part": "Test part in the story.",
        "status": Status.PUBLISHED,
    }
    return Part.objects.create(**{**values, **fields})
