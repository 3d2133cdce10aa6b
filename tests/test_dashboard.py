"""The story dashboard as a reader gets it: header figures, the timeline, paging, live updates."""

import datetime
import json
import re
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import OperationalError, connection
from django.db.backends.utils import CursorWrapper
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from stories import changes
from stories.dates import Precision
from stories.models import NegotiationEvent, Qualifier, Statement, Status
from tests import factories

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
    assert "900" not in figure


def test_a_series_without_figures_says_the_source_gives_none(client, story):
    factories.series(story, name="Order book", unit="trains")

    response = client.get(story.get_absolute_url())

    assertContains(response, "Order book")
    assertContains(response, "The source gives no figure.")


def test_draft_figures_are_not_shown(client, story):
    series = factories.series(story, name="Workforce")
    factories.point(series, value=123, status=Status.DRAFT)

    response = client.get(story.get_absolute_url())

    assertNotContains(response, "123")
    assertContains(response, "The source gives no figure.")


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

    html = client.get(story.get_absolute_url()).text

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


def test_the_dashboard_draws_a_chart_of_each_series(client, story):
    series = factories.series(story, name="Test workforce")
    factories.point(series, value=750)

    response = client.get(story.get_absolute_url())

    assertContains(response, f'id="chart-{series.slug}"')
    assertContains(response, f'id="chart-{series.slug}-figure"')
    assertContains(response, "plotly")


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
    config = '{"allowEval":false,"includeIndicatorStyles":false}'
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


def test_an_unchanged_story_answers_the_poll_with_204_and_no_query(
    client, story, django_assert_num_queries
):
    url = poll_url(client.get(story.get_absolute_url()).text)

    with django_assert_num_queries(0):
        response = client.get(url, headers=HTMX)

    assert response.status_code == 204
    assert response.content == b""


def test_an_unchanged_story_answers_204_even_when_its_id_was_forgotten(client, story):
    url = poll_url(client.get(story.get_absolute_url()).text)
    cache.delete(f"story-id:{story.slug}")

    response = client.get(url, headers=HTMX)

    assert response.status_code == 204
    assert "HX-Trigger" not in response


def test_the_poll_is_never_cached(client, story):
    url = poll_url(client.get(story.get_absolute_url()).text)

    response = client.get(url, headers=HTMX)

    assert "no-cache" in response["Cache-Control"]


def test_the_poll_follows_the_interval_setting(client, story, settings):
    settings.TIMELINE_POLL_SECONDS = 2

    response = client.get(story.get_absolute_url())

    assertContains(response, 'hx-trigger="every 2s, visibilitychange from:document"')


def test_a_new_item_gives_the_open_page_a_notice_and_the_story_changed_event(client, story):
    factories.statement(story, quote="Test first quote.")
    url = poll_url(client.get(story.get_absolute_url()).text)
    factories.statement(story, quote="Test second quote.", said_on=datetime.date(2024, 10, 1))
    changes.touch(story.pk)

    response = client.get(url, headers=HTMX)

    assert response.status_code == 200
    assert "story-changed" in json.loads(response["HX-Trigger"])
    assertContains(response, '<div id="updates-notice" hx-swap-oob="innerHTML">')
    assertContains(response, "1 new update: show it")
    assert f"since={changes.current_stamp(story.pk)}" in poll_url(response.text)
    # The notice does not carry the new item itself: the reader chooses when to load it.
    assertNotContains(response, "Test second quote.")


def test_a_poll_after_a_change_with_nothing_new_above_gives_no_notice(client, story):
    factories.statement(story, quote="Test first quote.")
    url = poll_url(client.get(story.get_absolute_url()).text)
    factories.series(story)
    changes.touch(story.pk)

    response = client.get(url, headers=HTMX)

    assert response.status_code == 200
    assert "story-changed" in json.loads(response["HX-Trigger"])
    assertNotContains(response, "new update")


def test_new_items_are_counted_within_the_reader_filters(client, story):
    speaker = factories.stakeholder()
    factories.statement(story, speaker=speaker)
    page = client.get(story.get_absolute_url(), {"who": speaker.slug}).text
    url = poll_url(page)
    factories.statement(story, said_on=datetime.date(2024, 12, 1))  # someone else
    factories.statement(story, speaker=speaker, said_on=datetime.date(2024, 12, 2))
    changes.touch(story.pk)

    response = client.get(url, headers=HTMX)

    assertContains(response, "1 new update")


def test_a_new_item_dated_among_the_loaded_ones_is_counted_too(client, story):
    factories.statement(story, said_on=datetime.date(2024, 9, 1))
    factories.statement(story, said_on=datetime.date(2024, 7, 1))
    url = poll_url(client.get(story.get_absolute_url()).text)
    factories.event(story, happened_on=datetime.date(2024, 8, 1))  # between the two
    changes.touch(story.pk)

    response = client.get(url + "&bottom=2024-07-01.s.1", headers=HTMX)

    assertContains(response, "1 new update")


