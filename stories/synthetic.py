"""
Synthetic stories for benchmarks and load tests.

Everything made here is marked as synthetic in its slug, title, names and sources, lives in a
story of its own whose slug starts with "synthetic-", and is never written into a real story.
"""

import datetime
import random

from django.db import connection, router, transaction
from django.utils import timezone

from .dates import Precision, start_of_period
from .models import (
    Change,
    DataPoint,
    NegotiationEvent,
    Qualifier,
    Series,
    Source,
    Stakeholder,
    Statement,
    Status,
    Story,
)

PREFIX = "synthetic-"
BATCH = 5_000
WORDS = [
    "order",
    "book",
    "factory",
    "workforce",
    "jobs",
    "talks",
    "government",
    "contract",
    "trains",
    "rail",
    "minister",
    "union",
    "negotiation",
    "production",
    "gap",
    "future",
    "site",
    "investment",
    "pressure",
    "progress",
    "region",
    "manufacturing",
    "strategy",
    "options",
    "commitment",
    "delivery",
    "agreement",
    "pace",
    "management",
]
PRECISIONS = [Precision.DAY] * 7 + [Precision.WEEK, Precision.MONTH, Precision.YEAR]


class NotSynthetic(ValueError):
    pass


def sentence(rng, words=18):
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return f"Synthetic quote: {text.capitalize()}."


def random_date(rng, start, days):
    return start + datetime.timedelta(days=rng.randrange(days))


def precise(rng, date):
    precision = rng.choice(PRECISIONS)
    return start_of_period(date, precision), precision


