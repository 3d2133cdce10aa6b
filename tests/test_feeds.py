import datetime
import xml.etree.ElementTree as ET

import pytest
from django.template import Context, Template
from django.utils.dateparse import parse_datetime
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stories.dates import Precision
from tests import factories

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def atom(response):
    """The parsed feed, after checking the elements RFC 4287 requires of a feed and its entries."""
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{name}").text, name
    assert parse_datetime(feed.find(f"{ATOM}updated").text)
    feed_has_author = feed.find(f"{ATOM}author/{ATOM}name") is not None
    for entry in feed.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{name}").text, name
        assert parse_datetime(entry.find(f"{ATOM}updated").text)
        assert entry.find(f"{ATOM}link[@rel='alternate']").get("href").startswith("http")
        assert feed_has_author or entry.find(f"{ATOM}author/{ATOM}name") is not None
    return feed


def entries(feed):
    return feed.findall(f"{ATOM}entry")


def test_story_feed_is_valid_atom_with_statements_and_events(client, story):
    factories.statement(story, quote="Test quote in the feed.")
    factories.event(story, title="Test meeting in the feed")

    feed = atom(client.get(f"/stories/{story.slug}/feed/"))

    assert feed.find(f"{ATOM}title").text == story.title
    titles = [entry.find(f"{ATOM}title").text for entry in entries(feed)]
    assert len(titles) == 2
    assert any("Test quote in the feed." in title for title in titles)
    assert any("Test meeting in the feed" in title for title in titles)


def test_a_statement_entry_carries_speaker_role_date_and_source(client, story):
    speaker = factories.stakeholder(name="Test Speaker")
    source = factories.source(publication="The Test Gazette", url="https://example.test/feed")
    statement = factories.statement(
        story,
        speaker=speaker,
        speaker_role="Test Secretary",
        source=source,
        said_on=datetime.date(2024, 9, 1),
        said_on_precision=Precision.MONTH,
    )

    feed = atom(client.get(f"/stories/{story.slug}/feed/"))

    (entry,) = entries(feed)
    content = entry.find(f"{ATOM}summary").text
    # The entry is the statement's card from the story page; its links resolve against the
    # feed's xml:base, the story's address.
    assert f'id="statement-{statement.pk}"' in content
    assert "Test Speaker</a>, Test Secretary" in content
    base = feed.get("{http://www.w3.org/XML/1998/namespace}base")
    assert base == f"http://testserver/stories/{story.slug}/"
    assert "September 2024" in content
    assert '<a href="https://example.test/feed" rel="noopener">The Test Gazette' in content
    assert entry.find(f"{ATOM}author/{ATOM}name").text == "Test Speaker"
    link = entry.find(f"{ATOM}link[@rel='alternate']").get("href")
    assert link == f"http://testserver/stories/{story.slug}/statements/{statement.pk}/"


def test_stored_markup_is_escaped_in_entry_content(client, story):
    factories.statement(story, quote="<script>alert('Test')</script>")

    feed = atom(client.get(f"/stories/{story.slug}/feed/"))

    content = entries(feed)[0].find(f"{ATOM}summary").text
    assert "<script>" not in content
    assert "&lt;script&gt;" in content


def test_drafts_never_appear_in_a_feed(client, story):
    factories.statement(story, quote="Published test quote.")
    factories.statement(story, quote="Draft test quote.", status="draft")
    factories.event(story, title="Draft test event", status="draft")

    response = client.get(f"/stories/{story.slug}/feed/")

    assert b"Published test quote." in response.content
    assert b"Draft test" not in response.content


def test_a_draft_story_has_no_feed(client):
    draft = factories.story(status="draft")

    assert client.get(f"/stories/{draft.slug}/feed/").status_code == 404


def test_stakeholder_feed_holds_their_statements_and_events_only(client, story):
    person = factories.stakeholder(name="Test Person Followed")
    factories.statement(story, speaker=person, quote="Followed test quote.")
    factories.statement(story, quote="Someone else's test quote.")
    factories.event(story, participants=[person], title="Followed test meeting")
    factories.event(story, title="Other test meeting")

    feed = atom(client.get(f"/stories/{story.slug}/people/{person.slug}/feed/"))

    titles = " ".join(entry.find(f"{ATOM}title").text for entry in entries(feed))
    assert "Followed test quote." in titles
    assert "Followed test meeting" in titles
    assert "Someone else" not in titles
    assert "Other test meeting" not in titles
    assert "Test Person Followed" in feed.find(f"{ATOM}title").text


