"""A reader in real Chromium: the Hitachi story, filters, paging, history and live updates."""

import datetime
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from stories.models import Status
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def csp_errors(page):
    """Console errors during the test; a CSP refusal or an htmx error shows up here."""
    errors = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_a_reader_sees_the_hitachi_timeline_and_can_follow_a_source(live_server, page):
    call_command("load_story", "hitachi-newton-aycliffe")

    page.goto(live_server.url)
    page.get_by_role("link", name="Saving Hitachi’s Newton Aycliffe train factory").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Saving Hitachi’s Newton Aycliffe train factory"
    )
    hendy = page.locator("article.statement", has_text="my department is already working")
    expect(hendy).to_contain_text("Lord Hendy of Richmond Hill")
    expect(
        hendy.get_by_role("link", name="Hansard (House of Lords), via Parallel Parliament")
    ).to_have_attribute(
        "href",
        "https://www.parallelparliament.co.uk/lord/lord-hendy-of-richmond-hill/debate/2025-10-21/"
        "lords/lords-chamber/great-british-railways-rolling-stock",
    )
    expect(page.locator(".figure", has_text="Order book")).to_contain_text("23 trains on firm")


def test_a_reader_filters_shares_the_address_and_goes_back(live_server, page, csp_errors):
    story = factories.story()
    alice = factories.stakeholder(name="Test Alice", slug="test-alice")
    factories.statement(story, speaker=alice, quote="Test Alice speaks.")
    factories.statement(story, quote="Test someone else speaks.")
    page.goto(live_server.url + story.get_absolute_url())

    expect(page.get_by_label("Test Alice")).to_have_count(0)  # the list comes when opened
    page.locator("summary", has_text="People and organisations").click()
    page.get_by_label("Test Alice").check()

    expect(page.locator("#timeline")).not_to_contain_text("Test someone else speaks.")
    expect(page).to_have_url(re.compile(r"\?who=test-alice$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()  # the page was not replaced

    shared = page.context.new_page()
    shared.goto(page.url)
    expect(shared.locator("#timeline")).to_contain_text("Test Alice speaks.")
    expect(shared.locator("#timeline")).not_to_contain_text("Test someone else speaks.")
    expect(shared.get_by_label("Test Alice")).to_be_checked()
    shared.close()

    page.go_back()
    expect(page).to_have_url(re.compile(re.escape(story.get_absolute_url()) + "$"))
    expect(page.locator("#timeline")).to_contain_text("Test someone else speaks.")
    assert csp_errors == []


def test_the_open_people_list_follows_the_story_and_keeps_the_readers_ticks(
    live_server, page, settings, csp_errors
):
    settings.TIMELINE_POLL_SECONDS = 1
    story = factories.story()
    alice = factories.stakeholder(name="Test Alice", slug="test-alice")
    bob = factories.stakeholder(name="Test Bob", slug="test-bob")
    factories.statement(story, speaker=alice, quote="Test Alice speaks.")
    factories.statement(story, quote="Test someone else speaks.")
    page.goto(live_server.url + story.get_absolute_url())
    page.locator("summary", has_text="People and organisations").click()
    page.get_by_label("Test Alice").check()
    expect(page).to_have_url(re.compile(r"\?who=test-alice$"))
    expect(page.get_by_label("Test Bob")).to_have_count(0)  # nothing of Bob's is published

    # An editor publishes Bob's first statement, and leaves a draft of Dora's.
    dora = factories.stakeholder(name="Test Dora", slug="test-dora")
    factories.statement(story, speaker=dora, quote="Test draft.", status=Status.DRAFT)
    factories.statement(story, speaker=bob, quote="Test Bob speaks.")

    expect(page.get_by_label("Test Bob")).not_to_be_checked(timeout=5000)
    expect(page.get_by_label("Test Alice")).to_be_checked()
    expect(page.get_by_label("Test Dora")).to_have_count(0)
    assert page.locator('input[name="who"][value="test-dora"]').count() == 0
    # The reader's filter is as it was: the timeline still shows Alice alone.
    expect(page.locator("#timeline")).to_contain_text("Test Alice speaks.")
    expect(page.locator("#timeline")).not_to_contain_text("Test someone else speaks.")
    assert csp_errors == []


def test_without_javascript_a_reader_chooses_people_on_their_own_page(live_server, browser):
    story = factories.story()
    alice = factories.stakeholder(name="Test Alice", slug="test-alice")
    factories.statement(story, speaker=alice, quote="Test Alice speaks of the factory.")
    factories.statement(story, quote="Test someone else speaks of the factory.")
    factories.statement(story, speaker=alice, quote="Test Alice speaks of something else.")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + story.get_absolute_url() + "?q=factory")

    page.locator("summary", has_text="People and organisations").click()
    page.get_by_role("link", name="Choose from everyone in this story").click()
    page.get_by_label("Test Alice").check()
    page.get_by_role("button", name="Apply filters").click()

    # Back on the story page, with both filters: the search kept, Alice chosen.
    expect(page).to_have_url(re.compile(re.escape(story.get_absolute_url()) + r"\?"))
    expect(page.locator("#timeline")).to_contain_text("Test Alice speaks of the factory.")
    expect(page.locator("#timeline")).not_to_contain_text("Test someone else speaks")
    expect(page.locator("#timeline")).not_to_contain_text("something else")
    expect(page.get_by_label("Test Alice")).to_be_checked()
    context.close()


def test_many_searches_then_back_and_back_again_keep_the_page_whole_without_errors(
    live_server, page, csp_errors
):
    story = factories.story()
    words = [f"word{n}" for n in range(10)]
    for word in words:
        factories.statement(story, quote=f"Test quote with {word}.")
    for n in range(30):
        factories.statement(story, quote=f"Test filler quote {n}.")
    page.goto(live_server.url + story.get_absolute_url())

    for word in words:
        page.get_by_label("Search").fill(word)
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(rf"\?q={word}$"))
        expect(page.locator("#timeline")).to_contain_text(f"Test quote with {word}.")
    for word in reversed(words[:-1]):
        page.go_back()
        expect(page).to_have_url(re.compile(rf"\?q={word}$"))
        expect(page.locator("#timeline")).to_contain_text(f"Test quote with {word}.")
        expect(page.get_by_role("heading", level=1)).to_have_count(1)

    assert page.evaluate("() => sessionStorage.getItem('htmx-history-cache')") is None
    assert csp_errors == []


