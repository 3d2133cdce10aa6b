"""Timeline filters: what a reader asks for through the GET form, good values and bad."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_django.asserts import assertContains, assertNotContains

from stories.dates import Precision
from stories.models import NegotiationEvent
from tests import factories

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def people(story):
    alice = factories.stakeholder(name="Test Alice", slug="test-alice")
    bob = factories.stakeholder(name="Test Bob", slug="test-bob")
    carol = factories.stakeholder(name="Test Carol", slug="test-carol")
    factories.statement(story, speaker=alice, quote="Test Alice speaks.")
    factories.statement(story, speaker=bob, quote="Test Bob speaks.")
    factories.statement(story, speaker=carol, quote="Test Carol speaks.")
    factories.event(story, title="Test meeting with Carol", participants=[carol])
    return alice, bob, carol


def test_one_stakeholder(client, story, people):
    response = client.get(story.get_absolute_url(), {"who": "test-alice"})

    assertContains(response, "Test Alice speaks.")
    assertNotContains(response, "Test Bob speaks.")
    assertContains(response, "Showing the items that match your filters.")


def test_several_stakeholders_include_the_events_they_took_part_in(client, story, people):
    response = client.get(story.get_absolute_url(), {"who": ["test-alice", "test-carol"]})

    assertContains(response, "Test Alice speaks.")
    assertContains(response, "Test Carol speaks.")
    assertContains(response, "Test meeting with Carol")
    assertNotContains(response, "Test Bob speaks.")


def ticked(response):
    """The slugs of the people the filter form ticks, in order."""
    return re.findall(r'name="who" value="([^"]+)" id="[^"]+" hx-preserve checked', response.text)


def test_the_form_shows_who_is_chosen(client, story, people):
    unfiltered = client.get(story.get_absolute_url())
    response = client.get(story.get_absolute_url(), {"who": ["test-alice", "test-carol"]})

    assertContains(unfiltered, "<summary>People and organisations</summary>", html=True)
    assert ticked(unfiltered) == []
    # The group is open, says how many are chosen and ticks them, and only them.
    assertContains(response, '<details class="filter-group" open>')
    assertContains(response, "<summary>People and organisations (2 chosen)</summary>", html=True)
    assert ticked(response) == ["test-alice", "test-carol"]


def people_filter_url(story):
    return reverse("people-filter", args=[story.slug])


def offered(response):
    """The slugs the people filter offers, in order."""
    return re.findall(r'<input type="checkbox" name="who" value="([^"]+)"', response.text)


def test_the_form_offers_only_people_with_published_content_in_the_story(client, story, people):
    nobody = factories.stakeholder(name="Test Nobody")
    drafty = factories.stakeholder(name="Test Drafty")
    factories.statement(story, speaker=drafty, status="draft")

    for headers in ({}, HTMX):
        response = client.get(people_filter_url(story), headers=headers)

        assert offered(response) == ["test-alice", "test-bob", "test-carol"]
        assertNotContains(response, nobody.slug)
        assertNotContains(response, drafty.slug)


def test_the_story_page_loads_the_people_list_when_the_reader_opens_it(client, story, people):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(story.get_absolute_url())

    assert offered(response) == []
    # The page does not read the story's people (Story.people) at all.
    assert not [q for q in queries if '"stories_story_people"' in q["sql"]]
    # htmx asks for the list when the group opens; without JavaScript, the link opens it as
    # a page, keeping the reader's other filters.
    link = f'hx-get="{people_filter_url(story)}" hx-trigger="toggle once from:closest details"'
    assertContains(response, link)
    filtered = client.get(story.get_absolute_url(), {"q": "speaks", "before": "", "kind": ""})
    assertContains(filtered, f'<a href="{people_filter_url(story)}?q=speaks">')


def test_the_people_list_arrives_alone_for_htmx(client, story, people):
    response = client.get(people_filter_url(story), headers=HTMX)

    assert response.text.lstrip().startswith('<fieldset class="people-choices"')
    assertNotContains(response, "<html")
    assert offered(response) == ["test-alice", "test-bob", "test-carol"]


def test_the_people_list_asks_for_itself_again_when_the_story_changes(client, story, people):
    chosen = client.get(story.get_absolute_url(), {"who": "test-bob"})  # the list in the page
    loaded = client.get(people_filter_url(story), headers=HTMX)  # the list the reader opened

    for response in (chosen, loaded):
        fieldset = re.search(r'<fieldset class="people-choices"[^>]*>', response.text).group()
        # The shared list, with no filters, when the page's poll says the story changed...
        assert f'hx-get="{people_filter_url(story)}"' in fieldset
        assert 'hx-trigger="story-changed from:body"' in fieldset
        assert 'hx-target="this" hx-swap="outerHTML" hx-push-url="false"' in fieldset
        # ...keeping each box the reader has as it is: one id a person, kept across the swap.
        boxes = re.findall(
            r'<input type="checkbox" name="who" value="([^"]+)" id="([^"]+)"'
            r" hx-preserve[ >]",
            response.text,
        )
        assert boxes == [
            (slug, f"id_who_{slug}") for slug in ["test-alice", "test-bob", "test-carol"]
        ]


def test_the_people_list_takes_the_same_queries_however_many_people(client, story, people):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(people_filter_url(story), headers=HTMX).status_code == 200
        return len(captured)

    few = queries()
    for n in range(30):
        speaker = factories.stakeholder(name=f"Test Speaker {n}")
        factories.statement(story, speaker=speaker)
        factories.event(story, participants=[speaker])

    assert queries() == few
    assert len(offered(client.get(people_filter_url(story), headers=HTMX))) == 33


def test_the_people_page_keeps_the_other_filters_and_sends_them_to_the_story(client, story, people):
    response = client.get(
        people_filter_url(story),
        {"q": "speaks", "kind": "statements", "who": "test-bob", "before": "x", "utm": "y"},
    )

    assertContains(
        response, f'<form class="filters" method="get" action="{story.get_absolute_url()}"'
    )
    assertContains(response, '<meta name="robots" content="noindex">')  # the story is the page
    kept = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', response.text)
    assert sorted(kept) == [("kind", "statements"), ("q", "speaks")]
    assert ticked(response) == ["test-bob"]


def test_an_unknown_stakeholder_is_explained_and_ignored(client, story, people):
    response = client.get(story.get_absolute_url(), {"who": ["test-alice", "no-such-person"]})

    assert response.status_code == 200
    assertContains(response, "Nobody called “no-such-person”")
    assertContains(response, "Test Alice speaks.")
    assertNotContains(response, "Test Bob speaks.")


def test_statements_only(client, story, people):
    response = client.get(story.get_absolute_url(), {"kind": "statements"})

    assertContains(response, "Test Alice speaks.")
    assertNotContains(response, "Test meeting with Carol")


def test_events_only(client, story, people):
    response = client.get(story.get_absolute_url(), {"kind": "events"})

    assertNotContains(response, "Test Alice speaks.")
    assertContains(response, "Test meeting with Carol")


def test_event_kind(client, story):
    factories.event(story, title="Test pledge", kind=NegotiationEvent.Kind.PLEDGE)
    factories.event(story, title="Test visit", kind=NegotiationEvent.Kind.VISIT)
    factories.statement(story, quote="Test quote.")

    response = client.get(story.get_absolute_url(), {"event_kind": "pledge"})

    assertContains(response, "Test pledge")
    assertNotContains(response, "Test visit")
    assertNotContains(response, "Test quote.")


def test_an_unknown_kind_is_explained_and_ignored(client, story, people):
    response = client.get(story.get_absolute_url(), {"kind": "gossip", "event_kind": "party"})

    assert response.status_code == 200
    assertContains(response, "Show: Select a valid choice.")
    assertContains(response, "Test Alice speaks.")
    assertContains(response, "Test meeting with Carol")


def test_date_range(client, story):
    factories.statement(story, quote="Test too early.", said_on=datetime.date(2024, 1, 10))
    factories.statement(story, quote="Test in range.", said_on=datetime.date(2024, 2, 10))
    factories.statement(story, quote="Test too late.", said_on=datetime.date(2024, 3, 10))

    response = client.get(story.get_absolute_url(), {"start": "2024-02-01", "end": "2024-02-28"})

    assertContains(response, "Test in range.")
    assertNotContains(response, "Test too early.")
    assertNotContains(response, "Test too late.")


def test_a_month_precise_item_overlapping_the_range_start_is_included(client, story):
    factories.event(
        story,
        title="Test March report",
        happened_on=datetime.date(2024, 3, 1),
        happened_on_precision=Precision.MONTH,
    )

    response = client.get(story.get_absolute_url(), {"start": "2024-03-15"})

    assertContains(response, "Test March report")


def test_an_item_in_a_period_overlapping_the_range_is_included_and_shown_as_the_period(
    client, story
):
    factories.event(
        story,
        title="Test meeting some weeks later",
        happened_on=datetime.date(2024, 7, 1),
        happened_on_precision=Precision.PERIOD,
        happened_on_end=datetime.date(2024, 9, 30),
    )
    factories.event(
        story,
        title="Test meeting long before",
        happened_on=datetime.date(2024, 1, 1),
        happened_on_precision=Precision.PERIOD,
        happened_on_end=datetime.date(2024, 2, 29),
    )

    response = client.get(story.get_absolute_url(), {"start": "2024-09-01"})

    assertContains(response, "Test meeting some weeks later")
    assertContains(
        response, '<time datetime="2024-07">July</time>–<time datetime="2024-09">September 2024'
    )
    assertNotContains(response, "Test meeting long before")


def test_a_malformed_date_is_explained_and_ignored(client, story):
    factories.statement(story, quote="Test quote.")

    response = client.get(story.get_absolute_url(), {"start": "2024-02-31", "end": "soon"})

    assert response.status_code == 200
    assertContains(response, "From: Enter a valid date.")
    assertContains(response, "To: Enter a valid date.")
    assertContains(response, "Test quote.")


def test_a_range_that_ends_before_it_starts_is_explained(client, story):
    factories.statement(story, quote="Test quote.", said_on=datetime.date(2024, 2, 1))

    response = client.get(story.get_absolute_url(), {"start": "2024-03-01", "end": "2024-01-01"})

    assertContains(response, "The end date is before the start date")
    assertContains(response, "Test quote.")


def test_an_overlong_search_is_explained_and_ignored(client, story):
    factories.statement(story, quote="Test quote.")

    response = client.get(story.get_absolute_url(), {"q": "x" * 500})

    assert response.status_code == 200
    assertContains(response, "Search: Ensure this value has at most 200 characters")
    assertContains(response, "Test quote.")


def test_search_finds_quotes_event_titles_and_descriptions(client, story):
    factories.statement(story, quote="Test: the factory must stay open.")
    factories.event(story, title="Test factory visit")
    factories.event(story, title="Test meeting", description="Test talks about the factory.")
    factories.statement(story, quote="Test: nothing relevant here.")

    response = client.get(story.get_absolute_url(), {"q": "factory"})

    assertContains(response, "the factory must stay open")
    assertContains(response, "Test factory visit")
    assertContains(response, "Test talks about the factory.")
    assertNotContains(response, "nothing relevant")


needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search is PostgreSQL's"
)


@needs_postgres
def test_search_matches_other_forms_of_a_word(client, story):
    factories.statement(story, quote="Test: the negotiations are going well.")

    response = client.get(story.get_absolute_url(), {"q": "negotiating"})

    assertContains(response, "the negotiations are going well")


@needs_postgres
def test_search_understands_phrases_and_exclusions(client, story):
    factories.statement(story, quote="Test: jobs are safe at the factory.")
    factories.statement(story, quote="Test: the factory jobs are at risk.")

    phrase = client.get(story.get_absolute_url(), {"q": '"jobs are safe"'})
    excluded = client.get(story.get_absolute_url(), {"q": "factory -risk"})

    assertContains(phrase, "jobs are safe at the factory")
    assertNotContains(phrase, "at risk")
    assertContains(excluded, "jobs are safe at the factory")
    assertNotContains(excluded, "at risk")


@needs_postgres
def test_search_uses_the_gin_indexes(story):
    with connection.cursor() as cursor:
        cursor.execute(
            "select indexname from pg_indexes where indexname in "
            "('statement_search_idx', 'event_search_idx')"
        )
        assert {row[0] for row in cursor.fetchall()} == {
            "statement_search_idx",
            "event_search_idx",
        }


def test_punctuation_only_search_does_not_fail(client, story):
    factories.statement(story, quote="Test quote.")

    response = client.get(story.get_absolute_url(), {"q": '"- or ) & !'})

    assert response.status_code == 200


def test_a_filtered_htmx_request_gets_the_timeline_and_a_tidy_address(client, story, people):
    response = client.get(
        story.get_absolute_url(),
        {"who": "test-alice", "kind": "", "event_kind": "", "start": "", "end": "", "q": ""},
        headers={**HTMX, "HX-Trigger": "filters"},
    )

    assertContains(response, "Test Alice speaks.")
    assertNotContains(response, "<html")
    assert response["HX-Push-Url"] == f"{story.get_absolute_url()}?who=test-alice"


def test_filters_carry_into_the_older_items_link(client, story):
    speaker = factories.stakeholder(slug="test-many")
    for day in range(1, 26):
        factories.statement(story, speaker=speaker, said_on=datetime.date(2024, 5, day))

    response = client.get(story.get_absolute_url(), {"who": "test-many"})

    assertContains(response, "?who=test-many&amp;before=2024-05-06.s.")


def test_the_filter_form_works_without_javascript(client, story):
    response = client.get(story.get_absolute_url())

    assertContains(response, f'method="get" action="{story.get_absolute_url()}"')
    assertContains(response, '<button type="submit">Apply filters</button>')


@needs_postgres
def timeline(html):
    """The timeline of a story page (its first screen lists the newest matches too)."""
    return html[html.index('id="timeline"') :]


def test_best_match_first_orders_a_search_by_its_rank(client, story):
    factories.statement(
        story, quote="Test: jobs, jobs, jobs at the factory.", said_on=datetime.date(2024, 1, 1)
    )
    factories.statement(
        story, quote="Test: one mention of jobs.", said_on=datetime.date(2024, 6, 1)
    )
    factories.statement(story, quote="Test: no match.", said_on=datetime.date(2024, 7, 1))

    newest = timeline(client.get(story.get_absolute_url(), {"q": "jobs"}).text)
    best = timeline(client.get(story.get_absolute_url(), {"q": "jobs", "order": "relevance"}).text)

    assert newest.index("one mention") < newest.index("jobs, jobs, jobs")
    assert best.index("jobs, jobs, jobs") < best.index("one mention")
    assert "no match" not in best
    assert "The best matches for your search, best first." in best


def test_best_match_first_without_a_search_keeps_the_newest_first(client, story):
    factories.statement(story, quote="Test older.", said_on=datetime.date(2024, 1, 1))
    factories.statement(story, quote="Test newer.", said_on=datetime.date(2024, 6, 1))

    html = client.get(story.get_absolute_url(), {"order": "relevance"}).text

    assert html.index("Test newer.") < html.index("Test older.")


@given(
    params=st.dictionaries(
        st.sampled_from(["who", "kind", "event_kind", "start", "end", "q", "order", "before"]),
        st.text(st.characters(exclude_categories=["Cs"]), max_size=60),
    )
)
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_no_filter_values_make_the_page_fail(client, story, params):
    response = client.get(story.get_absolute_url(), params)

    assert response.status_code in (200, 400)


@pytest.mark.parametrize("name", ["who", "kind", "event_kind", "start", "end", "q", "before"])
def test_a_nul_character_in_any_filter_does_not_fail(client, story, name):
    factories.statement(story)

    response = client.get(story.get_absolute_url(), {name: "test\x00value"})

    assert response.status_code in (200, 400)


def test_without_postgresql_search_needs_every_word_in_any_case(story, monkeypatch):
    from stories import search
    from stories.models import Statement

    factories.statement(story, quote="Test: the Factory must stay open.")
    factories.statement(story, quote="Test: the factory is closing.")
    monkeypatch.setattr(search.connection, "vendor", "sqlite")

    found = search.search(Statement.objects.filter(story=story), "factory OPEN")

    assert [statement.quote for statement in found] == ["Test: the Factory must stay open."]


@needs_postgres
@pytest.mark.parametrize(
    ("model_name", "index"),
    [("Statement", "statement_search_idx"), ("NegotiationEvent", "event_search_idx")],
)
def test_the_search_can_use_its_index(story, model_name, index):
    from stories import models, search

    factories.statement(story, quote="Test: the factory must stay open.")
    factories.event(story, title="Test: factory visit")
    matches = search.search(getattr(models, model_name).objects.all(), "factory")
    with connection.cursor() as cursor:
        cursor.execute("set local enable_seqscan = off")
        plan = matches.explain()

    assert index in plan


@needs_postgres
def test_a_match_in_an_event_title_ranks_above_one_in_its_description(client, story):
    factories.event(
        story,
        title="Test meeting",
        description="Test: talks about the pension scheme.",
        happened_on=datetime.date(2024, 9, 1),
    )
    factories.event(story, title="Test pension talks", happened_on=datetime.date(2024, 1, 1))

    html = client.get(story.get_absolute_url(), {"q": "pension", "order": "relevance"}).text

    assert html.index("Test pension talks") < html.index("talks about the pension scheme")


def test_a_new_speaker_joins_the_people_filter_once_their_statement_is_published(
    client, story, django_capture_on_commit_callbacks
):
    factories.statement(story)
    before = offered(client.get(people_filter_url(story), headers=HTMX))  # now in the cache
    speaker = factories.stakeholder(name="Test Newcomer")

    with django_capture_on_commit_callbacks(execute=True):  # the editor's save commits
        factories.statement(story, speaker=speaker)

    after = offered(client.get(people_filter_url(story), headers=HTMX))
    assert speaker.slug not in before
    assert set(after) == {*before, speaker.slug}