def test_stakeholder_with_only_drafts_in_the_story_has_no_feed(client, story):
    person = factories.stakeholder()
    factories.statement(story, speaker=person, status="draft")

    assert client.get(f"/stories/{story.slug}/people/{person.slug}/feed/").status_code == 404


def test_feed_answers_a_conditional_request_with_304_until_the_story_changes(client, story):
    factories.statement(story)
    url = f"/stories/{story.slug}/feed/"
    etag = client.get(url)["ETag"]

    assert client.get(url, headers={"if-none-match": etag}).status_code == 304

    factories.event(story, title="Test event published later")  # a change readers see
    assert client.get(url, headers={"if-none-match": etag}).status_code == 200


@pytest.mark.parametrize("items", [1, 25])
def test_feed_queries_do_not_grow_with_the_story(
    client, story, items, django_assert_max_num_queries
):
    for _ in range(items):
        factories.statement(story)
        factories.event(story, participants=[factories.stakeholder()])
        factories.pledge_update(factories.pledge(story))

    # version, story, statements, events, participants, orders, the change log, pledges with
    # their status changes (2), and the status changes' own entries
    with django_assert_max_num_queries(10):
        response = client.get(f"/stories/{story.slug}/feed/")

    assert len(entries(atom(response))) == min(4 * items, 50)


def test_feed_link_tag_writes_the_discovery_link_for_a_page_head(story):
    person = factories.stakeholder(name="Test Person Linked")
    template = Template("{% load open_data %}{% feed_link story %}{% feed_link story person %}")

    html = template.render(Context({"story": story, "person": person}))

    assert (
        f'<link rel="alternate" type="application/atom+xml" title="{story.title} (Atom feed)" '
        f'href="/stories/{story.slug}/feed/">'
    ) in html
    assert f'href="/stories/{story.slug}/people/{person.slug}/feed/"' in html


def test_control_characters_in_stored_text_do_not_break_the_feed(client, story):
    speaker = factories.stakeholder(name="Test\x0bSpeaker")
    factories.statement(story, speaker=speaker, quote="Pasted\x0cfrom a PDF.", speaker_role="\x01")

    for url in (
        f"/stories/{story.slug}/feed/",
        f"/stories/{story.slug}/people/{speaker.slug}/feed/",
    ):
        feed = atom(client.get(url))
        assert "from a PDF." in entries(feed)[0].find(f"{ATOM}title").text


@given(text=st.text(alphabet=st.characters(exclude_characters="\x00"), min_size=1))
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_stored_text_gives_a_valid_feed(client, story, text):
    speaker = factories.stakeholder(name=text)
    factories.statement(story, speaker=speaker, quote=f"Test {text}", context=text)
    factories.event(story, title=f"Test {text}", description=text, place=text)

    atom(client.get(f"/stories/{story.slug}/feed/"))
    atom(client.get(f"/stories/{story.slug}/people/{speaker.slug}/feed/"))


def test_a_storys_feed_has_an_entry_for_each_published_order_linking_to_its_row(client, story):
    book = factories.series(story, slug="order-book", unit="trains", kind="order_book")
    order = factories.order(
        story, customer="Test Open Access", value_qualifier="approximate", delivery="Test 2027"
    )
    factories.order(story, customer="TEST-DRAFT-ORDER", status="draft")

    feed = atom(client.get(f"/stories/{story.slug}/feed/"))

    (entry,) = entries(feed)
    assert entry.find(f"{ATOM}title").text == (
        "New order: Test Open Access, 10 trains, firm order, about £100m (6 December 2024)"
    )
    assert (
        entry.find(f"{ATOM}link[@rel='alternate']")
        .get("href")
        .endswith(f"/stories/{story.slug}/figures/{book.slug}/#order-{order.pk}")
    )
    content = entry.find(f"{ATOM}summary").text
    assert "Delivery: Test 2027" in content and order.source.publication in content
    assert [c.get("term") for c in entry.findall(f"{ATOM}category")] == ["order", "new"]


def test_a_stakeholders_feed_has_no_orders(client, story):
    person = factories.stakeholder()
    factories.statement(story, speaker=person)
    factories.order(story, customer="Test Open Access")

    feed = atom(client.get(f"/stories/{story.slug}/people/{person.slug}/feed/"))

    assert "Test Open Access" not in ET.tostring(feed, encoding="unicode")
