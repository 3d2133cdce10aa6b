"""Corrections: a published statement or figure changed after publication says so, publicly."""

import datetime

import pytest
from django.template import engines
from django.template.loader import render_to_string
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from stories.models import DataPoint
from tests import factories
from tests.editorial import admin_url, editor, statement_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client):
    client.force_login(editor())
    return client


def correct(client, statement, **changes):
    return client.post(
        admin_url("statement", "change", statement.pk), statement_data(statement, **changes)
    )


def test_changing_a_published_quote_needs_a_public_note(editor_client, story):
    statement = factories.statement(story, quote="Test words as first published.")

    response = correct(editor_client, statement, quote="Test words as said.")

    assertContains(response, "readers will see your change as a correction")
    statement.refresh_from_db()
    assert statement.quote == "Test words as first published."
    assert statement.corrected_at is None


def test_a_corrected_statement_is_stamped_and_shown_in_the_correction_log(
    editor_client, client, story
):
    statement = factories.statement(story, quote="Test words as first published.")

    correct(
        editor_client,
        statement,
        quote="Test words as said.",
        correction_note="The quote misquoted the test speaker.",
    )

    statement.refresh_from_db()
    assert statement.quote == "Test words as said."
    assert statement.corrected_at is not None
    log = client.get(f"/stories/{story.slug}/corrections/")
    assertContains(log, "Test words as said.")
    assertContains(log, "The quote misquoted the test speaker.")
    assertContains(log, f'Corrected on <time datetime="{statement.corrected_at.astimezone():%Y}')


def test_attributing_a_published_quote_to_someone_else_is_a_correction_too(editor_client, story):
    statement = factories.statement(story)
    other = factories.stakeholder(name="Test Person Who Said It")

    refused = correct(editor_client, statement, speaker=other.pk)
    correct(editor_client, statement, speaker=other.pk, correction_note="Test: wrong speaker.")

    assertContains(refused, "readers will see your change as a correction")
    statement.refresh_from_db()
    assert statement.speaker == other
    assert statement.corrected_at is not None


def test_a_second_correction_needs_a_new_note(editor_client, story):
    statement = factories.statement(story, quote="Test words v1.")
    correct(editor_client, statement, quote="Test words v2.", correction_note="First fix.")
    statement.refresh_from_db()

    response = correct(editor_client, statement, quote="Test words v3.")

    assertContains(response, "This note describes the previous correction")


def test_editing_a_draft_is_not_a_correction(editor_client, story):
    statement = factories.statement(story, quote="Draft test words.", status="draft")

    correct(editor_client, statement, quote="Better draft test words.")

    statement.refresh_from_db()
    assert statement.quote == "Better draft test words."
    assert statement.corrected_at is None


def test_a_corrected_figure_is_in_the_log(editor_client, client, story):
    series = factories.series(story, name="Test workforce")
    point = factories.point(series, value=700)
    data = {
        "series": series.pk,
        "as_of": point.as_of.isoformat(),
        "as_of_precision": "day",
        "value": "750",
        "low": "",
        "high": "",
        "qualifier": "exact",
        "source": point.source_id,
        "note": "",
        "status": "published",
        "loaded_version": point.version,
    }

    refused = editor_client.post(admin_url("datapoint", "change", point.pk), data)
    editor_client.post(
        admin_url("datapoint", "change", point.pk),
        {**data, "correction_note": "The test source gave 750, not 700."},
    )

    assertContains(refused, "readers will see your change as a correction")
    assert DataPoint.objects.get(pk=point.pk).corrected_at is not None
    log = client.get(f"/stories/{story.slug}/corrections/")
    assertContains(log, "Test workforce")
    assertContains(log, "750 jobs")
    assertContains(log, "The test source gave 750, not 700.")


def corrected(item, note, **changes):
    """`item` corrected as the editor's form does it: new values, a note, the date stamped."""
    for name, value in changes.items():
        setattr(item, name, value)
    item.correction_note = note
    item.corrected_at = timezone.now()
    item.save()
    return item


def test_the_log_lists_newest_corrections_first_and_shows_withdrawals_without_their_text(
    client, story
):
    older = factories.statement(story, quote="Older words.")
    newer = factories.statement(story, quote="Newer words.")
    withdrawn = factories.statement(story, quote="Test words taken off the site.")
    corrected(older, "Test note: older.", quote="Older fix.")
    corrected(newer, "Test note: newer.", quote="Newer fix.")
    withdrawn.status = "draft"
    withdrawn.withdrawal_note = "Test note: not said by them."
    withdrawn.save()

    log = client.get(f"/stories/{story.slug}/corrections/")

    html = log.content.decode()
    assert html.index("Test note: not said by them.") < html.index("Newer fix.")
    assert html.index("Newer fix.") < html.index("Older fix.")
    assertContains(log, "Withdrawn on")
    assertNotContains(log, "Test words taken off the site.")


def test_the_log_keeps_every_correction_of_an_item_not_only_the_latest(client, story):
    statement = factories.statement(story, quote="Test words v1.")
    corrected(statement, "Test note: first fix.", quote="Test words v2.")
    corrected(statement, "Test note: second fix.", quote="Test words v3.")

    log = client.get(f"/stories/{story.slug}/corrections/")

    assertContains(log, "Test note: first fix.")
    assertContains(log, "Test note: second fix.")


def test_the_log_needs_the_same_number_of_queries_however_long_it_is(
    client, story, django_assert_max_num_queries
):
    series = factories.series(story)
    for n in range(5):
        corrected(factories.statement(story), f"Fix {n}.", quote=f"Test fixed {n}.")
        corrected(factories.event(story), f"Event fix {n}.", title=f"Test event fixed {n}")
        point = factories.point(series, as_of=datetime.date(2024, n + 1, 1))
        corrected(point, f"Figure fix {n}.", value=n + 1)

    # story, log, statements shown, events shown, their participants
    with django_assert_max_num_queries(5):
        response = client.get(f"/stories/{story.slug}/corrections/")

    assertContains(response, "Figure fix 4.")
    assertContains(response, "Test event fixed 4")


def test_the_log_of_a_draft_story_is_not_found(client):
    draft = factories.story(status="draft")

    assert client.get(f"/stories/{draft.slug}/corrections/").status_code == 404


def test_the_correction_note_partial_renders_the_public_marker(story):
    statement = factories.statement(
        story, corrected_at=timezone.now(), correction_note="Test note for readers."
    )
    uncorrected = factories.statement(story)

    marker = render_to_string("dashboard/items.html#correction-note", {"item": statement})
    nothing = render_to_string("dashboard/items.html#correction-note", {"item": uncorrected})

    assert "Corrected on" in marker
    assert "Test note for readers." in marker
    assert nothing.strip() == ""


def test_the_correction_marker_can_be_included_in_another_template(story):
    statement = factories.statement(
        story, corrected_at=timezone.now(), correction_note="Test included note."
    )
    template = engines["django"].from_string(
        '{% include "dashboard/items.html#correction-note" with item=item %}'
    )

    html = template.render({"item": statement})

    assert "Corrected on" in html
    assert "Test included note." in html
