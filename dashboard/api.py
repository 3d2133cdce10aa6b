"""
The read-only JSON API, with its OpenAPI schema generated from this code by django-ninja.

Schema: /api/openapi.json. Browsable docs: /api/docs (Swagger UI served from our own static
files, so the site's Content Security Policy holds). Published items only. Lists of statements,
events and the merged timeline are paged with an opaque cursor over (date, kind, id), newest
first, so a page is one indexed range scan however deep it is. See docs/api.md.
"""

import base64
import binascii
import datetime
import heapq
import re
from typing import Annotated, Literal

from django.db import connection
from django.db.models import Prefetch, Q
from ninja import Field, NinjaAPI, Query, Schema
from ninja import Path as PathParam
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from pydantic import BeforeValidator, StringConstraints

from stories.dates import Precision
from stories.models import (
    DataPoint,
    NegotiationEvent,
    Order,
    Qualifier,
    Role,
    Series,
    Stakeholder,
    Statement,
    Status,
    Story,
    figures_by_date,
)
from stories.orders import COMMITMENTS, order_book
from stories.timeline import sort_key

from . import links
from .cors import allow_any_origin
from .reading import site_view, story_view

api = NinjaAPI(
    title="Story dashboard API",
    version="1",
    description=(
        "Read-only access to published stories: who said what and when, what happened in the "
        "negotiations, and the figures, each with its source. See docs/api.md."
    ),
    urls_namespace="api",
)


def story_not_found(request):
    return api.create_response(request, {"detail": "Not Found"}, status=404)


# Every endpoint about one story reads it in one snapshot, answers 304 from its version, 301
# from a former slug and 404 (in JSON) for a story that is not published.
api_story_view = story_view(missing=story_not_found)

Slug = Annotated[str, StringConstraints(pattern=r"^[-a-zA-Z0-9_]+$", max_length=100)]
# PostgreSQL text cannot hold NUL; refuse it here rather than fail in the database.
SearchText = Annotated[str, StringConstraints(pattern=r"^[^\x00]*$", max_length=200)]


def iso_date_only(value):
    """Dates as YYYY-MM-DD only: pydantic would otherwise read "0" as 1 January 1970."""
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("Give the date as YYYY-MM-DD.")
    return value


IsoDate = Annotated[datetime.date, BeforeValidator(iso_date_only)]
SlugPath = Annotated[Slug, PathParam(description="The story's slug.")]

# Choices as plain string enums, each under its own name in the schema.
PrecisionName = Literal[tuple(Precision.values)]
StakeholderKind = Literal[tuple(Stakeholder.Kind.values)]
EventKind = Literal[tuple(NegotiationEvent.Kind.values)]
StatementMethod = Literal[tuple(Statement.Method.values)]
QualifierName = Literal[tuple(Qualifier.values)]
Cursor = Annotated[str, StringConstraints(pattern=r"^[-A-Za-z0-9_=]*$", max_length=100)]


# Responses


class Message(Schema):
    detail: str


class PreciseDateOut(Schema):
    start: datetime.date = Field(description="First day of the period the date is known to.")
    precision: PrecisionName
    iso: str = Field(
        description="At its precision: 2024, 2024-09, 2024-W39 or 2024-09-27; for a period, an "
        "ISO 8601 interval such as 2024-07/2024-09."
    )
    text: str = Field(description="As the site shows it, e.g. “September 2024”.")
    end: datetime.date | None = Field(
        None,
        description="Last day of the period, for precision “period” (a date known only to lie "
        "between `start` and `end`); null otherwise.",
    )


class SourceOut(Schema):
    publication: str
    headline: str
    url: str
    published: PreciseDateOut


class StakeholderRef(Schema):
    slug: str
    name: str
    kind: StakeholderKind


class RoleOut(Schema):
    title: str
    organisation: str
    started: PreciseDateOut | None = Field(description="When they took it up, if known.")
    ended: PreciseDateOut | None = Field(description="When they left it, if known and so.")
    note: str
    source: SourceOut