def generate(
    slug,
    *,
    stakeholders=200,
    statements=100_000,
    events=5_000,
    series=2,
    points=500,
    sources=1_000,
    seed=1,
    progress=None,
):
    """Create (or replace) the synthetic story `slug`, in one transaction."""
    if not slug.startswith(PREFIX):
        raise NotSynthetic(f"Synthetic stories must have a slug starting with “{PREFIX}”.")
    rng = random.Random(seed)
    progress = progress or (lambda label, done, total: None)
    now = timezone.now()
    start = datetime.date(2015, 1, 1)
    span = (datetime.date(2024, 12, 31) - start).days
    published = {"status": Status.PUBLISHED, "published_at": now, "first_published_at": now}

    with transaction.atomic():
        story = Story.objects.filter(slug=slug).first()
        if story is not None:
            delete_story(story)
        story = Story.objects.create(
            slug=slug,
            title=f"[Synthetic] Benchmark story {slug.removeprefix(PREFIX)}",
            standfirst="Synthetic data generated for benchmarks. Nothing here is real.",
            started_on=start,
            **published,
        )

        people = Stakeholder.objects.bulk_create(
            [
                Stakeholder(
                    slug=f"{slug}-person-{n}",
                    name=f"Synthetic Person {n}",
                    role=f"Synthetic role {n % 12}",
                    organisation="Synthetic Organisation",
                    description="Synthetic stakeholder for benchmarks.",
                )
                for n in range(1, stakeholders + 1)
            ]
        )
        progress("stakeholders", stakeholders, stakeholders)

        source_rows = []
        for n in range(1, sources + 1):
            on, precision = precise(rng, random_date(rng, start, span))
            source_rows.append(
                Source(
                    publication="The Synthetic Gazette",
                    headline=f"Synthetic headline {n}",
                    url=f"https://example.invalid/{slug}/{n}",
                    published_on=on,
                    published_on_precision=precision,
                )
            )
        source_rows = Source.objects.bulk_create(source_rows, batch_size=BATCH)
        progress("sources", sources, sources)

        event_rows = []
        for n in range(1, events + 1):
            on, precision = precise(rng, random_date(rng, start, span))
            event_rows.append(
                NegotiationEvent(
                    story=story,
                    title=f"Synthetic event {n}: {rng.choice(WORDS)} {rng.choice(WORDS)}",
                    kind=rng.choice(NegotiationEvent.Kind.values),
                    happened_on=on,
                    happened_on_precision=precision,
                    description=sentence(rng, 30).replace("quote", "description"),
                    place="Synthetic Town",
                    source=rng.choice(source_rows),
                    **published,
                )
            )
        event_rows = NegotiationEvent.objects.bulk_create(event_rows, batch_size=BATCH)
        Participation = NegotiationEvent.participants.through
        Participation.objects.bulk_create(
            [
                Participation(negotiationevent_id=event.pk, stakeholder_id=person.pk)
                for event in event_rows
                for person in rng.sample(people, 3)
            ],
            batch_size=BATCH,
        )
        progress("events", events, events)

        for first in range(0, statements, BATCH):
            batch = []
            for _ in range(first, min(first + BATCH, statements)):
                on, precision = precise(rng, random_date(rng, start, span))
                speaker = rng.choice(people)
                batch.append(
                    Statement(
                        story=story,
                        speaker=speaker,
                        speaker_role=speaker.role,
                        quote=sentence(rng),
                        said_on=on,
                        said_on_precision=precision,
                        method=rng.choice(Statement.Method.values),
                        source=rng.choice(source_rows),
                        event=rng.choice(event_rows) if rng.random() < 0.2 else None,
                        **published,
                    )
                )
            Statement.objects.bulk_create(batch)
            progress("statements", first + len(batch), statements)

        for s in range(1, series + 1):
            row = Series.objects.create(
                story=story,
                slug=f"synthetic-series-{s}",
                name=f"Synthetic series {s}",
                unit="jobs" if s % 2 else "trains",
                description="Synthetic figures for benchmarks.",
                position=s,
                **published,
            )
            days = sorted(rng.sample(range(span), min(points, span)))
            DataPoint.objects.bulk_create(
                [
                    DataPoint(
                        series=row,
                        as_of=start + datetime.timedelta(days=day),
                        value=value,
                        low=value - 10 if n % 5 == 0 else None,
                        high=value + 10 if n % 5 == 0 else None,
                        qualifier=Qualifier.APPROXIMATE if n % 5 == 0 else Qualifier.EXACT,
                        source=rng.choice(source_rows),
                        note="Synthetic figure.",
                        **published,
                    )
                    for n, (day, value) in enumerate(
                        (day, 500 + rng.randrange(-200, 200)) for day in days
                    )
                ],
                batch_size=BATCH,
            )
            progress(f"series {s}", s, series)
        # Bulk inserts skip the per-row change log: one line says the story was regenerated.
        Story.log_changes(
            story.pk,
            [
                Change(
                    action=Change.Action.CHANGED,
                    subject=Change.Subject.STORY,
                    object_id=story.pk,
                    summary=story.title,
                )
            ],
        )
    if connection.vendor == "postgresql":
        # A bulk load leaves the planner's statistics behind until autovacuum catches up;
        # refresh them as a live database would have them.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return story


def delete_story(story):
    """Delete a synthetic story and everything generated for it."""
    if not story.slug.startswith(PREFIX):
        raise NotSynthetic(f"Refusing to delete “{story.slug}”: it is not a synthetic story.")
    # Raw deletes: a synthetic story's 100,000 rows go without a change-log line each (nobody
    # reads the log of a story that is going too) and without loading each row first.
    using = router.db_for_write(Story)
    for rows in (
        NegotiationEvent.participants.through.objects.filter(negotiationevent__story=story),
        DataPoint.objects.filter(series__story=story),
        Series.objects.filter(story=story),
        Statement.objects.filter(story=story),
        NegotiationEvent.objects.filter(story=story),
        Source.objects.filter(url__startswith=f"https://example.invalid/{story.slug}/"),
        Stakeholder.objects.filter(slug__startswith=f"{story.slug}-person-"),
    ):
        rows._raw_delete(using)
    story.delete()
