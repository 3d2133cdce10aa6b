"""The story dashboard as a reader gets it: header figures, the timeline, paging, live updates."""

import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from dashboard import reading
from stories.dates import Precision
from stories.models import NegotiationEvent, Qualifier, Statement, Status, Story
from tests import factories
from tests.outages import database_down

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def poll_url(html):
    """The live poll's address as the page gives it to htmx."""
    match = re.search(r'id="live"[^>]*hx-get="([^"]+)"', html, re.S)
    assert match, "the page has no live poll"
    return match.group(1).replace("&amp;", "&")


def test_header_shows_the_latest_figure_with_its_date_qualifier_and_source(client, story):
    workforce = factories.series(story, name="Workforce", unit="jobs")
    factories.point(workforce, as_of=datetime.date(2024, 1, 1), value=900)
    source = factories.source(publication="The Test Gazette", url="https://example.test/fig")
    factories.point(
        workforce,
        as_of=datetime.date(2024, 9, 1),
        as_of_precision=Precision.MONTH,
        value=750,
        qualifier=Qualifier.APPROXIMATE,
        source=source,
    )

    response = client.get(story.get_absolute_url())

    figure = re.search(r'<div class="figure".*?</div>', response.text, re.S).group(0)
    assert "Workforce" in figure
    assert "About" in figure and ">750</data> jobs" in figure
    assert '<time datetime="2024-09">September 2024</time>' in figure
    assert '<a href="https://example.test/fig" rel="noopener">The Test Gazette</a>' in figure
    latest = re.search(r'<dd class="figure-value">.*?</dd>', figure, re.S).group(0)
    assert "900" not in latest  # the older figure is not shown as the latest...
    assert "Sources have given 750 to 900 jobs" in figure  # ...but the reader learns of it


def test_header_shows_figures_that_differ_as_a_range_with_each_source(client, story):
    workforce = factories.series(story, name="Workforce", unit="jobs")
    day = datetime.date(2024, 12, 6)
    wire = factories.source(publication="Test Wire", url="https://example.test/wire")
    factories.point(workforce, as_of=day, value=700, source=wire)
    tv = factories.source(publication="Test TV", url="")
    factories.point(workforce, as_of=day, value=750, source=tv)

    response = client.get(story.get_absolute_url())

    figure = re.search(r'<div class="figure".*?</div>', response.text, re.S).group(0)
    assert '<data value="700.00">700</data>–<data value="750.00">750</data> jobs' in figure
    assert "Sources differ:" in figure
    assert '700 (<a href="https://example.test/wire" rel="noopener">Test Wire</a>)' in figure
    assert "750 (Test TV)" in figure


def test_the_order_books_key_figure_is_what_it_holds_now(client, story):
    factories.series(story, name="Order book", unit="trains", kind="order_book")
    factories.order(story, trains=14, value=500_000_000, value_qualifier="approximate")
    factories.order(story, trains=13, value=None, commitment="option")

    response = client.get(story.get_absolute_url())

    figure = re.search(r'<div class="figure".*?</div>', response.text, re.S).group(0)
    assert '<data value="27">27</data> trains' in figure
    assert "14 trains on firm order (about £500m)" in figure
    assert "13 trains on option" in figure
    assert '<time datetime="2024-12-06">6 December 2024</time>' in figure


def test_a_series_without_figures_says_the_source_gives_none(client, story):
    factories.series(story, name="Order book", unit="trains")

    response = client.get(story.get_absolute_url())

    assertContains(response, "Order book")
    assertContains(response, "The source gives no figure.")


def test_draft_figures_are_not_shown(client, story):
    series = factories.series(story, name="Workforce")
    factories.point(series, value=123, status=Status.DRAFT)

    page = client.get(story.get_absolute_url()).text
    # The key figure only: elsewhere a time stamp's digits may spell 123 by chance.
    start = page.index(f'id="figure-{series.slug}"')
    figure = page[start : page.index("</div>", start)]

    assert "The source gives no figure." in figure
    assert "123" not in figure