def test_a_reader_searches_with_the_keyboard(live_server, page):
    story = factories.story()
    factories.statement(story, quote="Test: the factory must stay open.")
    factories.statement(story, quote="Test: something else.")
    page.goto(live_server.url + story.get_absolute_url())

    page.get_by_label("Search").fill("factory")
    page.keyboard.press("Enter")

    expect(page.locator("#timeline")).not_to_contain_text("something else")
    expect(page.locator("#timeline")).to_contain_text("the factory must stay open")
    expect(page).to_have_url(re.compile(r"\?q=factory$"))


def test_older_items_load_in_place_as_the_reader_scrolls(live_server, page, csp_errors):
    story = factories.story()
    for day in range(1, 29):
        factories.statement(story, quote=f"Test day {day}.", said_on=datetime.date(2024, 2, day))
    page.goto(live_server.url + story.get_absolute_url())
    expect(page.locator("article.statement")).to_have_count(20)

    page.locator(".older a").scroll_into_view_if_needed()

    expect(page.locator("article.statement")).to_have_count(28)
    expect(page.locator("article.statement").last).to_contain_text("Test day 1.")
    expect(page.locator(".older")).to_have_count(0)
    expect(page).to_have_url(re.compile(re.escape(story.get_absolute_url()) + "$"))
    assert csp_errors == []


def test_a_keyboard_reader_loads_older_items_and_keeps_their_place(live_server, page):
    story = factories.story()
    for day in range(1, 29):
        factories.statement(story, quote=f"Test day {day}.", said_on=datetime.date(2024, 2, day))
    page.set_viewport_size({"width": 1280, "height": 20000})  # the link is on screen at once
    page.goto(live_server.url + story.get_absolute_url())
    expect(page.locator("article.statement")).to_have_count(28)  # revealed, so loaded

    page.set_viewport_size({"width": 1280, "height": 600})
    page.goto(live_server.url + story.get_absolute_url())
    link = page.get_by_role("link", name="Older items")
    link.focus()
    page.keyboard.press("Enter")

    expect(page.locator("article.statement")).to_have_count(28)
    expect(page.locator("article.statement").nth(20)).to_be_focused()
    expect(page.locator("article.statement").nth(20)).to_contain_text("Test day 8.")


