"""
The reader's first screen in real Chromium: what fits at 1280×800 and in one column on a
phone, since your last visit (with and without JavaScript), a pledge's status change reaching
its page, the feed and the API, and the print stylesheet.
"""

import datetime
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from stories.models import Pledge, Status
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HITACHI = "/stories/hitachi-newton-aycliffe/"


@pytest.fixture
def errors(page):
    """Console errors and uncaught exceptions while the test runs."""
    found = []
    page.on(
        "console", lambda message: found.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: found.append(str(error)))
    return found


def within(box, viewport):
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= viewport["width"]
        and box["y"] + box["height"] <= viewport["height"]
    )


def test_the_first_screen_at_1280_by_800_shows_the_summary_latest_items_and_key_figures(
    live_server, page
):
    call_command("load_story", "hitachi-newton-aycliffe")
    viewport = {"width": 1280, "height": 800}
    page.set_viewport_size(viewport)

    page.goto(live_server.url + HITACHI)

    summary = page.locator("#story-so-far")
    expect(summary).to_contain_text("As of 1 May 2026")
    assert within(summary.bounding_box(), viewport), "the whole summary is on the first screen"
    latest = page.locator("#latest li.moment")
    assert latest.count() >= 3
    for n in range(3):
        assert within(latest.nth(n).bounding_box(), viewport), f"latest item {n + 1}"
    figures = page.locator("#key-figures .figure")
    assert figures.count() == 3
    for n in range(figures.count()):
        assert within(figures.nth(n).bounding_box(), viewport), f"key figure {n + 1}"
    # The timeline and its filters stay where readers expect them: further down, side by side.
    filters = page.locator("#filters").bounding_box()
    timeline = page.locator("#timeline").bounding_box()
    assert filters["y"] > viewport["height"] and filters["x"] < timeline["x"]


def test_on_a_phone_the_same_parts_come_in_the_same_order_in_one_column(live_server, page):
    call_command("load_story", "hitachi-newton-aycliffe")
    page.set_viewport_size({"width": 360, "height": 780})

    page.goto(live_server.url + HITACHI)

    parts = ["#story-so-far", "#key-figures", "#latest", "#key-moments", "#pledges", "#timeline"]
    boxes = [page.locator(selector).bounding_box() for selector in parts]
    assert [box["y"] for box in boxes] == sorted(box["y"] for box in boxes)
    assert {round(box["x"]) for box in boxes} == {16}, "one column, one left edge"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_returning_reader_sees_exactly_what_was_published_since_marked(live_server, page, errors):
    story = factories.story()
    factories.statement(story, quote="Test: seen on the first visit.")
    seen = factories.statement(
        story, quote="Test: also seen before.", said_on=datetime.date(2024, 9, 1)
    )
    page.goto(live_server.url + story.get_absolute_url())
    expect(page.locator("#since-last-visit")).to_be_hidden()  # a first visit marks nothing

    new = factories.statement(
        story,
        quote="Test: published while the reader was away.",
        said_on=datetime.date(2024, 10, 1),
    )
    page.reload()

    line = page.locator("#since-last-visit")
    expect(line).to_have_text("Since your last visit: 1 new item. Go to the first")
    expect(line.get_by_role("link", name="Go to the first")).to_have_attribute(
        "href", f"#statement-{new.pk}"
    )
    marked = page.locator("article.since-new")
    expect(marked).to_have_count(1)
    expect(marked).to_have_attribute("id", f"statement-{new.pk}")
    expect(marked.locator(".since-badge")).to_have_text("New")
    expect(page.locator(f"#latest [data-item='statement-{new.pk}'].since-new")).to_have_count(1)
    expect(page.locator(f"#statement-{seen.pk}.since-new")).to_have_count(0)

    page.reload()  # seen now: nothing is marked again
    expect(page.locator("#since-last-visit")).to_be_hidden()
    expect(page.locator(".since-new")).to_have_count(0)
    assert errors == []


