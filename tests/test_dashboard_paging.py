"""Keyset paging of the timeline: every item once, in order, however editors publish."""

import contextlib
import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stories.models import NegotiationEvent, Statement
from stories.timeline import Cursor, InvalidCursor, page, sort_key
from tests import factories

pytestmark = pytest.mark.django_db


def timeline(story):
    """Every published item of the story, newest first, sorted whole: what paging must give."""
    statements, events = querysets(story)
    return sorted([*statements, *events], key=sort_key, reverse=True)


def querysets(story):
    return Statement.objects.for_timeline(story), NegotiationEvent.objects.for_timeline(story)


def all_pages(story, size):
    items, after = [], None
    while True:
        current = page(*querysets(story), after=after, size=size)
        items += current.items
        if current.next_cursor is None:
            return items
        after = current.next_cursor


def test_pages_cover_the_timeline_once_in_order_with_ties_on_the_same_day(story):
    same_day = datetime.date(2024, 5, 1)
    for _ in range(4):
        factories.statement(story, said_on=same_day)
        factories.event(story, happened_on=same_day)
    factories.statement(story, said_on=datetime.date(2024, 6, 1))
    factories.event(story, happened_on=datetime.date(2024, 4, 1))

    for size in (1, 2, 3, 5, 100):
        assert all_pages(story, size) == timeline(story)


def test_publishing_at_the_top_does_not_shift_the_next_page(story):
    for day in range(1, 11):
        factories.statement(story, said_on=datetime.date(2024, 5, day))
    first = page(*querysets(story), size=4)

    factories.statement(story, said_on=datetime.date(2024, 6, 1))
    factories.event(story, happened_on=datetime.date(2024, 5, 20))
    second = page(*querysets(story), after=first.next_cursor, size=4)

    assert [item.said_on.day for item in first] == [10, 9, 8, 7]
    assert [item.said_on.day for item in second] == [6, 5, 4, 3]


def test_a_cursor_reads_back_what_it_writes(story):
    statement = factories.statement(story)

    cursor = Cursor.of(statement)

    assert Cursor.parse(str(cursor)) == cursor


@pytest.mark.parametrize("text", ["", "a.b.c", "2024-01-01.s.0", "2024-1-1.s.1", "2024-01-01.e.x"])
def test_a_bad_cursor_is_refused(text):
    with pytest.raises(InvalidCursor):
        Cursor.parse(text)


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_no_text_makes_cursor_parsing_fail_other_than_as_invalid(text):
    with contextlib.suppress(InvalidCursor):
        Cursor.parse(text)