def test_a_correction_to_an_item_on_screen_is_swapped_in_place(client, story):
    statement = factories.statement(story, quote="Test quote with a tpyo.")
    url = poll_url(client.get(story.get_absolute_url()).text)
    statement.quote = "Test quote, corrected."
    statement.save()
    changes.touch(story.pk)

    response = client.get(url, headers=HTMX)

    corrections = re.search(r'<template class="corrections">.*</template>', response.text, re.S)
    assert f'id="statement-{statement.pk}"' in corrections.group(0)
    assert "Test quote, corrected." in corrections.group(0)


def test_an_unpublished_item_is_removed_from_open_pages(client, story):
    event = factories.event(story, title="Test event published by mistake")
    url = poll_url(client.get(story.get_absolute_url()).text)
    event.status = Status.DRAFT
    event.save()
    changes.touch(story.pk)

    response = client.get(url, headers=HTMX)

    assertContains(response, f'<div id="event-{event.pk}" data-withdrawn></div>')
    assertNotContains(response, "Test event published by mistake")


def test_a_new_figure_replaces_the_header_figures_on_open_pages(client, story):
    series = factories.series(story, name="Workforce", unit="jobs")
    url = poll_url(client.get(story.get_absolute_url()).text)
    factories.point(series, value=640)
    changes.touch(story.pk)

    response = client.get(url, headers=HTMX)

    assertContains(response, '<div id="key-figures" hx-swap-oob="true">')
    assertContains(response, ">640</data> jobs")


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
    changes.touch(story.pk)

    response = client.get(url, headers=HTMX)

    assert response.status_code == 286  # htmx's "stop polling"


def test_a_poll_with_absurd_positions_is_a_400(client, story):
    response = client.get(
        f"/stories/{story.slug}/updates/", {"since": "x", "top": "garbage"}, headers=HTMX
    )

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


@pytest.mark.parametrize("count", [10, 1000])
@pytest.mark.parametrize(
    # The full page: story, people for the filter, key figures (2), last update, statements,
    # events, participants, and the charts' milestones, series and points (3).
    "headers,expected",
    [({}, 11), (HTMX, 5)],
    ids=["full page", "timeline fragment"],
)
def test_the_dashboard_queries_do_not_grow_with_the_story(
    client, story, django_assert_max_num_queries, count, headers, expected
):
    bulk_timeline(story, count)

    with django_assert_max_num_queries(expected):
        response = client.get(story.get_absolute_url(), {"q": "", "kind": ""}, headers=headers)

    assert response.status_code == 200


@pytest.mark.parametrize("count", [10, 1000])
def test_an_older_page_and_a_changed_poll_do_not_grow_with_the_story(
    client, story, django_assert_max_num_queries, count
):
    bulk_timeline(story, count)
    page = client.get(story.get_absolute_url()).text
    older = re.search(r'<p class="older">\s*<a href="([^"]+)"', page)
    url = poll_url(page)
    changes.touch(story.pk)

    with django_assert_max_num_queries(5):
        if older:
            client.get(older.group(1).replace("&amp;", "&"), headers=HTMX)
    # story, people, new counts (2 + 2 backdated), corrections (2 + participants),
    # withdrawn (2), figures (2)
    with django_assert_max_num_queries(13):
        response = client.get(url + "&bottom=2020-01-01.e.1", headers=HTMX)

    assert response.status_code == 200


def test_an_unchanged_poll_answers_while_the_database_is_down(client, story):
    client.get(story.get_absolute_url())  # the page a reader has open
    stamp = changes.current_stamp(story.pk)
    refused = OperationalError("connection refused: the server is not running (test)")

    with mock.patch.object(CursorWrapper, "execute", side_effect=refused):
        response = client.get(
            f"/stories/{story.slug}/updates/?since={stamp}", headers={"HX-Request": "true"}
        )

    assert response.status_code == 204


def test_a_second_reader_gets_the_unchanged_page_without_a_database_query(
    client, story, django_assert_num_queries
):
    factories.statement(story, quote="Test quote for the cached page.")
    first = client.get(story.get_absolute_url())

    with django_assert_num_queries(0):
        second = client.get(story.get_absolute_url())

    assert second.status_code == 200
    assert second.content == first.content


def test_a_published_change_reaches_the_next_reader_at_once(
    client, story, django_capture_on_commit_callbacks
):
    client.get(story.get_absolute_url())

    with django_capture_on_commit_callbacks(execute=True):  # the editor's save commits
        factories.statement(story, quote="Test quote published after the page was cached.")

    assertContains(client.get(story.get_absolute_url()), "published after the page was cached")


def test_a_filtered_view_or_a_signed_in_editor_is_never_served_the_shared_copy(client, story):
    client.get(story.get_absolute_url())

    with CaptureQueriesContext(connection) as filtered:
        client.get(story.get_absolute_url(), {"q": "test"})
    client.cookies["sessionid"] = "test-session"
    with CaptureQueriesContext(connection) as signed_in:
        client.get(story.get_absolute_url())

    assert len(filtered) > 0, "a filtered view was served the shared copy"
    assert len(signed_in) > 0, "a reader with a session was served the shared copy"
