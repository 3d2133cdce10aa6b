"""
The reader's first screen: the story so far (a dated summary), key moments each linking to
its place in the timeline, the latest items, and what the live poll tells a returning reader
(the items new or corrected since the version their browser saw last).
"""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from pytest_django.asserts import assertContains, assertNotContains

from stories.models import Change, Statement, Story
from stories.timeline import Cursor
from tests import factories

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def version_of(story):
    return Story.objects.values_list("published_version", flat=True).get(pk=story.pk)


def marks(response):
    """(element id, change) the poll's answer names for a returning reader."""
    template = re.search(r'<template class="since">(.*?)</template>', response.text, re.S)
    if template is None:
        return []
    return re.findall(r'data-item="([^"]+)" data-change="([^"]+)"', template.group(1))


# The story so far


def test_the_story_so_far_comes_first_with_its_date(client):
    story = factories.story(
        summary="Test: where the story stands.\nTest: what is still open.",
        summary_as_of=datetime.date(2025, 5, 12),
    )
    factories.statement(story)

    html = client.get(story.get_absolute_url()).text

    assert 'As of <time datetime="2025-05-12">12 May 2025</time>' in html
    assert "<p>Test: where the story stands.</p><p>Test: what is still open.</p>" in html
    first = html.index("The story so far")
    assert first < html.index('id="key-figures"') < html.index('id="timeline"')


def test_a_story_without_a_summary_shows_no_empty_section(client, story):
    factories.statement(story)

    response = client.get(story.get_absolute_url())

    assertContains(
        response, 'id="story-so-far" class="so-far" aria-labelledby="so-far-heading" hidden'
    )
    assertNotContains(response, "As of")


def test_a_summary_needs_its_date(story):
    story.summary = "Test summary without a date."

    with pytest.raises(ValidationError, match="Give the date the summary is true to"):
        story.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        story.save()


def test_a_summary_cannot_be_dated_in_the_future(story):
    story.summary = "Test summary."
    story.summary_as_of = datetime.date.today() + datetime.timedelta(days=2)

    with pytest.raises(ValidationError, match="in the future"):
        story.full_clean()


def test_rewriting_the_summary_is_a_change_readers_see_and_is_kept_in_its_history(story):
    before = version_of(story)
    story.summary, story.summary_as_of = "Test: new summary.", datetime.date(2025, 5, 12)
    story.save()

    assert version_of(story) == before + 1
    change = Change.objects.filter(story=story).latest("version")
    assert (change.subject, change.action) == ("story", "changed")
    assert story.history.first().summary == "Test: new summary."


def test_a_summary_edit_reaches_open_pages_through_the_poll(client, story):
    factories.statement(story)
    since = version_of(story)
    story.summary, story.summary_as_of = "Test: the summary now.", datetime.date(2025, 5, 12)
    story.save()

    response = client.get(f"/stories/{story.slug}/updates/?since={since}", headers=HTMX)

    assertContains(response, '<section id="story-so-far" class="so-far"')
    assertContains(response, 'hx-swap-oob="true"')
    assertContains(response, "Test: the summary now.")


# Key moments


def test_key_moments_are_listed_oldest_first_with_their_lines(client, story):
    factories.event(
        story, title="Test order", happened_on=datetime.date(2024, 12, 6), key_moment="Test: order"
    )
    factories.statement(
        story, said_on=datetime.date(2024, 7, 5), key_moment="Test: the pledge", quote="Test quote."
    )
    factories.statement(story, quote="Test: not a key moment.")

    html = client.get(story.get_absolute_url()).text
    moments = html[
        html.index('id="key-moments"') : html.index("</section>", html.index('id="key-moments"'))
    ]

    assert moments.index("Test: the pledge") < moments.index("Test: order")
    assert "not a key moment" not in moments