def test_header_says_when_the_story_was_last_updated(client, story):
    response = client.get(story.get_absolute_url())

    assertContains(response, "Last updated <time datetime=")


def test_timeline_is_grouped_by_month_with_dates_at_their_precision(client, story):
    factories.statement(story, said_on=datetime.date(2024, 9, 27), quote="Test September quote.")
    factories.event(
        story,
        title="Test March report",
        happened_on=datetime.date(2024, 3, 1),
        happened_on_precision=Precision.MONTH,
    )

    page = client.get(story.get_absolute_url()).text
    html = page[page.index('id="timeline"') :]  # the first screen lists the latest items too

    september = html.index('<h3 class="month">September 2024</h3>')
    march = html.index('<h3 class="month">March 2024</h3>')
    assert september < html.index("Test September quote.") < march < html.index("Test March report")


def test_a_statement_links_its_speaker_permalink_and_event(client, story):
    speaker = factories.stakeholder(name="Test Speaker")
    meeting = factories.event(story, title="Test summit")
    statement = factories.statement(story, speaker=speaker, event=meeting)

    response = client.get(story.get_absolute_url())

    assertContains(
        response, f'<a href="/stories/{story.slug}/people/{speaker.slug}/">Test Speaker</a>'
    )
    assertContains(response, f'href="/stories/{story.slug}/statements/{statement.pk}/"')
    assertContains(
        response, f'<a href="/stories/{story.slug}/events/{meeting.pk}/">Test summit</a>'
    )


def test_an_event_shows_its_kind_participants_and_source(client, story):
    person = factories.stakeholder(name="Test Participant")
    factories.event(
        story, title="Test visit", kind=NegotiationEvent.Kind.VISIT, participants=[person]
    )

    response = client.get(story.get_absolute_url())

    assertContains(response, '<span class="kind">Visit</span>')
    assertContains(response, ">Test Participant</a>")
    assertContains(response, "Source:")


def test_the_dashboard_names_each_chart_and_brings_it_when_the_reader_reaches_it(client, story):
    series = factories.series(story, name="Test workforce")
    factories.point(series, value=750)

    response = client.get(story.get_absolute_url())
    block = client.get(series.get_absolute_url(), headers=HTMX)

    # The page names the chart and links to it; the chart block, with its summary and its
    # figure, comes when the reader scrolls to it.
    assertContains(response, f'<section class="chart" id="chart-{series.slug}"')
    assertContains(response, f'hx-get="{series.get_absolute_url()}" hx-trigger="revealed"')
    assertContains(response, f'<a class="chart-plot-link" href="{series.get_absolute_url()}">')
    assertNotContains(response, "Test workforce: 750 jobs on 27 September 2024")
    assertNotContains(response, f'id="chart-{series.slug}-figure"')
    assertContains(block, "Test workforce: 750 jobs on 27 September 2024")
    assertContains(block, f'<script id="chart-{series.slug}-figure" type="application/json">')
    assert "<html" not in block.text


def test_a_corrected_statement_says_so_in_the_timeline(client, story):
    statement = factories.statement(story, quote="Test quote, corrected.")
    Statement.objects.filter(pk=statement.pk).update(
        corrected_at=timezone.now(), correction_note="Test note: the date was wrong."
    )

    response = client.get(story.get_absolute_url())

    assertContains(response, "Test note: the date was wrong.")
    assertContains(response, 'class="correction-note"')


def test_the_page_loads_htmx_under_the_content_security_policy(client, story):
    response = client.get(story.get_absolute_url())

    assertContains(response, "django_htmx/htmx-2.min.js")
    config = '{"allowEval":false,"includeIndicatorStyles":false,"historyCacheSize":0}'
    assertContains(response, f"""<meta name="htmx-config" content='{config}'>""")
    policy = response["Content-Security-Policy"]
    assert "unsafe-eval" not in policy and "unsafe-inline" not in policy
    assert " style=" not in response.text
    assert " onclick=" not in response.text


