"""The real Hitachi story, loaded from its data file, through every open-data surface."""

import csv
import io
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command

from stories.models import NegotiationEvent, Statement

pytestmark = pytest.mark.django_db

SLUG = "hitachi-newton-aycliffe"


@pytest.fixture
def hitachi(db):
    call_command("load_story", SLUG)


def test_every_surface_serves_the_hitachi_story(client, hitachi):
    statements = Statement.objects.published().filter(story__slug=SLUG).count()
    events = NegotiationEvent.objects.published().filter(story__slug=SLUG).count()

    feed = ET.fromstring(client.get(f"/stories/{SLUG}/feed/").content)
    timeline = client.get(f"/api/stories/{SLUG}/timeline/", {"limit": 100}).json()
    exported = csv.DictReader(
        io.StringIO(client.get(f"/stories/{SLUG}/export/statements.csv").content.decode())
    )
    figures = {
        series["slug"]: series for series in client.get(f"/api/stories/{SLUG}/series/").json()
    }

    assert len(feed.findall("{http://www.w3.org/2005/Atom}entry")) == min(statements + events, 50)
    assert len(timeline["items"]) == statements + events
    assert len(list(exported)) == statements
    assert {point["value"] for point in figures["workforce"]["points"]} == {700, 750}
    assert figures["order-book"]["points"] == []  # built from the orders, not figures
    assert client.get(f"/embed/stories/{SLUG}/timeline/").status_code == 200
    assert client.get("/oembed/", {"url": f"http://testserver/stories/{SLUG}/"}).status_code == 200
    assert f"/stories/{SLUG}/".encode() in client.get("/sitemap.xml").content


def test_john_healey_has_a_feed_in_the_hitachi_story(client, hitachi):
    response = client.get(f"/stories/{SLUG}/people/john-healey/feed/")

    assert response.status_code == 200
    assert b"I really feel for the workforce there" in response.content


def test_the_hitachi_orders_reach_every_surface(client, hitachi):
    orders = client.get(f"/api/stories/{SLUG}/orders/").json()
    book = client.get(f"/api/stories/{SLUG}/order-book/").json()
    exported = list(
        csv.DictReader(
            io.StringIO(client.get(f"/stories/{SLUG}/export/orders.csv").content.decode())
        )
    )
    feed = client.get(f"/stories/{SLUG}/feed/").content.decode()

    assert len(orders) == len(exported) == 13
    assert {line["commitment"]: line["trains"] for line in book[-1]["trains"]} == {
        "firm": 23,
        "option": 13,
    }
    assert book[-1]["trains"][1]["value_gbp"] == {"low": 460_000_000, "high": 500_000_000}
    assert "FirstGroup" in feed and "#order-" in feed