def test_a_key_moment_links_to_the_timeline_page_that_starts_at_it(client, story):
    old = factories.statement(
        story,
        said_on=datetime.date(2024, 1, 5),
        quote="Test: the old key moment.",
        key_moment="Test: key",
    )
    for day in range(1, 26):  # enough newer items to push it off the first page
        factories.statement(story, said_on=datetime.date(2024, 6, day), quote=f"Test newer {day}.")
    factories.event(story, happened_on=datetime.date(2024, 1, 5), title="Test same-day event")

    html = client.get(story.get_absolute_url()).text
    link = re.search(r'<a class="moment-link" href="([^"]+)">Test: key</a>', html).group(1)
    path, fragment = link.replace("&amp;", "&").split("#")
    page = client.get(path).text
    timeline = page[page.index('id="timeline-items"') :]

    assert fragment == f"statement-{old.pk}"
    assert path == f"{story.get_absolute_url()}?before={Cursor.above(old)}"
    first = re.search(r'<article class="item \w+" id="([^"]+)"', timeline).group(1)
    assert first == fragment
    assert "Test same-day event" in timeline  # events of the same day come after statements
    assert "Test newer 25." not in timeline


def test_a_draft_key_moment_is_not_listed(client, story):
    factories.statement(story, key_moment="TEST-DRAFT-MOMENT", status="draft")

    assertNotContains(client.get(story.get_absolute_url()), "TEST-DRAFT-MOMENT")


def test_marking_a_key_moment_needs_no_correction_note(story):
    statement = factories.statement(story)
    statement.key_moment = "Test: now a key moment"
    statement.save()

    change = Change.objects.filter(story=story).latest("version")
    assert (change.subject, change.action, change.note) == ("statement", "changed", "")


# The latest items


def test_the_latest_three_items_link_to_their_place_on_the_page(client, story):
    made = [
        factories.statement(story, said_on=datetime.date(2024, 9, day), quote=f"Test day {day}.")
        for day in range(1, 6)
    ]

    html = client.get(story.get_absolute_url()).text
    latest = html[html.index('id="latest"') : html.index("</section>", html.index('id="latest"'))]

    listed = re.findall(r'data-item="statement-(\d+)"', latest)
    assert listed == [str(each.pk) for each in reversed(made[-3:])]
    assert f'href="#statement-{made[-1].pk}"' in latest


def test_a_page_of_older_items_lists_the_newest_ones_by_their_timeline_address(client, story):
    for day in range(1, 26):
        factories.statement(story, said_on=datetime.date(2024, 9, day), quote=f"Test day {day}.")
    newest = Statement.objects.get(quote="Test day 25.")
    first_page = client.get(story.get_absolute_url()).text
    older = re.search(r'<p class="older">\s*<a href="([^"]+)"', first_page).group(1)

    html = client.get(older.replace("&amp;", "&")).text
    latest = html[html.index('id="latest"') : html.index("</section>", html.index('id="latest"'))]

    assert f'href="{newest.get_timeline_url()}"'.replace("&", "&amp;") in latest


def test_a_whole_timeline_swap_brings_the_latest_items_along(client, story):
    alice = factories.stakeholder(name="Test Alice", slug="test-alice")
    factories.statement(story, speaker=alice, quote="Test Alice speaks.")
    factories.statement(story, quote="Test someone else speaks.")

    response = client.get(story.get_absolute_url(), {"who": "test-alice"}, headers=HTMX)

    assertContains(response, '<section id="latest" class="latest"')
    assertContains(response, "matching your filters")
    assertNotContains(response, "someone else")


# Since your last visit: the poll's shared answer names what changed


def test_the_poll_names_exactly_the_items_new_or_corrected_since_a_version(client, story):
    kept = factories.statement(story, quote="Test: unchanged.")
    corrected = factories.statement(story, quote="Test: with a tpyo.")
    marked = factories.statement(story, quote="Test: becomes a key moment.")
    since = version_of(story)
    new = factories.statement(story, quote="Test: published since.")
    corrected.quote = "Test: with the typo fixed."
    corrected.corrected_at = datetime.datetime.now(datetime.UTC)
    corrected.correction_note = "Test: a typo fixed."
    corrected.save()
    marked.key_moment = "Test: a change, not a correction"
    marked.save()

    response = client.get(f"/stories/{story.slug}/updates/?since={since}", headers=HTMX)

    assert response.status_code == 200
    assert sorted(marks(response)) == sorted(
        [(f"statement-{new.pk}", "new"), (f"statement-{corrected.pk}", "corrected")]
    )
    assert f"statement-{kept.pk}" not in response.text