# Paging


def test_older_items_come_after_a_plain_link_that_htmx_loads_when_revealed(client, story):
    for day in range(1, 26):
        factories.statement(story, said_on=datetime.date(2024, 5, day), quote=f"Test day {day}.")

    first = client.get(story.get_absolute_url())

    assertContains(first, "Test day 25.")
    assertNotContains(first, "Test day 5.")
    link = re.search(r'<p class="older">\s*<a href="([^"]+)"([^>]*)>', first.text)
    assert 'hx-trigger="click, revealed"' in link.group(2)
    older = client.get(link.group(1).replace("&amp;", "&"), headers=HTMX)
    assertContains(older, "Test day 5.")
    assertNotContains(older, "Test day 25.")
    assertNotContains(older, "<html")
    assertNotContains(older, 'class="older"')
    # The same address is a full page for a reader without JavaScript.
    full = client.get(link.group(1).replace("&amp;", "&"))
    assertContains(full, "<html")
    assertContains(full, "Test day 5.")
    assertContains(full, "Back to the newest")


def test_a_month_heading_is_not_repeated_where_a_page_continues_the_month(client, story):
    for day in range(1, 26):
        factories.statement(story, said_on=datetime.date(2024, 5, day))

    first = client.get(story.get_absolute_url()).text
    link = re.search(r'<p class="older">\s*<a href="([^"]+)"', first).group(1)
    older = client.get(link.replace("&amp;", "&"), headers=HTMX).text

    full_older = client.get(link.replace("&amp;", "&")).text

    assert '<h3 class="month">May 2024</h3>' in first
    assert '<h3 class="month">' not in older
    assert '<h3 class="month">May 2024</h3>' in full_older


@pytest.mark.parametrize(
    "cursor",
    [
        "nonsense",
        "2024-13-45.s.1",
        "2024-01-01.x.1",
        "2024-01-01.s.-4",
        "2024-01-01.s.99999999999999999999999999",
        "99999-01-01.s.1",
        "2024-01-01.s",
    ],
)
def test_an_absurd_page_cursor_is_explained_with_a_400(client, story, cursor):
    factories.statement(story, quote="Test newest quote.")

    response = client.get(story.get_absolute_url(), {"before": cursor})

    assert response.status_code == 400
    assertContains(response, "This link to older items is not valid", status_code=400)
    assertContains(response, "Test newest quote.", status_code=400)


# Live updates


@pytest.fixture
def remembered_versions(settings):
    """Versions remembered by the web process, as in production (STORY_VERSION_SECONDS)."""
    settings.STORY_VERSION_SECONDS = 60


def current(story):
    return Story.objects.values_list("published_version", flat=True).get(pk=story.pk)


def test_an_unchanged_story_answers_the_poll_with_204_and_no_query(
    client, story, remembered_versions, django_assert_num_queries
):
    url = poll_url(client.get(story.get_absolute_url()).text)

    with django_assert_num_queries(0):
        response = client.get(url, headers=HTMX)

    assert response.status_code == 204
    assert response.content == b""


def test_without_a_remembered_version_an_unchanged_poll_costs_one_small_query(
    client, story, django_assert_num_queries
):
    url = poll_url(client.get(story.get_absolute_url()).text)

    with django_assert_num_queries(1):
        response = client.get(url, headers=HTMX)

    assert response.status_code == 204


def test_the_poll_address_names_the_page_version_and_the_filters_and_nothing_else(client, story):
    speaker = factories.stakeholder()
    factories.statement(story, speaker=speaker)

    url = poll_url(client.get(story.get_absolute_url(), {"who": speaker.slug, "q": "test"}).text)

    assert url == (
        f"/stories/{story.slug}/updates/?since={current(story)}&who={speaker.slug}&q=test"
    )


def test_the_poll_follows_the_interval_setting(client, story, settings):
    settings.TIMELINE_POLL_SECONDS = 2

    response = client.get(story.get_absolute_url())

    assertContains(response, 'hx-trigger="every 2s, visibilitychange from:document"')


