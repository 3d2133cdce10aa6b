"""
axe-core (WCAG 2.2 AA rules, run offline) on every reader page, at desktop and phone widths,
in the light and the dark colour scheme (the reader's system setting).
"""

import datetime

import pytest
from django.core.management import call_command
from pytest_playwright_axe import OPTIONS_WCAG_22AA, Axe

from stories.models import NegotiationEvent, Pledge, Statement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": 1280, "phone": 360}
SCHEMES = ["light", "dark"]


def serious(results):
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']}"
        f" at {[node['target'] for node in violation['nodes']]}"
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def reader_pages():
    call_command("load_story", "hitachi-newton-aycliffe")
    statement = Statement.objects.filter(speaker__slug="john-healey").get()
    event = NegotiationEvent.objects.filter(statements=statement).get()
    pledge = Pledge.objects.get(pledger__slug="alan-strickland")
    story = "/stories/hitachi-newton-aycliffe/"
    return {
        "home": "/",
        "story": story,
        "filtered story": story + "?who=john-healey&start=not-a-date&before=nonsense",
        "person": story + "people/john-healey/",
        "follow by email": story + "follow/",
        "statement": f"{story}statements/{statement.pk}/",
        "event": f"{story}events/{event.pk}/",
        "corrections": story + "corrections/",
        "figure": story + "figures/workforce/",
        "order book": story + "figures/order-book/",
        "person with roles": story + "people/heidi-alexander/",
        "timeline embed": "/embed/stories/hitachi-newton-aycliffe/timeline/",
        "pledge tracker": story + "pledges/",
        "pledge tracker, filtered badly": story + "pledges/?by=nobody&status=kept",
        "pledge": f"{story}pledges/{pledge.pk}/",
        "who's who": story + "people/",
        "person with pledges and claims": story + "people/alan-strickland/",
        "statement widget": f"/embed/stories/hitachi-newton-aycliffe/statements/{statement.pk}/",
    }


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_has_serious_or_critical_accessibility_violations(
    live_server, page, reader_pages, width, scheme, tmp_path
):
    page.set_viewport_size({"width": WIDTHS[width], "height": 900})
    page.emulate_media(color_scheme=scheme)
    axe = Axe(output_directory=tmp_path)
    found = {}
    for name, path in reader_pages.items():
        page.goto(live_server.url + path)
        results = axe.run(
            page,
            options=OPTIONS_WCAG_22AA,
            html_report_generated=False,
            json_report_generated=False,
        )
        assert results["passes"], f"axe did not run on {name}"
        if problems := serious(results):
            found[name] = problems

    assert found == {}


def test_the_live_notice_is_accessible(live_server, page, settings, tmp_path):
    from tests import factories

    settings.TIMELINE_POLL_SECONDS = 1
    story = factories.story()
    factories.statement(story)
    page.goto(live_server.url + story.get_absolute_url())
    factories.statement(story, quote="Test new quote.")
    page.get_by_role("status").get_by_role("link").wait_for(timeout=5000)

    results = Axe(output_directory=tmp_path).run(
        page, options=OPTIONS_WCAG_22AA, html_report_generated=False, json_report_generated=False
    )

    assert serious(results) == []


@pytest.mark.parametrize("scheme", SCHEMES)
def test_what_changed_since_the_last_visit_is_marked_accessibly(
    live_server, page, scheme, tmp_path
):
    from tests import factories

    page.emulate_media(color_scheme=scheme)
    story = factories.story()
    statement = factories.statement(story, quote="Test: seen before.")
    page.goto(live_server.url + story.get_absolute_url())
    factories.statement(story, quote="Test: new since.")
    statement.quote, statement.correction_note = "Test: seen before, corrected.", "Test: fixed."
    statement.corrected_at = datetime.datetime.now(datetime.UTC)
    statement.save()
    page.reload()
    page.locator("#since-last-visit").wait_for()
    page.locator(".since-corrected").first.wait_for()

    results = Axe(output_directory=tmp_path).run(
        page, options=OPTIONS_WCAG_22AA, html_report_generated=False, json_report_generated=False
    )

    assert serious(results) == []
