"""A reader signs up for email alerts from the story page, in real Chromium."""

import re

import pytest
from playwright.sync_api import expect

from alerts.models import Follow
from tests import factories
from tests.mail import link_in
from tests.servers import eventually

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def csp_errors(page):
    errors = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_a_reader_signs_up_from_the_story_page_and_confirms(
    live_server, page, inbox, settings, csp_errors
):
    settings.SITE_URL = live_server.url
    story = factories.story()
    factories.statement(story, quote="Test quote on the page.")
    page.goto(live_server.url + story.get_absolute_url())

    page.get_by_role("link", name="Get an email when this story changes").click()
    email = page.get_by_label("Your email address")
    expect(email).to_be_focused()  # the form came in place, ready to type in
    expect(page).to_have_url(re.compile(re.escape(story.get_absolute_url()) + "$"))
    email.fill("a@b")  # a browser takes it; the site does not
    page.get_by_role("button", name="Send me a confirmation link").click()
    expect(page.locator(".form-error")).to_contain_text("Enter an email address like")
    page.get_by_label("Your email address").fill("browser-reader@example.test")
    page.get_by_role("button", name="Send me a confirmation link").click()

    expect(page.locator(".follow-sent")).to_contain_text("Check your inbox.")
    expect(page.get_by_role("heading", level=1)).to_have_text(story.title)  # still the story
    message = eventually(lambda: inbox.to("browser-reader@example.test"))[0]
    page.goto(link_in(message, "/follow/confirm/"))
    page.get_by_role("button", name="Yes, send me these emails").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("You follow")
    assert Follow.objects.get().is_confirmed
    # Chromium logs the 400 that carried the form's errors; nothing else may go wrong.
    assert [error for error in csp_errors if "status of 400" not in error] == []


def test_without_javascript_the_link_opens_the_form_as_a_page(live_server, browser, inbox):
    story = factories.story()
    page = browser.new_context(java_script_enabled=False).new_page()
    page.goto(live_server.url + story.get_absolute_url())

    page.get_by_role("link", name="Get an email when this story changes").click()
    page.get_by_label("Your email address").fill("no-js@example.test")
    page.get_by_role("button", name="Send me a confirmation link").click()

    expect(page.locator(".follow-sent")).to_contain_text("Check your inbox.")
    eventually(lambda: inbox.to("no-js@example.test"))
