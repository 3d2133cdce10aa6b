"""History: every change is recorded with who and when, shown with a diff, and can be undone."""

import pytest
from pytest_django.asserts import assertContains

from stories.models import Stakeholder, Statement
from tests import factories
from tests.editorial import admin_url, editor, statement_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client):
    user = editor()
    client.force_login(user)
    client.user = user
    return client


def edit(client, statement, **changes):
    statement.refresh_from_db()
    response = client.post(
        admin_url("statement", "change", statement.pk), statement_data(statement, **changes)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    statement.refresh_from_db()


def test_an_edit_is_recorded_with_the_editor_who_made_it(editor_client, story):
    statement = factories.statement(story, quote="Test words v1.", status="draft")

    edit(editor_client, statement, quote="Test words v2.")

    latest = statement.history.latest()
    assert latest.quote == "Test words v2."
    assert latest.history_user == editor_client.user
    assert latest.history_type == "~"


def test_the_history_page_shows_who_changed_what(editor_client, story):
    statement = factories.statement(story, quote="Test words v1.", status="draft")
    edit(editor_client, statement, quote="Test words v2.")

    response = editor_client.get(admin_url("statement", "history", statement.pk))

    assertContains(response, "test-editor")
    assertContains(response, "<strong>Quote:</strong>", html=True)
    assertContains(response, "Test words v1.")
    assertContains(response, "Test words v2.")


def test_the_change_page_links_to_the_history(editor_client, story):
    statement = factories.statement(story)

    response = editor_client.get(admin_url("statement", "change", statement.pk))

    assertContains(response, admin_url("statement", "history", statement.pk))


def test_an_earlier_version_can_be_restored(editor_client, story):
    statement = factories.statement(story, quote="Test words v1.", status="draft")
    edit(editor_client, statement, quote="Test words v2.")
    first = statement.history.earliest()
    restore_url = admin_url("statement", "simple_history", statement.pk, first.history_id)

    form = editor_client.get(restore_url).context["adminform"].form
    data = statement_data(first.instance, loaded_version=form["loaded_version"].value())
    response = editor_client.post(restore_url, data)

    assert response.status_code == 302
    statement.refresh_from_db()
    assert statement.quote == "Test words v1."
    assert statement.history.latest().history_user == editor_client.user
    assert statement.history.count() == 3


def test_restoring_a_published_statement_is_a_correction(editor_client, story):
    statement = factories.statement(story, quote="Test words v1.")
    edit(editor_client, statement, quote="Test words v2.", correction_note="Fixed a typo.")
    first = statement.history.earliest()
    restore_url = admin_url("statement", "simple_history", statement.pk, first.history_id)
    form = editor_client.get(restore_url).context["adminform"].form
    data = statement_data(first.instance, loaded_version=form["loaded_version"].value())

    refused = editor_client.post(restore_url, data)
    restored = editor_client.post(restore_url, {**data, "correction_note": "Restored the quote."})

    assertContains(refused, "readers will see your change as a correction")
    assert restored.status_code == 302
    statement.refresh_from_db()
    assert statement.quote == "Test words v1."
    assert statement.correction_note == "Restored the quote."


def test_restoring_over_a_newer_save_is_refused(editor_client, story):
    statement = factories.statement(story, quote="Test words v1.", status="draft")
    edit(editor_client, statement, quote="Test words v2.")
    first = statement.history.earliest()
    restore_url = admin_url("statement", "simple_history", statement.pk, first.history_id)
    form = editor_client.get(restore_url).context["adminform"].form
    data = statement_data(first.instance, loaded_version=form["loaded_version"].value())
    edit(editor_client, statement, quote="Test words v3.")

    response = editor_client.post(restore_url, data)

    assertContains(response, "Someone else saved this item while you were editing it")
    assert Statement.objects.get(pk=statement.pk).quote == "Test words v3."


def test_bulk_publishing_is_recorded_in_the_history(editor_client, story):
    statement = factories.statement(story, status="draft")

    editor_client.post(
        admin_url("statement", "changelist"),
        {"action": "publish", "_selected_action": [statement.pk]},
    )

    latest = statement.history.latest()
    assert latest.status == "published"
    assert latest.history_user == editor_client.user


def test_stakeholders_keep_a_history_too(editor_client):
    stakeholder = factories.stakeholder(role="Test Minister")

    stakeholder.role = "Test Peer"
    stakeholder.save()

    assert [record.role for record in Stakeholder.history.order_by("history_id")] == [
        "Test Minister",
        "Test Peer",
    ]


def test_the_diff_leaves_out_bookkeeping(editor_client, story):
    statement = factories.statement(story, quote="Test words v1.", status="draft")
    edit(editor_client, statement, quote="Test words v2.")

    response = editor_client.get(admin_url("statement", "history", statement.pk))

    changes = response.context["page_obj"][0].history_delta_changes
    assert [change["field"] for change in changes] == ["Quote"]
