"""
A story's timeline: its published statements and negotiation events, merged, newest first.

Readers page through it with a keyset cursor over (date, kind, pk) rather than page numbers,
so a page never shifts while editors publish: an item published at the top does not push an
item from page one onto page two, and none is shown twice or skipped.
"""

import datetime
import heapq
from dataclasses import dataclass

from django.db.models import Exists, Max, Min, OuterRef, Q

from . import search
from .dates import PreciseDate, Precision, end_field_name, start_of_period
from .models import (
    DataPoint,
    NegotiationEvent,
    Order,
    Part,
    Pledge,
    PledgeUpdate,
    Stakeholder,
    Statement,
    Story,
    figures_by_date,
)
from .orders import order_book

PAGE_SIZE = 20
# The largest primary key a bigint column can hold: anything above is not a real row.
MAX_PK = 2**63 - 1

# On the same day statements come before events (newest first), so statements rank higher.
STATEMENT, EVENT = Statement.timeline_rank, NegotiationEvent.timeline_rank
KIND_LETTERS = {STATEMENT: "s", EVENT: "e"}
LETTER_KINDS = {letter: kind for kind, letter in KIND_LETTERS.items()}


def sort_key(item):
    """Newest first; statements before events on the same day; then newest row first."""
    return (item.when.date, item.timeline_rank, item.pk)


class InvalidCursor(ValueError):
    """A page cursor that was not made by this module (edited, truncated or absurd)."""


@dataclass(frozen=True, order=True)
class Cursor:
    """A position in a timeline: the (date, kind, pk) of one item."""

    date: datetime.date
    kind: int
    pk: int

    @classmethod
    def of(cls, item):
        return cls(*sort_key(item))

    @classmethod
    def above(cls, item):
        """The position just above `item`: the page after it starts with the item itself."""
        date, kind, pk = sort_key(item)
        return cls(date, kind, pk + 1)

    @classmethod
    def parse(cls, text):
        """Read a cursor such as `2024-09-27.s.12`; raise InvalidCursor for anything else."""
        try:
            day, letter, pk = text.split(".")
            date = datetime.date.fromisoformat(day)
            pk = int(pk)
            kind = LETTER_KINDS[letter]
        except (ValueError, KeyError, AttributeError) as error:
            raise InvalidCursor(f"{text!r} is not a timeline position") from error
        if not 0 < pk <= MAX_PK or len(day) != 10:
            raise InvalidCursor(f"{text!r} is not a timeline position")
        return cls(date, kind, pk)

    def __str__(self):
        return f"{self.date.isoformat()}.{KIND_LETTERS[self.kind]}.{self.pk}"

    @property
    def month_heading(self):
        return PreciseDate(self.date, Precision.MONTH).month_heading

    def older(self, date_field, kind):
        """A filter for rows of `kind` that come after this position, newest first."""
        before = Q(**{f"{date_field}__lt": self.date})
        same_day = Q(**{date_field: self.date})
        if kind < self.kind:
            return before | same_day
        if kind > self.kind:
            return before
        return before | (same_day & Q(pk__lt=self.pk))

    def newer(self, date_field, kind):
        """A filter for rows of `kind` that come before this position, newest first."""
        after = Q(**{f"{date_field}__gt": self.date})
        same_day = Q(**{date_field: self.date})
        if kind > self.kind:
            return after | same_day
        if kind < self.kind:
            return after
        return after | (same_day & Q(pk__gt=self.pk))


@dataclass
class Page:
    """One page of a timeline: its items, and where the next (older) page starts."""

    items: list
    next_cursor: Cursor | None = None
    after: Cursor | None = None
    by_relevance: bool = False

    @property
    def top(self):
        return Cursor.of(self.items[0]) if self.items else None

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


def page(statements, events, after=None, size=PAGE_SIZE):
    """
    The `size` newest items that come after the cursor `after` (or the very newest).

    `statements` and `events` are querysets already narrowed by the reader's filters and
    ordered newest first (Statement.objects.for_timeline and the like). Each is read once
    with a limit, so the queries stay the same in number and size however long the story.
    """
    if after is not None:
        statements = statements.filter(after.older("said_on", STATEMENT))
        events = events.filter(after.older("happened_on", EVENT))
    merged = list(
        heapq.merge(statements[: size + 1], events[: size + 1], key=sort_key, reverse=True)
    )
    items = merged[:size]
    next_cursor = Cursor.of(items[-1]) if len(merged) > size else None
    return Page(items=items, next_cursor=next_cursor, after=after)


@dataclass(frozen=True)
class Filters:
    """What a reader narrows a timeline to; the same on the dashboard, the API and exports."""

    who: tuple = ()  # stakeholder slugs: what they said, the events they took part in
    kind: str | None = None  # "statement" or "event": only that kind
    event_kinds: tuple = ()  # events of these kinds, and the statements made at them
    start: datetime.date | None = None  # items whose period overlaps [start, end]
    end: datetime.date | None = None
    q: str = ""  # words to search for (stories.search)