def test_a_new_item_gives_the_open_page_a_notice_and_the_story_changed_event(client, story):
    factories.statement(story, quote="Test first quote.")
    url = poll_url(client.get(story.get_absolute_url()).text)
    factories.statement(story, quote="Test second quote.", said_on=datetime.date(2024, 10, 1))

    response = client.get(url, headers=HTMX)

    assert response.status_code == 200
    # The event names the new version: what asks again on it asks at that version.
    assert json.loads(response["HX-Trigger"]) == {"story-changed": {"version": current(story)}}
    assertContains(response, '<div id="updates-notice" hx-swap-oob="innerHTML">')
    assertContains(response, "1 new update: show it")
    assert f"since={current(story)}" in poll_url(response.text)
    # The notice does not carry the new item itself: the reader chooses when to load it.
    assertNotContains(response, "Test second quote.")


def test_a_part_asking_at_the_announced_version_gets_it_though_the_process_remembers_older(
    client, story, remembered_versions
):
    factories.statement(story, speaker=factories.stakeholder(name="Test Alice"))
    people = f"{story.get_absolute_url()}filter/people/"
    assertContains(client.get(people, headers=HTMX), "Test Alice")  # kept at this version
    factories.statement(story, speaker=factories.stakeholder(name="Test Bob"))

    # This process still remembers the version before Bob (for STORY_VERSION_SECONDS)...
    assertNotContains(client.get(people, headers=HTMX), "Test Bob")
    # ...but the list asked for at the version the poll announced has him,
    announced = client.get(people, {"version": current(story)}, headers=HTMX)
    assertContains(announced, "Test Bob")
    assert "public" in announced["Cache-Control"]
    # and the process now remembers that version for everyone.
    assertContains(client.get(people, headers=HTMX), "Test Bob")


def test_an_answer_older_than_the_version_asked_for_is_kept_by_no_cache(client, story):
    factories.statement(story)
    people = f"{story.get_absolute_url()}filter/people/"

    def asked_at(version):
        return client.get(people, {"version": version}, headers=HTMX)

    now = current(story)
    # As when a replica has not yet received the version another server announced: read now,
    ahead = asked_at(now + 1)
    assert ahead.status_code == 200
    assert ahead["Cache-Control"] == "no-store"
    assert "public" in asked_at(now)["Cache-Control"]
    # and again once the answer at the version it has is kept (a shared answer, not read).
    with CaptureQueriesContext(connection) as queries:
        kept = asked_at(now + 1)
    assert kept["Cache-Control"] == "no-store"
    assert kept.content == ahead.content
    assert len(queries) == 1  # the version, read afresh


@pytest.mark.parametrize("value", ["", "x", "-1", "1.5", "²", "9" * 40])
def test_a_version_parameter_that_is_no_version_is_ignored(client, story, value):
    factories.statement(story)
    people = f"{story.get_absolute_url()}filter/people/"

    response = client.get(people, {"version": value}, headers=HTMX)

    assert response.status_code == 200
    assert "public" in response["Cache-Control"]


def test_a_poll_after_a_change_with_nothing_new_gives_no_notice(client, story):
    factories.statement(story, quote="Test first quote.")
    url = poll_url(client.get(story.get_absolute_url()).text)
    factories.series(story)

    response = client.get(url, headers=HTMX)

    assert response.status_code == 200
    assert "story-changed" in json.loads(response["HX-Trigger"])
    assertNotContains(response, "new update")


def test_new_items_are_counted_within_the_reader_filters(client, story):
    speaker = factories.stakeholder()
    factories.statement(story, speaker=speaker)
    url = poll_url(client.get(story.get_absolute_url(), {"who": speaker.slug}).text)
    factories.statement(story, said_on=datetime.date(2024, 12, 1))  # someone else
    factories.statement(story, speaker=speaker, said_on=datetime.date(2024, 12, 2))

    response = client.get(url, headers=HTMX)

    assertContains(response, "1 new update")


