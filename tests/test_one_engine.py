"""
One timeline engine (stories.timeline and stories.search) answers every surface: the same
filters give the same items in the same order on the dashboard and in the API, search
included, page after page.
"""

import datetime
import re

import pytest

from stories.models import NegotiationEvent
from tests import factories

pytestmark = pytest.mark.django_db

# The dashboard's filter names and the API's, for the same filter.
API_NAMES = {"who": "speaker", "start": "from", "end": "to", "q": "q", "event_kind": "event_kind"}
API_KINDS = {"statements": "statement", "events": "event"}


@pytest.fixture
def story_with_everything(story):
    alice = factories.stakeholder(name="Test Alice", slug="test-alice")
    bob = factories.stakeholder(name="Test Bob", slug="test-bob")
    visit = factories.event(
        story,
        title="Test factory visit",
        kind=NegotiationEvent.Kind.VISIT,
        happened_on=datetime.date(2024, 7, 10),
        participants=[alice],
    )
    factories.event(
        story,
        title="Test pension talks",
        description="Test: the factory's order book came up.",
        kind=NegotiationEvent.Kind.MEETING,
        happened_on=datetime.date(2024, 9, 1),
        happened_on_precision="month",
        participants=[bob],
    )
    for day in range(1, 29):
        factories.statement(
            story,
            speaker=alice if day % 2 else bob,
            quote=f"Test quote {day} about the {'factory' if day % 3 else 'order book'}.",
            said_on=datetime.date(2024, 8, day),
            event=visit if day % 5 == 0 else None,
        )
    return story


def dashboard_ids(client, story, query):
    """Every item the dashboard shows for `query`, following its older-items links."""
    ids, url = [], story.get_absolute_url()
    params = dict(query)
    while True:
        html = client.get(url, params, headers={"HX-Request": "true"}).text
        ids += re.findall(r'<article class="item \w+" id="(\w+-\d+)"', html)
        older = re.search(r'<p class="older">\s*<a href="[^"]*\?([^"]+)"', html)
        if not older:
            return ids
        url, params = f"{story.get_absolute_url()}?{older.group(1).replace('&amp;', '&')}", {}


def api_ids(client, story, query):
    """Every item the API's timeline gives for the same filters, page after page."""
    params = {API_NAMES.get(name, name): value for name, value in query.items()}
    if "kind" in query:
        params["kind"] = API_KINDS[query["kind"]]
    ids, cursor = [], None
    while True:
        answer = client.get(
            f"/api/stories/{story.slug}/timeline/",
            {**params, **({"cursor": cursor} if cursor else {})},
        ).json()
        ids += [f"{item['type']}-{item['id']}" for item in answer["items"]]
        cursor = answer["next_cursor"]
        if cursor is None:
            return ids


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"who": "test-alice"},
        {"kind": "events"},
        {"kind": "statements", "start": "2024-08-10", "end": "2024-08-20"},
        {"event_kind": "visit"},
        {"start": "2024-09-15"},  # overlaps the month-precise September event
        {"q": "factory"},
        {"q": '"order book"'},
        {"q": "factory -quote", "who": "test-bob"},
    ],
    ids=lambda query: "&".join(f"{k}={v}" for k, v in query.items()) or "everything",
)
def test_the_dashboard_and_the_api_give_the_same_items_in_the_same_order(
    client, story_with_everything, query
):
    on_the_page = dashboard_ids(client, story_with_everything, query)

    assert on_the_page, "the filters should match something"
    assert api_ids(client, story_with_everything, query) == on_the_page
