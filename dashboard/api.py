"""
The read-only JSON API, with its OpenAPI schema generated from this code by django-ninja.

Schema: /api/openapi.json. Browsable docs: /api/docs (Swagger UI served from our own static
files, so the site's Content Security Policy holds). Published items only. Lists of statements,
events and the merged timeline are paged with an opaque cursor over (date, kind, id), newest
first, so a page is one indexed range scan however deep it is. See docs/api.md.
"""

import datetime
import re
from typing import Annotated, Literal

from django.db.models import Prefetch
from ninja import Field, NinjaAPI, Query, Schema
from ninja import Path as PathParam
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from pydantic import BeforeValidator, StringConstraints

from stories import timeline
from stories.dates import Precision
from stories.models import (
    DataPoint,
    NegotiationEvent,
    Order,
    Part,
    Pledge,
    Qualifier,
    Role,
    Series,
    Stakeholder,
    Statement,
    Story,
    Verdict,
    figures_by_date,
)
from stories.orders import COMMITMENTS, order_book

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
Cursor = Annotated[str, StringConstraints(pattern=r"^[-A-Za-z0-9_.]*$", max_length=100)]


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


PartGroup = Literal[tuple(Part.Group.values)]


class StakeholderOut(StakeholderRef):
    role: str = Field(description="Their role today.")
    group: PartGroup | None = Field(
        None, description="Their group in the story's who's who, if it lists them."
    )
    part: str = Field("", description="Their part in this story, in a line (the who's who).")
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
    summary: str = Field(
        description="The story so far, as editors last wrote it; paragraphs on separate lines."
    )
    summary_as_of: PreciseDateOut | None = Field(
        description="The day the summary is true to; null when there is no summary."
    )
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
    event_id: int | None = Field(description="The published event it belongs to, if any.")
    key_moment: str = Field(
        description="How the story's key moments name it, when editors marked it as one; "
        "empty otherwise."
    )
    timeline_url: str = Field(description="The story's timeline, starting at this item.")
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
    key_moment: str = Field(
        description="How the story's key moments name it, when editors marked it as one; "
        "empty otherwise."
    )
    timeline_url: str = Field(description="The story's timeline, starting at this item.")
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


VerdictName = Literal[tuple(Verdict.values)]
PledgeKind = Literal[tuple(Pledge.Kind.values)]


class PledgeStatusOut(Schema):
    id: int
    url: str = Field(description="Its line in the pledge's history.")
    status: VerdictName = Field(description="kept, in_progress, broken or unclear.")
    claimed_by: StakeholderRef | None = Field(
        description="Whose claim it is, when the source is their own account; null when it is "
        "the newsroom's reading of the source."
    )
    date: PreciseDateOut = Field(description="When the source shows it so.")
    evidence: str
    words: str = Field(description="Words quoted from the source, verbatim; may be empty.")
    source: SourceOut


class PledgeOut(Schema):
    id: int
    url: str
    kind: PledgeKind = Field(description="“promise”, or “ask”: a demand made of others.")
    pledger: StakeholderRef
    pledger_role: str = Field(description="Their role when they made it.")
    promise: str = Field(description="What was promised, in a line.")
    words: str = Field(description="Their words, verbatim, where the source has them.")
    context: str
    date: PreciseDateOut
    source: SourceOut
    status: PledgeStatusOut | None = Field(
        description="Where it stands: the newsroom's latest status change (never a claim); "
        "null while it has none."
    )
    latest_claim: PledgeStatusOut | None = Field(
        description="The latest claim someone made about it in their own account, if any: "
        "shown beside the status, never as it."
    )
    history: list[PledgeStatusOut] = Field(description="Every status change, oldest first.")


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
        "summary": story.summary if story.summary_date else "",
        "summary_as_of": precise(story.summary_date) if story.summary_date else None,
        "started": precise(story.started),
        "url": request.build_absolute_uri(story.get_absolute_url()),
        "feed_url": request.build_absolute_uri(story.get_feed_url()),
        "updated_at": story.updated_at,
    }


def statement_out(statement, request):
    return {
        "key_moment": statement.key_moment,
        "timeline_url": request.build_absolute_uri(statement.get_timeline_url()),
        "type": "statement",
        "id": statement.pk,
        "url": request.build_absolute_uri(statement.get_absolute_url()),
        "quote": statement.quote,
        "context": statement.context,
        "speaker": ref(statement.speaker),
        "speaker_role": statement.speaker_role,
        "method": statement.method,
        "date": precise(statement.when),
        "event_id": statement.published_event_id,
        "source": source_out(statement.source),
    }


def event_out(event, request):
    return {
        "key_moment": event.key_moment,
        "timeline_url": request.build_absolute_uri(event.get_timeline_url()),
        "type": "event",
        "id": event.pk,
        "url": request.build_absolute_uri(event.get_absolute_url()),
        "title": event.title,
        "kind": event.kind,
        "description": event.description,
        "place": event.place,
        "participants": [ref(person) for person in event.participants.all()],
        "date": precise(event.when),
        "source": source_out(event.source),
    }


# Filtering and keyset paging: the dashboard's own timeline engine (stories.timeline).


def timeline_filters(filters, kind=None):
    """The API's query parameters as the timeline engine's filters."""
    return timeline.Filters(
        who=tuple(filters.speaker),
        kind=kind,
        event_kinds=tuple(getattr(filters, "event_kind", ())),
        start=filters.date_from,
        end=filters.date_to,
        q=filters.q or "",
    )


def cursor_of(filters):
    """Where the page starts: after the cursor the previous page gave out; 400 if it is not one."""
    if not filters.cursor:
        return None
    try:
        return timeline.Cursor.parse(filters.cursor)
    except timeline.InvalidCursor:
        raise HttpError(400, "The cursor is not one this API gave out.") from None