def test_a_new_item_dated_among_the_loaded_ones_is_counted_too(client, story):
    factories.statement(story, said_on=datetime.date(2024, 9, 1))
    factories.statement(story, said_on=datetime.date(2024, 7, 1))
    url = poll_url(client.get(story.get_absolute_url()).text)
    factories.event(story, happened_on=datetime.date(2024, 8, 1))  # between the two

    response = client.get(url, headers=HTMX)

    assertContains(response, "1 new update")


def test_a_correction_to_an_item_on_screen_is_swapped_in_place(client, story):
    statement = factories.statement(story, quote="Test quote with a tpyo.")
    url = poll_url(client.get(story.get_absolute_url()).text)
    statement.quote = "Test quote, corrected."
    statement.save()

    response = client.get(url, headers=HTMX)

    corrections = re.search(r'<template class="corrections">.*</template>', response.text, re.S)
    assert f'id="statement-{statement.pk}"' in corrections.group(0)
    assert "Test quote, corrected." in corrections.group(0)


def test_an_unpublished_item_is_removed_from_open_pages(client, story):
    event = factories.event(story, title="Test event published by mistake")
    url = poll_url(client.get(story.get_absolute_url()).text)
    event.status = Status.DRAFT
    event.save()

    response = client.get(url, headers=HTMX)

    assertContains(response, f'<div id="event-{event.pk}" data-withdrawn></div>')
    assertNotContains(response, "Test event published by mistake")


def test_a_new_figure_replaces_the_header_figures_on_open_pages(client, story):
    series = factories.series(story, name="Workforce", unit="jobs")
    url = poll_url(client.get(story.get_absolute_url()).text)
    factories.point(series, value=640)

    response = client.get(url, headers=HTMX)

    assertContains(response, '<div id="key-figures" hx-swap-oob="true">')
    assertContains(response, ">640</data> jobs")


def test_draft_edits_leave_the_version_and_every_poll_unchanged(client, story):
    factories.statement(story)
    url = poll_url(client.get(story.get_absolute_url()).text)
    draft = factories.statement(story, status=Status.DRAFT, quote="Test draft words.")
    draft.quote = "Test draft words, edited again."
    draft.save()
    factories.event(story, status=Status.DRAFT)
    factories.series(story, status=Status.DRAFT)

    response = client.get(url, headers=HTMX)

    assert response.status_code == 204


def test_no_poll_answer_names_a_draft_by_id_whatever_the_address_says(client, story):
    """The review's attack: ask from version 0 with made-up positions, after draft edits."""
    factories.statement(story)
    draft_statement = factories.statement(story, status=Status.DRAFT)
    draft_event = factories.event(story, status=Status.DRAFT)
    draft_statement.context = "Test context edited in draft."
    draft_statement.save()
    published = factories.event(story)
    published.status = Status.DRAFT  # withdrawn: readers did see this one
    published.save()

    response = client.get(
        f"/stories/{story.slug}/updates/",
        {"since": 0, "checked": 0, "top": "2099-01-01.s.1", "bottom": "2000-01-01.e.1"},
        headers=HTMX,
    )

    assert response.status_code == 200
    named = set(re.findall(r'id="((?:statement|event)-\d+)"', response.text))
    assert f"statement-{draft_statement.pk}" not in named
    assert f"event-{draft_event.pk}" not in named
    assert f"event-{published.pk}" in named


def test_two_readers_at_one_version_get_the_same_answer_and_the_second_costs_no_query(
    client, story, remembered_versions, django_assert_num_queries
):
    url = poll_url(client.get(story.get_absolute_url()).text)
    factories.statement(story, quote="Test quote published after.")
    reading.forget_versions()  # STORY_VERSION_SECONDS pass
    first = client.get(url, headers=HTMX)
    other_reader = type(client)()
    other_reader.cookies["analytics_consent"] = "yes"

    with django_assert_num_queries(0):
        second = other_reader.get(url + "&utm_source=newsletter", headers=HTMX)

    assert second.status_code == first.status_code == 200
    assert second.content == first.content
    assert second["HX-Trigger"] == first["HX-Trigger"]


