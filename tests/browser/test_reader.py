import pytest
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reader_sees_the_hitachi_timeline_and_can_follow_a_source(live_server, page):
    call_command("load_story", "hitachi-newton-aycliffe")

    page.goto(live_server.url)
    page.get_by_role("link", name="Saving Hitachi’s Newton Aycliffe train factory").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Saving Hitachi’s Newton Aycliffe train factory"
    )
    healey = page.locator("article.statement", has_text="John Healey")
    expect(healey).to_contain_text("I really feel for the workforce there")
    expect(healey.get_by_role("link", name="The Northern Echo")).to_have_attribute(
        "href",
        "https://thenorthernecho.co.uk/news/24614724.hitachi-officials-working-hard-pace-saviour-bid",
    )
