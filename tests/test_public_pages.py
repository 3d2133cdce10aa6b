import datetime
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from stories.dates import Precision
from tests import factories

pytestmark = pytest.mark.django_db


def test_home_lists_published_stories_only(client):
    factories.story(title="Published test story")
    factories.story(title="Draft test story", status="draft")

    response = client.get("/")

    assertContains(response, "Published test story")
    assertNotContains(response, "Draft test story")


def test_a_draft_story_is_not_found(client):
    draft = factories.story(status="draft")

    assert client.get(draft.get_absolute_url()).status_code == 404


def test_an_unknown_story_is_not_found(client):
    assert client.get("/stories/no-such-story/").status_code == 404


def test_story_page_shows_a_statement_with_speaker_role_and_source(client, story):
    speaker = factories.stakeholder(name="Test Speaker")
    source = factories.source(publication="The Test Gazette", url="https://example.test/a")
    factories.statement(
        story,
        speaker=speaker,
        speaker_role="Test Secretary",
        source=source,
        quote="We are testing.",
    )

    response = client.get(story.get_absolute_url())

    assertContains(response, "We are testing.")
    assertContains(response, "Test Speaker</a>, Test Secretary")
    assertContains(response, '<a href="https://example.test/a" rel="noopener">The Test Gazette')


def test_a_month_precise_date_is_shown_without_a_day(client, story):
    factories.event(
        story, happened_on=datetime.date(2024, 3, 1), happened_on_precision=Precision.MONTH
    )

    response = client.get(story.get_absolute_url())

    assertContains(response, '<time datetime="2024-03">March 2024</time>', html=True)
    assertNotContains(response, "1 March 2024")


def test_drafts_are_not_on_the_story_page(client, story):
    factories.statement(story, quote="A published test quote.")
    factories.statement(story, quote="A draft test quote.", status="draft")
    factories.event(story, title="A draft test event", status="draft")

    response = client.get(story.get_absolute_url())

    assertContains(response, "A published test quote.")
    assertNotContains(response, "A draft test quote.")
    assertNotContains(response, "A draft test event")


def test_stored_markup_is_shown_as_text(client, story):
    factories.statement(story, quote="<script>alert('x')</script>")

    response = client.get(story.get_absolute_url())

    assertNotContains(response, "<script>alert")
    assertContains(response, "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;")


def test_htmx_request_gets_only_the_timeline(client, story):
    factories.statement(story, quote="A test quote.")

    response = client.get(story.get_absolute_url(), headers={"HX-Request": "true"})

    assertContains(response, "A test quote.")
    assertNotContains(response, "<html")
    assert "HX-Request" in response["Vary"]


def test_story_page_queries_do_not_grow_with_the_story(
    client, story, django_assert_max_num_queries
):
    participants = [factories.stakeholder() for _ in range(3)]
    for _ in range(30):
        factories.statement(story)
        factories.event(story, participants=participants)

    factories.pledge_update(factories.pledge(story))
    factories.part(story, participants[0])

    # story, people for the filter, key figures (series, points, each series' spread), last
    # update, statements, events, participants, the charts' milestones, series and points, and
    # the first screen's key moments (2), pledges and their status changes, and who's who
    with django_assert_max_num_queries(17):
        response = client.get(story.get_absolute_url())

    assert response.status_code == 200


@pytest.mark.parametrize("statements", [3, 60])
def test_a_person_page_costs_the_same_queries_however_much_they_said(
    client, story, statements, django_assert_num_queries
):
    person = factories.stakeholder(name="Test Person", slug="test-person")
    for number in range(statements):
        factories.statement(
            story,
            speaker=person,
            speaker_role="Test Minister" if number % 2 else "Test Secretary",
            said_on=datetime.date(2020 + number // 12, number % 12 + 1, 1),
            said_on_precision=Precision.MONTH if number % 3 else Precision.DAY,
        )

    # story, the person, recorded roles, roles their statements give them, part, pledges,
    # claims, statements, events and their participants
    with django_assert_num_queries(9):
        response = client.get(story.get_person_url(person))

    assert response.status_code == 200


def test_the_hitachi_story_page_shows_the_article(client):
    call_command("load_story", "hitachi-newton-aycliffe")

    response = client.get("/stories/hitachi-newton-aycliffe/")

    assertContains(response, "Government responds to the Transport Committee on rail investment")
    assertContains(response, '<time datetime="2026-05-01">1 May 2026</time>', html=True)
    assertContains(
        response, "Lord Hendy of Richmond Hill</a>, Minister of State, Department for Transport"
    )
    assertContains(response, 'Since <time datetime="2024-03">March 2024</time>')


def test_every_page_under_a_story_leads_back_to_it_and_to_the_page_above(client, story):
    person = factories.stakeholder(name="Test Person", slug="test-person")
    statement = factories.statement(story, speaker=person)
    event = factories.event(story, participants=[person])
    pledge = factories.pledge(story, pledger=person)
    factories.part(story, person)
    person_url = story.get_person_url(person)
    pages = {
        person_url: (story.get_whos_who_url(), "Who’s who"),
        statement.get_absolute_url(): None,
        event.get_absolute_url(): None,
        pledge.get_absolute_url(): (story.get_pledges_url(), "Pledge tracker"),
        story.get_pledges_url(): None,
        story.get_whos_who_url(): None,
        reverse("follow-story", args=[story.slug]): None,
        reverse("follow-person", args=[story.slug, person.slug]): (person_url, "Test Person"),
    }

    for url, above in pages.items():
        response = client.get(url)

        crumbs = re.search(r'<nav class="breadcrumb"[^>]*>(.*?)</nav>', response.text, re.S)
        links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', crumbs.group(1))
        assert links == [(story.get_absolute_url(), story.title), *([above] if above else [])], url