def test_the_poll_address_is_also_a_full_page(client, story):
    factories.statement(story, quote="Test quote.")
    url = poll_url(client.get(story.get_absolute_url()).text)

    response = client.get(url)

    assertContains(response, "<html")
    assertContains(response, "Test quote.")


def test_the_poll_for_an_unknown_or_draft_story_is_not_found(client):
    draft = factories.story(status=Status.DRAFT)

    assert client.get("/stories/no-such-story/updates/?since=1").status_code == 404
    assert client.get(f"/stories/{draft.slug}/updates/").status_code == 404


def test_an_open_page_stops_polling_once_its_story_is_unpublished(client, story):
    url = poll_url(client.get(story.get_absolute_url()).text)
    story.status = Status.DRAFT
    story.save()

    response = client.get(url, headers=HTMX)

    assert response.status_code == 286  # htmx's "stop polling"


def test_an_open_page_of_a_renamed_story_polls_at_its_new_address(client, story):
    url = poll_url(client.get(story.get_absolute_url()).text)
    story.slug = "test-story-renamed"
    story.save()

    response = client.get(url, headers=HTMX)

    assert response.status_code == 301
    assert response["Location"].startswith("/stories/test-story-renamed/updates/?since=")


@pytest.mark.parametrize("since", ["", "x", "-1", "1.5", "²", "9" * 30])
def test_a_poll_without_a_whole_version_is_a_400(client, story, since):
    response = client.get(f"/stories/{story.slug}/updates/", {"since": since}, headers=HTMX)

    assert response.status_code == 400


def test_htmx_restoring_history_gets_the_whole_page(client, story):
    response = client.get(
        story.get_absolute_url(), headers={**HTMX, "HX-History-Restore-Request": "true"}
    )

    assertContains(response, "<html")


# Constant queries


