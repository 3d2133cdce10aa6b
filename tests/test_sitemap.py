import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def locations(response):
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert root.tag == f"{SITEMAP}urlset"
    return {url.find(f"{SITEMAP}loc").text for url in root.findall(f"{SITEMAP}url")}


def test_sitemap_lists_published_stories_and_their_permalinks(client, story):
    person = factories.stakeholder(slug="test-sitemap-person")
    statement = factories.statement(story, speaker=person)
    event = factories.event(story, participants=[factories.stakeholder(slug="test-attendee")])
    series = factories.series(story, slug="test-sitemap-series")
    factories.point(series)
    base = f"http://testserver/stories/{story.slug}"

    found = locations(client.get("/sitemap.xml"))

    assert {
        f"{base}/",
        f"{base}/statements/{statement.pk}/",
        f"{base}/events/{event.pk}/",
        f"{base}/people/test-sitemap-person/",
        f"{base}/people/test-attendee/",
        f"{base}/figures/test-sitemap-series/",
    } <= found


def test_drafts_never_appear_in_the_sitemap(client, story):
    draft_story = factories.story(status="draft")
    factories.statement(draft_story)
    draft_statement = factories.statement(
        story, status="draft", speaker=factories.stakeholder(slug="test-draft-speaker")
    )
    factories.event(story, status="draft")
    factories.point(factories.series(story, slug="test-draft-series"), status="draft")

    body = client.get("/sitemap.xml").content.decode()

    assert draft_story.slug not in body
    assert f"/statements/{draft_statement.pk}/" not in body
    assert "/events/" not in body
    assert "test-draft-speaker" not in body
    assert "test-draft-series" not in body


def test_sitemap_answers_a_conditional_request_with_304_until_a_story_changes(client, story):
    etag = client.get("/sitemap.xml")["ETag"]

    assert client.get("/sitemap.xml", headers={"if-none-match": etag}).status_code == 304

    factories.event(story, title="Test event published later")  # a change readers see
    assert client.get("/sitemap.xml", headers={"if-none-match": etag}).status_code == 200


def test_a_newly_published_story_changes_the_sitemap_validator(client, story):
    etag = client.get("/sitemap.xml")["ETag"]

    factories.story()

    assert client.get("/sitemap.xml", headers={"if-none-match": etag}).status_code == 200


def add_story_with_items():
    story = factories.story()
    for _ in range(3):
        factories.statement(story)
        factories.event(story, participants=[factories.stakeholder()])
        factories.point(factories.series(story))


def test_sitemap_queries_do_not_grow_with_the_site(client):
    add_story_with_items()
    with CaptureQueriesContext(connection) as small:
        client.get("/sitemap.xml")
    for _ in range(3):
        add_story_with_items()

    with CaptureQueriesContext(connection) as large:
        client.get("/sitemap.xml")

    # Per section, Django's sitemap counts then reads its items; people take seven queries
    # (who spoke, took part, pledged, claimed or is in a who's who; their stories and people).
    assert len(large) == len(small) <= 18