class StakeholderOut(StakeholderRef):
    role: str = Field(description="Their role today.")
    organisation: str
    party: str
    area: str
    description: str
    url: str = Field(description="The stakeholder's page in this story.")
    feed_url: str
    roles: list[RoleOut] = Field(
        default_factory=list, description="Their roles over time, each with its dates and source."
    )


class StoryOut(Schema):
    slug: str
    title: str
    standfirst: str
    started: PreciseDateOut
    url: str
    feed_url: str
    updated_at: datetime.datetime


class StatementOut(Schema):
    type: Literal["statement"] = "statement"
    id: int
    url: str
    quote: str
    context: str
    speaker: StakeholderRef
    speaker_role: str = Field(description="Their role when they said it.")
    method: StatementMethod
    date: PreciseDateOut
    event_id: int | None
    source: SourceOut


class EventOut(Schema):
    type: Literal["event"] = "event"
    id: int
    url: str
    title: str
    kind: EventKind
    description: str
    place: str
    participants: list[StakeholderRef]
    date: PreciseDateOut
    source: SourceOut


class PointOut(Schema):
    date: PreciseDateOut
    value: float
    low: float | None
    high: float | None
    qualifier: QualifierName
    note: str
    source: SourceOut


class DisagreementOut(Schema):
    date: PreciseDateOut
    values: list[float] = Field(description="The different values sources give, lowest first.")
    sources: list[SourceOut]


SeriesKind = Literal[tuple(Series.Kind.values)]


class SeriesOut(Schema):
    slug: str
    name: str
    unit: str
    description: str
    url: str
    kind: SeriesKind = Field(
        "figures",
        description="“order_book”: built from the story's orders (see /orders/ and "
        "/order-book/), with no points of its own.",
    )
    points: list[PointOut] = Field(
        description="Every published figure; several on one date when several sources gave one."
    )
    disagreements: list[DisagreementOut] = Field(
        default_factory=list,
        description="The dates on which sources give different figures, each with every value "
        "and source: shown as they are, never averaged.",
    )


DevelopmentName = Literal[tuple(Order.Development.values)]
CommitmentName = Literal[tuple(Order.Commitment.values)]


class OrderOut(Schema):
    id: int
    url: str = Field(description="The row in the order-book chart's table.")
    development: DevelopmentName = Field(
        description="“new” for an order or option; otherwise what happened to the order "
        "`changes_id` names, or another source's account of it."
    )
    changes_id: int | None
    customer: str
    trains: int | None
    cars: int | None
    value_gbp: float | None = Field(description="As the source gives it, in pounds.")
    value_qualifier: QualifierName
    commitment: CommitmentName
    condition: str
    delivery: str
    date: PreciseDateOut
    note: str
    source: SourceOut


class BookValueOut(Schema):
    low: float
    high: float = Field(description="Differs from `low` when sources give different values.")


class BookLineOut(Schema):
    commitment: CommitmentName
    trains: int
    value_gbp: BookValueOut | None


class OrderBookStepOut(Schema):
    date: PreciseDateOut
    trains: list[BookLineOut] = Field(description="What the book holds after this date.")
    order_ids: list[int] = Field(description="The order rows reported on this date.")


