"""
Load a story from its data in stories/data/: a folder of JSON files (story.json, sources.json,
stakeholders.json, roles.json, events.json, statements.json, series.json, orders.json,
pledges.json, parts.json), or a single JSON file holding the same sections.

The data is written by hand from the story's sources, and the loader holds it to the rules the
newsroom works by, refusing the whole file otherwise:
- every quote, and the words behind every figure, order, role, pledge and pledge status, is
  verbatim in its source's excerpt (the text that was read, kept with the data);
- a statement by someone whose roles are recorded gives a role they held when they spoke.

Loading is idempotent and all-or-nothing: a row that already holds the data's values is left
untouched, so running the loader twice changes nothing, and a file that breaks a rule writes
nothing at all. The loader never deletes: a statement an earlier version of the data published
and a later one replaces is listed under "withdrawn" with a public note, and a figure under
"withdrawn_figures" (its series, date, source and value: what finds it), and is unpublished
(which the story's correction log shows, with the note).
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

DATA_DIR = Path(__file__).resolve().parent / "data"
SECTIONS = [
    "sources",
    "stakeholders",
    "roles",
    "events",
    "statements",
    "series",
    "orders",
    "pledges",
    "parts",
]
# Sections older data files may leave out.
OPTIONAL_SECTIONS = {"roles", "orders", "pledges", "parts"}


class StoryDataError(Exception):
    """The data cannot be loaded; the message says where and why."""


def data_file(slug):
    """The story's data: its folder if there is one, else its single file."""
    folder = DATA_DIR / slug
    return folder if folder.is_dir() else DATA_DIR / f"{slug}.json"


