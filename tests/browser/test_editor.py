import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from stories.models import Statement
from stories.roles import editors_group
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"


def choose(page, field, text):
    """Pick `text` in an admin autocomplete (select2) field."""
    page.locator(f".field-{field} .select2-selection").click()
    page.locator(".select2-search__field").fill(text)
    page.locator(".select2-results__option", has_text=text).first.click()


def test_an_editor_adds_a_statement_with_a_new_speaker_and_source_and_publishes_it(
    live_server, page
):
    story = factories.story(title="Test browser story")
    editor = get_user_model().objects.create_user(
        username="test-editor", password=PASSWORD, is_staff=True
    )
    editor.groups.add(editors_group())
    csp_violations = []
    page.on(
        "console",
        lambda message: (
            csp_violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    admin = f"{live_server.url}/{settings.ADMIN_PATH}"

    page.goto(admin)
    page.get_by_label("Username").fill("test-editor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Welcome,")).to_be_visible()

    page.goto(f"{admin}stories/statement/add/")
    choose(page, "story", "Test browser story")

    with page.expect_popup() as speaker_popup:
        page.locator("#add_id_speaker").click()
    popup = speaker_popup.value
    popup.get_by_label("Name").fill("Test New Speaker")
    popup.get_by_label("Role").fill("Test Minister for Trains")
    with popup.expect_event("close"):
        popup.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#select2-id_speaker-container")).to_have_text(
        re.compile("Test New Speaker")
    )
    expect(page.locator("#id_speaker_role")).to_have_value("Test Minister for Trains")

    page.get_by_label("Quote").fill("We are testing the editor's journey.")
    page.locator("#id_said_on").fill("2024-09-27")
    page.get_by_label("How it was said").select_option(label="Interview")

    with page.expect_popup() as source_popup:
        page.locator("#add_id_source").click()
    popup = source_popup.value
    popup.get_by_label("URL").fill("https://example.test/browser-test")
    popup.locator("#id_published_on").fill("2024-09-27")
    with popup.expect_event("close"):
        popup.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#select2-id_source-container")).to_have_text(re.compile("example.test"))

    page.get_by_label("Status").select_option(label="Published")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")

    statement = Statement.objects.get()
    assert statement.published_by == editor
    page.goto(f"{live_server.url}{story.get_absolute_url()}")
    published = page.locator("article.statement", has_text="We are testing the editor's journey.")
    expect(published).to_contain_text("Test New Speaker, Test Minister for Trains")
    expect(published.get_by_role("link", name=re.compile("example.test"))).to_have_attribute(
        "href", "https://example.test/browser-test"
    )
    assert csp_violations == []