class StatementPage(Schema):
    items: list[StatementOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page.")


class EventPage(Schema):
    items: list[EventOut]
    next_cursor: str | None


class TimelinePage(Schema):
    items: list[Annotated[StatementOut | EventOut, Field(discriminator="type")]]
    next_cursor: str | None


# Query parameters: the same names the dashboard's timeline filter uses.


class Filters(Schema):
    speaker: list[Slug] = Field(
        default_factory=list, description="Stakeholder slug; repeat for several."
    )
    date_from: IsoDate | None = Field(None, alias="from", description="On or after.")
    date_to: IsoDate | None = Field(None, alias="to", description="On or before.")
    q: SearchText | None = Field(None, description="Free text; “quoted phrases”, -exclusions.")
    cursor: Cursor | None = None
    limit: int = Field(20, ge=1, le=100)


class EventFilters(Filters):
    event_kind: list[EventKind] = Field(default_factory=list)


class TimelineFilters(EventFilters):
    kind: Literal["statement", "event"] | None = Field(None, description="Only one kind.")


class Invalid(Schema):
    detail: list[dict] = Field(description="What is wrong with which parameter.")


ERRORS = {400: Message, 404: Message, 422: Invalid}


# Presenting rows


def precise(value):
    return {
        "start": value.date,
        "precision": value.precision,
        "iso": value.machine_readable,
        "text": str(value),
        "end": value.end if value.is_period else None,
    }


def source_out(source):
    return {
        "publication": source.publication,
        "headline": source.headline,
        "url": source.url,
        "published": precise(source.published),
    }


def ref(stakeholder):
    return {"slug": stakeholder.slug, "name": stakeholder.name, "kind": stakeholder.kind}


def story_out(story, request):
    return {
        "slug": story.slug,
        "title": story.title,
        "standfirst": story.standfirst,
        "started": precise(story.started),
        "url": request.build_absolute_uri(links.story_url(story)),
        "feed_url": request.build_absolute_uri(links.story_feed_url(story)),
        "updated_at": story.updated_at,
    }


def statement_out(statement, request):
    return {
        "type": "statement",
        "id": statement.pk,
        "url": request.build_absolute_uri(links.statement_url(statement)),
        "quote": statement.quote,
        "context": statement.context,
        "speaker": ref(statement.speaker),
        "speaker_role": statement.speaker_role,
        "method": statement.method,
        "date": precise(statement.when),
        "event_id": statement.event_id,
        "source": source_out(statement.source),
    }


def event_out(event, request):
    return {
        "type": "event",
        "id": event.pk,
        "url": request.build_absolute_uri(links.event_url(event)),
        "title": event.title,
        "kind": event.kind,
        "description": event.description,
        "place": event.place,
        "participants": [ref(person) for person in event.participants.all()],
        "date": precise(event.when),
        "source": source_out(event.source),
    }


# Filtering and keyset paging


def search(queryset, q, fields):
    """Full-text search on PostgreSQL (web search syntax), a plain substring match elsewhere."""
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        return queryset.annotate(search=SearchVector(*fields, config="english")).filter(
            search=SearchQuery(q, search_type="websearch", config="english")
        )
    match = Q()
    for field in fields:
        match |= Q(**{f"{field}__icontains": q})
    return queryset.filter(match)


# The timeline's order: newest date first; statements before events on a day; newest row first.
STATEMENT_RANK, EVENT_RANK = 1, 0


def encode_cursor(item):
    rank = STATEMENT_RANK if isinstance(item, Statement) else EVENT_RANK
    raw = f"{item.when.date.isoformat()}|{rank}|{item.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor):
    """(date, rank, pk) from a cursor this API gave out; 400 for anything else."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        date, rank, pk = base64.urlsafe_b64decode(padded).decode().split("|")
        key = datetime.date.fromisoformat(date), int(rank), int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise HttpError(400, "The cursor is not one this API gave out.") from None
    if key[1] not in (STATEMENT_RANK, EVENT_RANK) or not 0 < key[2] < 2**63:
        raise HttpError(400, "The cursor is not one this API gave out.")
    return key


def after(queryset, date_field, rank, cursor):
    """Rows that come after the cursor in timeline order."""
    if not cursor:
        return queryset
    date, cursor_rank, pk = decode_cursor(cursor)
    if rank < cursor_rank:
        return queryset.filter(**{f"{date_field}__lte": date})
    if rank > cursor_rank:
        return queryset.filter(**{f"{date_field}__lt": date})
    return queryset.filter(Q(**{f"{date_field}__lt": date}) | Q(**{date_field: date}, pk__lt=pk))


def between(queryset, date_field, filters):
    if filters.date_from:
        queryset = queryset.filter(**{f"{date_field}__gte": filters.date_from})
    if filters.date_to:
        queryset = queryset.filter(**{f"{date_field}__lte": filters.date_to})
    return queryset


def statements_for(story, filters):
    statements = Statement.objects.for_timeline(story).select_related("story")
    if filters.speaker:
        statements = statements.filter(speaker__slug__in=filters.speaker)
    if getattr(filters, "event_kind", None):
        statements = statements.filter(event__kind__in=filters.event_kind)
    statements = between(statements, "said_on", filters)
    if filters.q:
        statements = search(statements, filters.q, ["quote", "context", "speaker__name"])
    return after(statements, "said_on", STATEMENT_RANK, filters.cursor)


def events_for(story, filters):
    events = NegotiationEvent.objects.for_timeline(story).select_related("story")
    if filters.speaker:
        participated = NegotiationEvent.participants.through.objects.filter(
            stakeholder__slug__in=filters.speaker
        ).values("negotiationevent_id")
        events = events.filter(pk__in=participated)
    if filters.event_kind:
        events = events.filter(kind__in=filters.event_kind)
    events = between(events, "happened_on", filters)
    if filters.q:
        events = search(events, filters.q, ["title", "description", "place"])
    return after(events, "happened_on", EVENT_RANK, filters.cursor)


def page(request, querysets, limit, present):
    """One page from newest-first querysets, merged in timeline order."""
    rows = list(
        heapq.merge(*(queryset[: limit + 1] for queryset in querysets), key=sort_key, reverse=True)
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [present(row, request) for row in rows],
        "next_cursor": encode_cursor(rows[-1]) if more else None,
    }


def present(item, request):
    if isinstance(item, Statement):
        return statement_out(item, request)
    return event_out(item, request)


# Endpoints


@api.get("/stories/", response=list[StoryOut], tags=["stories"])
@decorate_view(site_view, allow_any_origin)
def list_stories(request):
    """Published stories, newest first."""
    return [
        story_out(story, request)
        for story in Story.objects.published().order_by("-started_on", "pk")
    ]


@api.get("/stories/{slug}/", response={200: StoryOut, **ERRORS}, tags=["stories"])
@decorate_view(api_story_view, allow_any_origin)
def get_story(request, slug: SlugPath):
    """One published story."""
    return story_out(request.story, request)


@api.get(
    "/stories/{slug}/stakeholders/",
    response={200: list[StakeholderOut], **ERRORS},
    tags=["stories"],
)
@decorate_view(api_story_view, allow_any_origin)
def list_stakeholders(request, slug: SlugPath):
    """People and organisations with a published statement or event in the story."""
    story = request.story
    spoke = Statement.objects.published().filter(story=story).values("speaker_id")
    attended = NegotiationEvent.participants.through.objects.filter(
        negotiationevent__story=story, negotiationevent__status=Status.PUBLISHED
    ).values("stakeholder_id")
    roles = Role.objects.published().select_related("source").order_by("started_on", "pk")
    people = (
        Stakeholder.objects.filter(Q(pk__in=spoke) | Q(pk__in=attended))
        .order_by("name")
        .prefetch_related(Prefetch("roles", queryset=roles, to_attr="published_roles"))
    )
    return [
        {
            **ref(person),
            "role": person.role,
            "organisation": person.organisation,
            "party": person.party,
            "area": person.area,
            "description": person.description,
            "url": request.build_absolute_uri(links.stakeholder_url(story, person)),
            "feed_url": request.build_absolute_uri(links.stakeholder_feed_url(story, person)),
            "roles": [role_out(role) for role in person.published_roles],
        }
        for person in people
    ]


def role_out(role):
    return {
        "title": role.title,
        "organisation": role.organisation,
        "started": precise(role.started) if role.started else None,
        "ended": precise(role.ended) if role.ended else None,
        "note": role.note,
        "source": source_out(role.source),
    }


@api.get(
    "/stories/{slug}/statements/",
    response={200: StatementPage, **ERRORS},
    tags=["timeline"],
)
@decorate_view(api_story_view, allow_any_origin)
def list_statements(request, slug: SlugPath, filters: Query[EventFilters]):
    """Published statements, newest first. `event_kind` keeps those tied to such an event."""
    story = request.story
    return page(request, [statements_for(story, filters)], filters.limit, statement_out)


@api.get("/stories/{slug}/events/", response={200: EventPage, **ERRORS}, tags=["timeline"])
@decorate_view(api_story_view, allow_any_origin)
def list_events(request, slug: SlugPath, filters: Query[EventFilters]):
    """Published negotiation events, newest first. `speaker` keeps those they took part in."""
    story = request.story
    return page(request, [events_for(story, filters)], filters.limit, event_out)


@api.get("/stories/{slug}/timeline/", response={200: TimelinePage, **ERRORS}, tags=["timeline"])
@decorate_view(api_story_view, allow_any_origin)
def list_timeline(request, slug: SlugPath, filters: Query[TimelineFilters]):
    """Statements and events merged, newest first, as the dashboard's timeline shows them."""
    story = request.story
    querysets = []
    if filters.kind != "event":
        querysets.append(statements_for(story, filters))
    if filters.kind != "statement":
        querysets.append(events_for(story, filters))
    return page(request, querysets, filters.limit, present)


@api.get("/stories/{slug}/series/", response={200: list[SeriesOut], **ERRORS}, tags=["figures"])
@decorate_view(api_story_view, allow_any_origin)
def list_series(request, slug: SlugPath):
    """The story's figure series, each with its published points, oldest first."""
    story = request.story
    points = DataPoint.objects.published().select_related("source").order_by("as_of")
    series = (
        Series.objects.published()
        .filter(story=story)
        .select_related("story")
        .prefetch_related(Prefetch("points", queryset=points))
    )
    return [
        {
            "slug": each.slug,
            "name": each.name,
            "unit": each.unit,
            "description": each.description,
            "url": request.build_absolute_uri(links.figure_url(each)),
            "kind": each.kind,
            "disagreements": [
                {
                    "date": precise(figures.when),
                    "values": figures.values,
                    "sources": [source_out(source) for source in figures.sources],
                }
                for figures in figures_by_date(each.points.all())
                if figures.differs
            ],
            "points": [
                {
                    "date": precise(point.when),
                    "value": point.value,
                    "low": point.low,
                    "high": point.high,
                    "qualifier": point.qualifier,
                    "note": point.note,
                    "source": source_out(point.source),
                }
                for point in each.points.all()
            ],
        }
        for each in series
    ]


@api.get("/stories/{slug}/orders/", response={200: list[OrderOut], **ERRORS}, tags=["figures"])
@decorate_view(api_story_view, allow_any_origin)
def list_orders(request, slug: SlugPath):
    """
    Orders for trains, oldest first, one row per reported development: a new order or option,
    another source's account of it (whose numbers may differ), or what happened to it later.
    """
    story = request.story
    book = Series.objects.published().filter(story=story, kind=Series.Kind.ORDER_BOOK).first()
    return [
        order_out(order, request, book)
        for order in Order.objects.for_story(story).select_related("story")
    ]


def order_out(order, request, book):
    return {
        "id": order.pk,
        "url": request.build_absolute_uri(links.order_url(order, book)),
        "development": order.development,
        "changes_id": order.changes_id,
        "customer": order.customer,
        "trains": order.trains,
        "cars": order.cars,
        "value_gbp": order.value,
        "value_qualifier": order.value_qualifier,
        "commitment": order.commitment,
        "condition": order.condition,
        "delivery": order.delivery,
        "date": precise(order.when),
        "note": order.note,
        "source": source_out(order.source),
    }


@api.get(
    "/stories/{slug}/order-book/",
    response={200: list[OrderBookStepOut], **ERRORS},
    tags=["figures"],
)
@decorate_view(api_story_view, allow_any_origin)
def get_order_book(request, slug: SlugPath):
    """
    The order book after each date on which an order was reported, oldest first: trains on
    firm order, on option and conditional on an approval, with their value in pounds (a range
    where sources differ).
    """
    return [
        {
            "date": precise(step.when),
            "trains": [
                {
                    "commitment": commitment,
                    "trains": step.trains(commitment),
                    "value_gbp": dict(
                        zip(("low", "high"), step.value_range(commitment), strict=True)
                    )
                    if step.value_range(commitment)
                    else None,
                }
                for commitment in COMMITMENTS
                if step.trains(commitment)
            ],
            "order_ids": [row.pk for row in step.rows],
        }
        for step in order_book(Order.objects.for_story(request.story))
    ]