def read_json(path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise StoryDataError(f"No data file at {path}.") from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise StoryDataError(f"{path} is not UTF-8 JSON: {error}") from error


def read_story_data(path):
    """The story's data as one dict, from a folder of section files or from a single file."""
    path = Path(path)
    if not path.is_dir():
        return read_json(path)
    data = read_json(path / "story.json")
    for section in SECTIONS:
        part = path / f"{section}.json"
        if section in OPTIONAL_SECTIONS and not part.exists():
            continue
        data[section] = read_json(part)
    return data


def load_story_file(path):
    """Load the story at `path` in one transaction. Returns the story and a count of changes."""
    data = read_story_data(path)
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
        self.check_verbatim()
        story = self.upsert(Story, {"slug": self.data["story"]["slug"]}, self.story_values())
        sources = {
            item["key"]: self.upsert(Source, self.source_lookup(item), self.source_values(item))
            for item in self.data["sources"]
        }
        stakeholders = {
            item["slug"]: self.upsert(
                Stakeholder, {"slug": item["slug"]}, without(item, "slug", "date_note")
            )
            for item in self.data["stakeholders"]
        }
        for item in self.data.get("roles", []):
            self.upsert(
                Role,
                {
                    "stakeholder": stakeholders[item["stakeholder"]],
                    "title": item["title"],
                    "source": sources[item["source"]],
                },
                {
                    "organisation": item["organisation"],
                    "started_on": parse_date(item["started_on"]),
                    "started_on_precision": item["started_on_precision"],
                    "ended_on": parse_date(item["ended_on"]),
                    "ended_on_precision": item["ended_on_precision"],
                    "note": item["note"],
                    **self.published(),
                },
            )
        events = {}
        for item in self.data["events"]:
            event = self.upsert(
                NegotiationEvent,
                {"story": story, "title": item["title"]},
                {
                    "kind": item["kind"],
                    "happened_on": parse_date(item["happened_on"]),
                    "happened_on_precision": item["happened_on_precision"],
                    "happened_on_end": parse_date(item.get("happened_on_end")),
                    "description": item["description"],
                    "place": item["place"],
                    "source": sources[item["source"]],
                    "key_moment": item.get("key_moment", ""),
                    **self.published(),
                },
            )
            self.set_participants(event, [stakeholders[slug] for slug in item["participants"]])
            events[item["key"]] = event
        for item in self.data["statements"]:
            statement = self.upsert(
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
                    "said_on_end": parse_date(item.get("said_on_end")),
                    "method": item["method"],
                    "context": item["context"],
                    "source": sources[item["source"]],
                    "event": events[item["event"]] if item["event"] else None,
                    "key_moment": item.get("key_moment", ""),
                    **self.published(),
                },
            )
            self.check_role_at_the_time(statement)
        for item in self.data["story"].get("withdrawn", []):
            self.withdraw(
                Statement.objects.filter(
                    story=story,
                    speaker__slug=item["speaker"],
                    quote="\n\n".join(item["quote"]),
                    status=Status.PUBLISHED,
                ),
                item["note"],
            )
        for item in self.data["series"]:
            series = self.upsert(
                Series,
                {"story": story, "slug": item["slug"]},
                {**without(item, "slug", "points"), **self.published()},
            )
            for point in item["points"]:
                # Several sources may give figures for one date: a figure is its series, date,
                # source and value.
                self.upsert(
                    DataPoint,
                    {
                        "series": series,
                        "as_of": parse_date(point["as_of"]),
                        "source": sources[point["source"]],
                        "value": Decimal(point["value"]),
                    },
                    {
                        "as_of_precision": point["as_of_precision"],
                        "as_of_end": parse_date(point.get("as_of_end")),
                        "low": parse_decimal(point["low"]),
                        "high": parse_decimal(point["high"]),
                        "qualifier": point["qualifier"],
                        "note": point["note"],
                        **self.published(),
                    },
                )
        for item in self.data["story"].get("withdrawn_figures", []):
            self.withdraw(
                DataPoint.objects.filter(
                    series__story=story,
                    series__slug=item["series"],
                    as_of=parse_date(item["as_of"]),
                    source=sources[item["source"]],
                    value=Decimal(item["value"]),
                    status=Status.PUBLISHED,
                ),
                item["note"],
            )
        orders = {}
        for item in self.data.get("orders", []):
            orders[item["key"]] = self.upsert(
                Order,
                {
                    "story": story,
                    "source": sources[item["source"]],
                    "development": item["development"],
                    "customer": item["customer"],
                    "commitment": item["commitment"],
                },
                {
                    "changes": orders[item["changes"]] if item["changes"] else None,
                    "trains": item["trains"],
                    "cars": item["cars"],
                    "value": parse_decimal(item["value"]),
                    "value_qualifier": item["value_qualifier"],
                    "condition": item["condition"],
                    "delivery": item["delivery"],
                    "announced_on": parse_date(item["announced_on"]),
                    "announced_on_precision": item["announced_on_precision"],
                    "announced_on_end": parse_date(item.get("announced_on_end")),
                    "note": item["note"],
                    **self.published(),
                },
            )
        for item in self.data.get("pledges", []):
            self.load_pledge(story, item, stakeholders, sources)
        for position, item in enumerate(self.data.get("parts", [])):
            self.upsert(
                Part,
                {"story": story, "stakeholder": stakeholders[item["stakeholder"]]},
                {
                    "group": item["group"],
                    "part": item["part"],
                    "position": position,
                    **self.published(),
                },
            )
        return story, self.changes

    def load_pledge(self, story, item, stakeholders, sources):
        """A pledge and its status changes, oldest first."""
        pledge = self.upsert(
            Pledge,
            {
                "story": story,
                "pledger": stakeholders[item["pledger"]],
                "promise": item["promise"],
            },
            {
                "kind": item["kind"],
                "pledger_role": item["pledger_role"],
                "words": "\n\n".join(item["words"]),
                "context": item["context"],
                "made_on": parse_date(item["made_on"]),
                "made_on_precision": item["made_on_precision"],
                "made_on_end": parse_date(item.get("made_on_end")),
                "source": sources[item["source"]],
                **self.published(),
            },
        )
        for update in item["updates"]:
            claimed_by = update["claimed_by"]
            self.upsert(
                PledgeUpdate,
                {
                    "pledge": pledge,
                    "source": sources[update["source"]],
                    "as_of": parse_date(update["as_of"]),
                    "claimed_by": stakeholders[claimed_by] if claimed_by else None,
                },
                {
                    "verdict": update["status"],
                    "as_of_precision": update["as_of_precision"],
                    "as_of_end": parse_date(update.get("as_of_end")),
                    "evidence": update["evidence"],
                    "words": update["words"],
                    **self.published(),
                },
            )

    def check_verbatim(self):
        """Every quote, and the words of every figure, order and role, is in its excerpt."""
        excerpts = {item["key"]: item.get("excerpt", "") for item in self.data["sources"]}

        def require(source, words, what):
            if words not in excerpts[source]:
                raise StoryDataError(
                    f"{what}: {words!r} is not verbatim in the excerpt of source “{source}”."
                )

        for item in self.data["statements"]:
            for paragraph in item["quote"]:
                require(item["source"], paragraph, f"Statement by {item['speaker']}")
        for series in self.data["series"]:
            for point in series["points"]:
                if "words" in point:
                    require(point["source"], point["words"], f"Figure in {series['slug']}")
        for item in self.data.get("orders", []):
            for words in item["words"]:
                require(item["source"], words, f"Order {item['key']}")
        for item in self.data.get("roles", []):
            require(item["source"], item["words"], f"Role of {item['stakeholder']}")
        for item in self.data.get("pledges", []):
            for paragraph in item["words"]:
                require(item["source"], paragraph, f"Pledge by {item['pledger']}")
            for update in item["updates"]:
                if update["words"]:
                    require(
                        update["source"], update["words"], f"Status of {item['pledger']}'s pledge"
                    )

    def check_role_at_the_time(self, statement):
        """A speaker with recorded roles must have held the role the statement gives them."""
        roles = Role.objects.published().filter(stakeholder=statement.speaker)
        if not roles.exists():
            return
        held = [role.title for role in roles if role.held_at(statement.when)]
        if statement.speaker_role not in held:
            raise StoryDataError(
                f"Statement by {statement.speaker.name} on {statement.when}: their recorded roles "
                f"then were {held or 'none'}, not “{statement.speaker_role}”."
            )

    def story_values(self):
        item = self.data["story"]
        return {
            "title": item["title"],
            "standfirst": item["standfirst"],
            "summary": "\n".join(item.get("summary", [])),
            "summary_as_of": parse_date(item.get("summary_as_of")),
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

    def withdraw(self, rows, note):
        """Unpublish what the data no longer holds, saying why in the correction log."""
        for row in rows:
            row.status = Status.DRAFT  # its publication stamp goes with the save
            row.withdrawal_note = note
            row.save()
            self.changes += 1

    def set_participants(self, event, participants):
        if set(event.participants.all()) != set(participants):
            event.participants.set(participants)
            self.changes += 1


def without(item, *keys):
    return {key: value for key, value in item.items() if key not in keys}


def parse_date(value):
    return None if value is None else datetime.date.fromisoformat(value)


def parse_decimal(value):
    return None if value is None else Decimal(value)