def page_of(request, story, filters, kind=None):
    """One page of the story's filtered timeline (only `kind` items when given), presented."""
    statements, events = timeline.filtered(story, timeline_filters(filters, kind))
    found = timeline.page(statements, events, after=cursor_of(filters), size=filters.limit)
    return {
        "items": [present(item, request) for item in found],
        "next_cursor": str(found.next_cursor) if found.next_cursor else None,
    }


def present(item, request):
    return PRESENTERS[item.timeline_kind](item, request)


PRESENTERS = {"statement": statement_out, "event": event_out}


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
    """
    People and organisations with a published part in the story: a statement, an event, a
    pledge or a claim about one, or a place in its who's who.
    """
    story = request.story
    roles = Role.objects.published().select_related("source").order_by("started_on", "pk")
    parts = Part.objects.published().filter(story=story)
    people = (
        timeline.people_on_record(story)
        .order_by("name")
        .prefetch_related(
            Prefetch("roles", queryset=roles, to_attr="published_roles"),
            Prefetch("parts", queryset=parts, to_attr="parts_here"),
        )
    )
    return [
        {
            **ref(person),
            "role": person.role,
            "group": person.parts_here[0].group if person.parts_here else None,
            "part": person.parts_here[0].part if person.parts_here else "",
            "organisation": person.organisation,
            "party": person.party,
            "area": person.area,
            "description": person.description,
            "url": request.build_absolute_uri(story.get_person_url(person)),
            "feed_url": request.build_absolute_uri(story.get_person_feed_url(person)),
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
    return page_of(request, request.story, filters, kind="statement")


@api.get("/stories/{slug}/events/", response={200: EventPage, **ERRORS}, tags=["timeline"])
@decorate_view(api_story_view, allow_any_origin)
def list_events(request, slug: SlugPath, filters: Query[EventFilters]):
    """Published negotiation events, newest first. `speaker` keeps those they took part in."""
    return page_of(request, request.story, filters, kind="event")


@api.get("/stories/{slug}/timeline/", response={200: TimelinePage, **ERRORS}, tags=["timeline"])
@decorate_view(api_story_view, allow_any_origin)
def list_timeline(request, slug: SlugPath, filters: Query[TimelineFilters]):
    """Statements and events merged, newest first, as the dashboard's timeline shows them."""
    return page_of(request, request.story, filters, kind=filters.kind)


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
            "url": request.build_absolute_uri(each.get_absolute_url()),
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
        "url": request.build_absolute_uri(order.url_in(book)),
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


@api.get(
    "/stories/{slug}/key-moments/",
    response={200: list[Annotated[StatementOut | EventOut, Field(discriminator="type")]], **ERRORS},
    tags=["timeline"],
)
@decorate_view(api_story_view, allow_any_origin)
def list_key_moments(request, slug: SlugPath):
    """The statements and events editors marked as the story's key moments, oldest first."""
    return [present(item, request) for item in timeline.key_moments(request.story)]


def pledge_status_out(update, request):
    return {
        "id": update.pk,
        "url": request.build_absolute_uri(update.get_absolute_url()),
        "status": update.verdict,
        "claimed_by": ref(update.claimed_by) if update.is_claim else None,
        "date": precise(update.when),
        "evidence": update.evidence,
        "words": update.words,
        "source": source_out(update.source),
    }


def pledge_out(pledge, request):
    standing, claim = pledge.standing, pledge.latest_claim
    return {
        "id": pledge.pk,
        "url": request.build_absolute_uri(pledge.get_absolute_url()),
        "kind": pledge.kind,
        "pledger": ref(pledge.pledger),
        "pledger_role": pledge.pledger_role,
        "promise": pledge.promise,
        "words": pledge.words,
        "context": pledge.context,
        "date": precise(pledge.when),
        "source": source_out(pledge.source),
        "status": pledge_status_out(standing, request) if standing else None,
        "latest_claim": pledge_status_out(claim, request) if claim else None,
        "history": [pledge_status_out(update, request) for update in pledge.updates_shown],
    }


class PledgeFilters(Schema):
    pledger: list[Slug] = Field(
        default_factory=list, description="Stakeholder slug of who made it; repeat for several."
    )
    status: list[VerdictName] = Field(
        default_factory=list, description="Where it stands now; repeat for several."
    )


@api.get("/stories/{slug}/pledges/", response={200: list[PledgeOut], **ERRORS}, tags=["pledges"])
@decorate_view(api_story_view, allow_any_origin)
def list_pledges(request, slug: SlugPath, filters: Query[PledgeFilters]):
    """
    The story's pledges, oldest first, each with where it stands (the newsroom's latest status
    change), any later claim by someone about it, and its whole history of status changes.
    """
    pledges = Pledge.objects.for_story(request.story)
    if filters.pledger:
        pledges = pledges.filter(pledger__slug__in=filters.pledger)
    found = [pledge_out(pledge, request) for pledge in pledges]
    if filters.status:
        found = [
            each for each in found if each["status"] and each["status"]["status"] in filters.status
        ]
    return found


@api.get(
    "/stories/{slug}/pledges/{pledge_id}/",
    response={200: PledgeOut, **ERRORS},
    tags=["pledges"],
)
@decorate_view(api_story_view, allow_any_origin)
def get_pledge(request, slug: SlugPath, pledge_id: int):
    """One pledge, with where it stands and every status change."""
    found = Pledge.objects.for_story(request.story).filter(pk=pledge_id).first()
    if found is None:
        raise HttpError(404, "This story has no published pledge with that id.")
    return pledge_out(found, request)