def test_a_correction_since_the_last_visit_is_marked_as_one(live_server, page):
    story = factories.story()
    statement = factories.statement(story, quote="Test: with a tpyo.")
    page.goto(live_server.url + story.get_absolute_url())

    statement.quote = "Test: with the typo fixed."
    statement.corrected_at = datetime.datetime.now(datetime.UTC)
    statement.correction_note = "Test: a typo fixed."
    statement.save()
    page.reload()

    expect(page.locator("#since-last-visit")).to_contain_text("1 correction")
    expect(page.locator(f"#statement-{statement.pk}.since-corrected .since-badge")).to_have_text(
        "Corrected"
    )


def test_without_javascript_the_page_reads_whole_and_nothing_is_marked(live_server, browser):
    story = factories.story()
    factories.statement(story, quote="Test: a quote readers see.")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()

    response = page.goto(live_server.url + story.get_absolute_url())

    assert response.status == 200
    expect(page.locator("#since-last-visit")).to_be_hidden()
    expect(page.locator("#timeline")).to_contain_text("Test: a quote readers see.")
    expect(page.locator("#latest")).to_contain_text("Test: a quote readers see.")
    context.close()


def test_a_pledge_status_change_reaches_its_page_the_feed_and_the_api(live_server, page, errors):
    story = factories.story()
    pledger = factories.stakeholder(name="Test Pledger", slug="test-pledger")
    pledge = factories.pledge(story, pledger=pledger, promise="Test: protect the factory")
    factories.pledge_update(pledge, verdict="in_progress", evidence="Test: talks go on.")
    page.goto(live_server.url + pledge.get_absolute_url())
    expect(page.locator(".facts .verdict").first).to_have_text("In progress")

    factories.pledge_update(
        pledge,
        verdict="broken",
        as_of=datetime.date(2025, 2, 1),
        evidence="Test: the factory closed.",
    )
    page.reload()

    expect(page.locator(".facts .verdict").first).to_have_text("Broken")
    expect(page.locator("#history li")).to_have_count(2)
    expect(page.locator("#history li").last).to_contain_text("Test: the factory closed.")
    feed = page.request.get(f"{live_server.url}/stories/{story.slug}/feed/").text()
    assert re.search(
        r"<title>Broken: Test Pledger, “Test: protect the factory” \(1 February 2025\)</title>",
        feed,
    )
    api = page.request.get(
        f"{live_server.url}/api/stories/{story.slug}/pledges/{pledge.pk}/"
    ).json()
    assert api["status"]["status"] == "broken"
    assert api["status"]["evidence"] == "Test: the factory closed."
    assert errors == []


def test_a_new_status_on_an_open_story_page_updates_its_tracker(live_server, page, settings):
    settings.TIMELINE_POLL_SECONDS = 1
    story = factories.story()
    factories.statement(story)
    pledge = factories.pledge(story, promise="Test: protect the factory")
    factories.pledge_update(pledge, verdict="in_progress")
    page.goto(live_server.url + story.get_absolute_url())
    card = page.locator(f"#pledge-{pledge.pk}")
    expect(card.locator(".verdict").first).to_have_text("In progress")

    factories.pledge_update(pledge, verdict="kept", as_of=datetime.date(2025, 2, 1))

    expect(page.locator(f"#pledge-{pledge.pk} .verdict").first).to_have_text("Kept", timeout=5000)


def test_a_draft_status_never_reaches_an_open_page(live_server, page, settings):
    settings.TIMELINE_POLL_SECONDS = 1
    story = factories.story()
    pledge = factories.pledge(story)
    factories.pledge_update(pledge)
    page.goto(live_server.url + pledge.story.get_absolute_url())

    factories.pledge_update(pledge, evidence="TEST-DRAFT-STATUS", status=Status.DRAFT)
    page.wait_for_timeout(2500)

    expect(page.locator("body")).not_to_contain_text("TEST-DRAFT-STATUS")
    assert Pledge.objects.count() == 1


def test_the_print_stylesheet_keeps_the_summary_and_timeline_and_drops_the_controls(
    live_server, page
):
    call_command("load_story", "hitachi-newton-aycliffe")
    page.goto(live_server.url + HITACHI)

    page.emulate_media(media="print")

    expect(page.locator("#story-so-far")).to_be_visible()
    expect(page.locator("#timeline")).to_be_visible()
    for hidden in ("#filters", ".site-header", ".reuse", ".charts"):
        expect(page.locator(hidden)).to_be_hidden()