def test_a_newly_published_item_is_announced_and_loaded_on_request(
    live_server, page, settings, csp_errors
):
    settings.TIMELINE_POLL_SECONDS = 1
    story = factories.story()
    factories.statement(story, quote="Test quote already there.")
    page.goto(live_server.url + story.get_absolute_url())
    expect(page.locator("#live")).to_have_count(1)
    # Charts listen with hx-trigger="story-changed from:body"; count what body hears.
    page.evaluate(
        """() => {
            window.storyChanged = 0;
            document.body.addEventListener("story-changed", () => window.storyChanged++);
        }"""
    )

    reading = page.locator("article.statement").first
    before = reading.bounding_box()

    # An editor publishes from another session while the page is open.
    factories.statement(story, quote="Test breaking quote.", said_on=datetime.date(2025, 1, 1))

    notice = page.get_by_role("status").get_by_role("link", name=re.compile("1 new update"))
    expect(notice).to_be_visible(timeout=5000)
    # Read in the page, in one step: a correction swap may replace the element in place.
    still = page.evaluate(
        """(before) => {
            const box = document.querySelector("article.statement").getBoundingClientRect();
            return box.x === before.x && box.y === before.y;
        }""",
        before,
    )
    assert still, "the notice moved what the reader was reading"
    expect(page.locator("#timeline")).not_to_contain_text("Test breaking quote.")
    assert page.evaluate("window.storyChanged") >= 1
    notice.focus()
    page.keyboard.press("Enter")
    expect(page.locator("article.statement").first).to_contain_text("Test breaking quote.")
    expect(page.get_by_role("heading", name="Timeline")).to_be_focused()
    expect(page.get_by_role("status").get_by_role("link")).to_have_count(0)
    assert csp_errors == []


def test_a_correction_replaces_the_item_on_screen(live_server, page, settings, csp_errors):
    settings.TIMELINE_POLL_SECONDS = 1
    story = factories.story()
    statement = factories.statement(story, quote="Test quote with a tpyo.")
    page.goto(live_server.url + story.get_absolute_url())

    statement.quote = "Test quote, corrected."
    statement.save()

    expect(page.locator(f"#statement-{statement.pk}")).to_contain_text(
        "Test quote, corrected.", timeout=5000
    )
    assert csp_errors == []


def set_visibility(page, state):
    """Make the page believe its tab was hidden or shown, as switching tabs does."""
    page.evaluate(
        """state => {
            Object.defineProperty(document, "visibilityState", {value: state, configurable: true});
            document.dispatchEvent(new Event("visibilitychange"));
        }""",
        state,
    )


def test_a_withdrawn_item_disappears_and_a_backdated_one_is_announced(
    live_server, page, settings, csp_errors
):
    settings.TIMELINE_POLL_SECONDS = 1
    story = factories.story()
    factories.statement(story, quote="Test September quote.", said_on=datetime.date(2024, 9, 1))
    mistake = factories.event(
        story, title="Test published by mistake", happened_on=datetime.date(2024, 8, 1)
    )
    factories.statement(story, quote="Test July quote.", said_on=datetime.date(2024, 7, 1))
    page.goto(live_server.url + story.get_absolute_url())
    expect(page.locator(".month", has_text="August 2024")).to_have_count(1)

    mistake.status = Status.DRAFT
    mistake.save()

    expect(page.locator(f"#event-{mistake.pk}")).to_have_count(0, timeout=5000)
    expect(page.locator(".month", has_text="August 2024")).to_have_count(0)

    factories.event(story, title="Test backdated event", happened_on=datetime.date(2024, 8, 2))

    notice = page.get_by_role("status").get_by_role("link", name=re.compile("1 new update"))
    expect(notice).to_be_visible(timeout=5000)
    notice.click()
    expect(page.locator("#timeline")).to_contain_text("Test backdated event")
    assert csp_errors == []


def test_the_poll_pauses_while_the_tab_is_hidden(live_server, page, settings):
    settings.TIMELINE_POLL_SECONDS = 1
    story = factories.story()
    factories.statement(story)
    polls = []
    page.on(
        "request", lambda request: polls.append(request.url) if "/updates/" in request.url else None
    )
    page.goto(live_server.url + story.get_absolute_url())
    page.wait_for_timeout(1500)
    assert polls, "the page polls while visible"

    set_visibility(page, "hidden")
    page.wait_for_timeout(300)
    polls.clear()
    page.wait_for_timeout(2500)
    assert polls == []

    set_visibility(page, "visible")
    page.wait_for_timeout(500)
    assert polls, "coming back to the tab polls at once"


def test_the_dashboard_fits_a_360_pixel_phone(live_server, page):
    call_command("load_story", "hitachi-newton-aycliffe")
    page.set_viewport_size({"width": 360, "height": 740})

    page.goto(live_server.url + "/stories/hitachi-newton-aycliffe/")

    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    expect(page.get_by_label("Search")).to_be_visible()


def test_a_draft_never_reaches_the_open_page(live_server, page, settings):
    settings.TIMELINE_POLL_SECONDS = 1
    story = factories.story()
    factories.statement(story, quote="Test visible quote.")
    page.goto(live_server.url + story.get_absolute_url())

    factories.statement(story, quote="Test draft quote.", status=Status.DRAFT)
    page.wait_for_timeout(2500)

    expect(page.get_by_role("status").get_by_role("link")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("Test draft quote.")