def test_the_poll_gives_each_marked_item_the_address_of_its_place_in_the_timeline(client, story):
    since = version_of(story)
    new = factories.statement(story, quote="Test: published since.")

    response = client.get(f"/stories/{story.slug}/updates/?since={since}", headers=HTMX)

    expected = new.get_timeline_url().replace("&", "&amp;")
    assert (
        f'<a href="{expected}" data-item="statement-{new.pk}" data-change="new">' in response.text
    )


def test_the_poll_names_pledges_with_a_new_status_since_a_version(client, story):
    pledge = factories.pledge(story)
    since = version_of(story)
    factories.pledge_update(pledge)
    fresh = factories.pledge(story, promise="Test: a new pledge")

    response = client.get(f"/stories/{story.slug}/updates/?since={since}", headers=HTMX)

    assert marks(response) == [(f"pledge-{pledge.pk}", "status"), (f"pledge-{fresh.pk}", "new")]
    assertContains(response, '<section id="pledges" class="pledge-tracker"')


def test_a_reader_too_far_behind_is_told_so_rather_than_marked(client, story, monkeypatch):
    monkeypatch.setattr("stories.changes.MOST_CHANGES", 2)
    since = version_of(story)
    for n in range(3):
        factories.statement(story, quote=f"Test {n}.")

    response = client.get(f"/stories/{story.slug}/updates/?since={since}", headers=HTMX)

    assertContains(response, '<template class="since" data-too-many></template>')
    assert marks(response) == []


def test_the_page_gives_the_browser_the_version_it_shows_and_nothing_else(client, story):
    response = client.get(story.get_absolute_url())

    line = re.search(r'<p id="since-last-visit"[^>]*>', response.text).group(0)
    assert f'data-version="{version_of(story)}"' in line
    assert f'data-updates="/stories/{story.slug}/updates/"' in line
    assert " hidden " in line  # shown only by the script, after it has something to say
    assert not response.cookies


# Who's who


def test_whos_who_groups_people_with_their_role_and_part(client, story):
    minister = factories.stakeholder(name="Test Minister Person", role="Test Secretary")
    builder = factories.stakeholder(name="Test Builder", kind="organisation", role="Test builder")
    factories.part(story, builder, group="company", part="Test: builds the trains.")
    factories.part(story, minister, group="government", part="Test: promised a strategy.")

    for url in (story.get_whos_who_url(), story.get_absolute_url()):
        html = client.get(url).text
        assert html.index(">Government</h3>") < html.index(">The company</h3>")
        assert html.index("Test Minister Person") < html.index("Test Builder")
        assert "Test Secretary" in html and "Test: promised a strategy." in html
        assert f'href="{story.get_person_url(minister)}"' in html


def test_someone_only_in_the_whos_who_has_a_page_with_their_part(client, story):
    union = factories.stakeholder(name="Test Union", slug="test-union")
    factories.part(story, union, group="unions", part="Test: represents the workforce.")

    response = client.get(story.get_person_url(union))

    assertContains(response, "Test: represents the workforce.")
    assertContains(response, "Unions")


def test_a_story_without_a_whos_who_says_so(client, story):
    assertContains(client.get(story.get_whos_who_url()), "has not been published yet")


def test_an_unknown_story_has_no_whos_who(client):
    assert client.get("/stories/no-such-story/people/").status_code == 404


def test_a_key_figure_whose_sources_differ_links_to_its_chart_on_the_page(client, story):
    series = factories.series(story, name="Test workforce", slug="test-workforce")
    factories.point(series, as_of=datetime.date(2024, 3, 1), value=800)
    factories.point(series, as_of=datetime.date(2024, 9, 27), value=750)

    html = client.get(story.get_absolute_url()).text

    link = re.search(r'<a href="#([^"]+)">each figure and its source</a>', html)
    assert link, "the key figure does not point to the figures' sources"
    assert f'<section class="chart" id="{link.group(1)}"' in html
