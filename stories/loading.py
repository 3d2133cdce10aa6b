"""
Load a story from one of the data files in stories/data/.

The files are written by hand from the story's sources. Loading is idempotent: a row that
already holds the file's values is left untouched, so running the loader twice changes nothing.
"""

import datetime
import json
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import (
    DataPoint,
    NegotiationEvent,
    Series,
    Source,
    Stakeholder,
    Statement,
    Status,
    Story,
)

DATA_DIR = Path(__file__).resolve().parent / "data"


class StoryDataError(Exception):
    """The data file cannot be loaded; the message says where and why."""


def data_file(slug):
    return DATA_DIR / f"{slug}.json"


def load_story_file(path):
    """Load the story in `path` in one transaction. Returns the story and a count of changes."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise StoryDataError(f"No data file at {path}.") from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise StoryDataError(f"{path} is not UTF-8 JSON: {error}") from error
    try:
        with transaction.atomic():
            return Loader(data).load()
    except (KeyError, TypeError, ValueError) as error:
        raise StoryDataError(f"{path} is malformed: {error!r}") from error


class Loader:
    def __init__(self, data):
        self.data = data
        self.changes = 0

    def load(self):
        story = self.upsert(Story, {"slug": self.data["story"]["slug"]}, self.story_values())
        sources = {
            item["key"]: self.upsert(Source, self.source_lookup(item), self.source_values(item))
            for item in self.data["sources"]
        }
        stakeholders = {
            item["slug"]: self.upsert(Stakeholder, {"slug": item["slug"]}, without(item, "slug"))
            for item in self.data["stakeholders"]
        }
        events = {}
        for item in self.data["events"]:
            event = self.upsert(
                NegotiationEvent,
                {"story": story, "title": item["title"]},
                {
                    "kind": item["kind"],
                    "happened_on": parse_date(item["happened_on"]),
                    "happened_on_precision": item["happened_on_precision"],
                    "description": item["description"],
                    "place": item["place"],
                    "source": sources[item["source"]],
                    **self.published(),
                },
            )
            self.set_participants(event, [stakeholders[slug] for slug in item["participants"]])
            events[item["key"]] = event
        for item in self.data["statements"]:
            self.upsert(
                Statement,
                {
                    "story": story,
                    "speaker": stakeholders[item["speaker"]],
                    "quote": "\n\n".join(item["quote"]),
                },
                {
                    "speaker_role": item["speaker_role"],
                    "said_on": parse_date(item["said_on"]),
                    "said_on_precision": item["said_on_precision"],
                    "method": item["method"],
                    "context": item["context"],
                    "source": sources[item["source"]],
                    "event": events[item["event"]] if item["event"] else None,
                    **self.published(),
                },
            )
        for item in self.data["series"]:
            series = self.upsert(
                Series,
                {"story": story, "slug": item["slug"]},
                {**without(item, "slug", "points"), **self.published()},
            )
            for point in item["points"]:
                self.upsert(
                    DataPoint,
                    {"series": series, "as_of": parse_date(point["as_of"])},
                    {
                        "as_of_precision": point["as_of_precision"],
                        "value": Decimal(point["value"]),
                        "low": parse_decimal(point["low"]),
                        "high": parse_decimal(point["high"]),
                        "qualifier": point["qualifier"],
                        "source": sources[point["source"]],
                        "note": point["note"],
                        **self.published(),
                    },
                )
        return story, self.changes

    def story_values(self):
        item = self.data["story"]
        return {
            "title": item["title"],
            "standfirst": item["standfirst"],
            "started_on": parse_date(item["started_on"]),
            "started_on_precision": item["started_on_precision"],
            **self.published(item["status"]),
        }

    @staticmethod
    def source_lookup(item):
        if item["url"]:
            return {"url": item["url"]}
        return {"url": "", "publication": item["publication"], "headline": item["headline"]}

    @staticmethod
    def source_values(item):
        return {
            "publication": item["publication"],
            "headline": item["headline"],
            "published_on": parse_date(item["published_on"]),
            "published_on_precision": item["published_on_precision"],
        }

    def published(self, status=Status.PUBLISHED):
        return {"status": status}

    def upsert(self, model, lookup, values):
        """Create the row, or update only the fields whose values differ."""
        instance = model.objects.filter(**lookup).first()
        if instance is None:
            instance = model(**lookup, **values)  # publishing stamps itself (Publishable)
            changed = True
        else:
            changed = [name for name, value in values.items() if getattr(instance, name) != value]
            for name in changed:
                setattr(instance, name, values[name])
        if changed:
            try:
                instance.full_clean()
            except ValidationError as error:
                raise StoryDataError(f"{model.__name__} {lookup}: {error.messages}") from error
            instance.save()
            self.changes += 1
        return instance

    def set_participants(self, event, participants):
        if set(event.participants.all()) != set(participants):
            event.participants.set(participants)
            self.changes += 1


def without(item, *keys):
    return {key: value for key, value in item.items() if key not in keys}


def parse_date(value):
    return datetime.date.fromisoformat(value)


def parse_decimal(value):
    return None if value is None else Decimal(value)