def filtered(story, filters=Filters()):
    """The story's published statements and events, narrowed by `filters`, newest first."""
    statements = Statement.objects.for_timeline(story)
    events = NegotiationEvent.objects.for_timeline(story)
    if filters.kind == "event":
        statements = statements.none()
    if filters.kind == "statement":
        events = events.none()
    if filters.event_kinds:
        statements = statements.in_published_events(filters.event_kinds)
        events = events.filter(kind__in=filters.event_kinds)
    if filters.who:
        statements = statements.filter(speaker__slug__in=filters.who)
        events = events.filter(participants__slug__in=filters.who).distinct()
    statements = overlapping(statements, "said_on", filters.start, filters.end)
    events = overlapping(events, "happened_on", filters.start, filters.end)
    if filters.q:
        statements = search.search(statements, filters.q)
        events = search.search(events, filters.q)
    return statements, events


def newer_than(statements, events, top):
    """Querysets of the items that would appear above `top` (all items when `top` is None)."""
    if top is None:
        return statements, events
    return (
        statements.filter(top.newer("said_on", STATEMENT)),
        events.filter(top.newer("happened_on", EVENT)),
    )


def between(statements, events, top, bottom):
    """Querysets of the items from `bottom` to `top` inclusive: the ones a reader has loaded."""
    statements = statements.exclude(top.newer("said_on", STATEMENT))
    events = events.exclude(top.newer("happened_on", EVENT))
    if bottom is not None:
        statements = statements.exclude(bottom.older("said_on", STATEMENT))
        events = events.exclude(bottom.older("happened_on", EVENT))
    return statements, events


def overlapping(queryset, date_field, start=None, end=None):
    """
    Narrow to items whose period overlaps [start, end].

    An item dated "March 2024" overlaps a range starting on 15 March, so each precision is
    compared with the start of the range's period at that precision; an item known only to lie
    in a period ("July–September 2024") overlaps when the period has not ended before `start`.
    """
    if start is not None:
        precision_field = f"{date_field}_precision"
        fixed = [precision for precision in Precision.values if precision != Precision.PERIOD]
        queryset = queryset.filter(
            Q(
                *[
                    Q(
                        **{
                            precision_field: precision,
                            f"{date_field}__gte": start_of_period(start, precision),
                        }
                    )
                    for precision in fixed
                ],
                Q(
                    **{
                        precision_field: Precision.PERIOD,
                        f"{end_field_name(date_field)}__gte": start,
                    }
                ),
                _connector=Q.OR,
            )
        )
    if end is not None:
        queryset = queryset.filter(**{f"{date_field}__lte": end})
    return queryset


def people_on_record(story):
    """
    Stakeholders with any published part in the story: what they said, the events they took
    part in, the pledges they made or claimed kept, and the story's who's who. Each has a page
    in the story.
    """
    pledged = Pledge.objects.published().filter(story=story, pledger=OuterRef("pk"))
    claimed = PledgeUpdate.objects.published().filter(
        pledge__story=story, claimed_by=OuterRef("pk")
    )
    listed = Part.objects.published().filter(story=story, stakeholder=OuterRef("pk"))
    in_timeline = Story.people.through.objects.filter(story=story, stakeholder=OuterRef("pk"))
    return Stakeholder.objects.filter(
        Exists(in_timeline) | Exists(pledged) | Exists(claimed) | Exists(listed)
    )


def key_moments(story):
    """The story's key moments, oldest first: the statements and events editors marked key."""
    return sorted(
        [*Statement.objects.key_moments(story), *NegotiationEvent.objects.key_moments(story)],
        key=sort_key,
    )


LATEST = 3


def latest(story, size=LATEST):
    """The story's newest published statements and events, newest first."""
    return page(
        Statement.objects.for_timeline(story),
        NegotiationEvent.objects.for_timeline(story),
        size=size,
    ).items


def whos_who(story):
    """The story's who's who: [(group label, [Part, …])], in the groups' order."""
    groups = {}
    for part in Part.objects.whos_who(story):
        groups.setdefault(part.get_group_display(), []).append(part)
    return list(groups.items())


def people_named_in(story):
    """(slug, name) of everyone readers can filter the story's timeline by, by name."""
    return list(story.people.order_by("name").values_list("slug", "name"))


def key_figures(story):
    """
    (series, latest, spread) for each published series of the story. `latest` is what its key
    figure shows: the figures of its newest date (a FiguresOnDate: one figure, or several when
    sources differ), or for the order book the book as it stands (a stories.orders.Step); None
    when it has nothing yet. `spread` is (lowest, highest) of all its figures when they are not
    all the same, so a reader of the latest figure alone knows that others were reported.
    """
    series = list(story.series.published())
    ranges = (
        DataPoint.objects.published()
        .filter(series__story=story)
        .values("series")
        .annotate(low=Min("value"), high=Max("value"), newest=Max("as_of"))
        .order_by()
    )
    spreads, newest = {}, {}
    for row in ranges:
        newest[row["series"]] = row["newest"]
        if row["low"] != row["high"]:
            spreads[row["series"]] = (row["low"], row["high"])
    latest = {}
    for point in DataPoint.objects.on_dates(newest):
        latest.setdefault(point.series_id, []).append(point)
    latest_step = None
    if any(each.is_order_book for each in series):
        steps = order_book(Order.objects.for_story(story))
        latest_step = steps[-1] if steps else None
    figures = []
    for each in series:
        if each.is_order_book:
            shown = latest_step
        else:
            shown = figures_by_date(latest[each.pk])[-1] if each.pk in latest else None
        figures.append((each, shown, spreads.get(each.pk)))
    return figures


def last_updated(story):
    """When readers last saw a change: when the story's published version last moved."""
    return story.published_version_at or story.updated_at