def bulk_timeline(story, count):
    speaker = factories.stakeholder()
    participants = [factories.stakeholder() for _ in range(3)]
    source = factories.source()
    start = datetime.date(2020, 1, 1)
    Statement.objects.bulk_create(
        Statement(
            story=story,
            speaker=speaker,
            quote=f"Test quote {n}.",
            said_on=start + datetime.timedelta(days=n),
            method=Statement.Method.INTERVIEW,
            source=source,
            status=Status.PUBLISHED,
        )
        for n in range(count // 2)
    )
    events = NegotiationEvent.objects.bulk_create(
        NegotiationEvent(
            story=story,
            title=f"Test event {n}",
            kind=NegotiationEvent.Kind.MEETING,
            happened_on=start + datetime.timedelta(days=n),
            source=source,
            status=Status.PUBLISHED,
        )
        for n in range(count - count // 2)
    )
    Through = NegotiationEvent.participants.through
    Through.objects.bulk_create(
        Through(negotiationevent_id=event.pk, stakeholder_id=person.pk)
        for event in events
        for person in participants
    )
    series = factories.series(story)
    factories.point(series)
    # The first screen's parts: a key moment, a pledge with its status, a who's who entry.
    factories.statement(story, speaker=speaker, key_moment="Test key moment")
    factories.pledge_update(factories.pledge(story, pledger=speaker))
    factories.part(story, speaker)


@pytest.mark.parametrize("count", [10, 1000])
@pytest.mark.parametrize(
    # The full page: story, people for the filter, key figures (3: series, points, spreads),
    # last update, statements, events, participants, the charts' milestones, series and
    # points (3), and the first screen's key moments (statements and events), pledges with
    # their status changes (2) and who's who (its latest items are the timeline's top).
    "headers,expected",
    # The full page and the fragment start with the story's version (one small query;
    # remembered for a second in production); the fragment then reads the story, people,
    # statements, events and participants.
    [({}, 17), (HTMX, 6)],
    ids=["full page", "timeline fragment"],
)
def test_the_dashboard_queries_do_not_grow_with_the_story(
    client, story, django_assert_max_num_queries, count, headers, expected
):
    bulk_timeline(story, count)

    with django_assert_max_num_queries(expected):
        response = client.get(story.get_absolute_url(), {"q": "", "kind": ""}, headers=headers)

    assert response.status_code == 200


@pytest.mark.parametrize("count", [50, 1000])
def test_an_older_page_and_a_changed_poll_do_not_grow_with_the_story(
    client, story, django_assert_max_num_queries, count
):
    bulk_timeline(story, count)
    page = client.get(story.get_absolute_url()).text
    older = re.search(r'<p class="older">\s*<a href="([^"]+)"', page)
    url = poll_url(page)
    factories.statement(story, quote="Test quote published after.")
    assert older, "a story of 10 or more items has a page of older items"

    with django_assert_max_num_queries(6):
        response = client.get(older.group(1).replace("&amp;", "&"), headers=HTMX)
    assert response.status_code == 200
    # version, story, people, the log, statements and events it names, participants, figures
    with django_assert_max_num_queries(9):
        response = client.get(url, headers=HTMX)
    assert response.status_code == 200


def test_an_unchanged_poll_answers_while_the_database_is_down(client, story, remembered_versions):
    url = poll_url(client.get(story.get_absolute_url()).text)  # the page a reader has open
    with database_down():
        response = client.get(url, headers=HTMX)

    assert response.status_code == 204


def test_a_second_reader_gets_the_unchanged_page_without_a_database_query(
    client, story, remembered_versions, django_assert_num_queries
):
    factories.statement(story, quote="Test quote for the cached page.")
    first = client.get(story.get_absolute_url())

    with django_assert_num_queries(0):
        second = client.get(story.get_absolute_url())

    assert second.status_code == 200
    assert second.content == first.content


def test_a_published_change_reaches_the_next_reader_at_once(client, story):
    client.get(story.get_absolute_url())

    factories.statement(story, quote="Test quote published after the page was cached.")

    assertContains(client.get(story.get_absolute_url()), "published after the page was cached")


def test_each_address_in_a_story_keeps_its_own_shared_answer(client, story):
    first = factories.series(story, name="Test first series", slug="first")
    second = factories.series(story, name="Test second series", slug="second")
    one = factories.pledge(story, promise="Test first promise.")
    other = factories.pledge(story, promise="Test second promise.")

    for url in [first.get_absolute_url(), one.get_absolute_url()]:
        client.get(url)  # kept as the shared answer for every reader of that address
        client.get(url, headers=HTMX)

    assertContains(client.get(second.get_absolute_url()), "Test second series")
    assertContains(client.get(second.get_absolute_url(), headers=HTMX), "Test second series")
    assertContains(client.get(other.get_absolute_url()), "Test second promise.")
    assertNotContains(client.get(other.get_absolute_url()), "Test first promise.")


def test_a_filtered_view_is_rendered_for_itself_but_tracking_and_cookies_share_the_page(
    client, story, remembered_versions
):
    client.get(story.get_absolute_url())

    with CaptureQueriesContext(connection) as filtered:
        client.get(story.get_absolute_url(), {"q": "test"})
    with CaptureQueriesContext(connection) as tracked:
        client.get(story.get_absolute_url(), {"utm_source": "newsletter", "fbclid": "x", "q": ""})
    client.cookies["cookie_consent"] = "all"
    client.cookies["sessionid"] = "test-editor-session"
    with CaptureQueriesContext(connection) as with_cookies:
        client.get(story.get_absolute_url())

    assert len(filtered) > 0, "a filtered view was served the shared copy"
    assert len(tracked) == 0, "an analytics parameter defeated the shared page"
    # An editor's session is looked up (1 query); the page itself is the shared copy.
    assert len(with_cookies) <= 1, "cookies defeated the shared page"
