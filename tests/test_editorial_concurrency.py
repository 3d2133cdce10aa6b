"""No lost updates: the second of two editors saving the same item is refused, not overwritten."""

import threading

import pytest
from django.db import connection, transaction
from django.test import Client
from pytest_django.asserts import assertContains

from stories.models import Stakeholder, Statement
from tests import factories
from tests.editorial import admin_url, editor, statement_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_editors():
    first, second = Client(), Client()
    first.force_login(editor("test-editor-1"))
    second.force_login(editor("test-editor-2"))
    return first, second


def loaded_form_data(client, statement):
    """What an editor's browser holds after opening the change page: the form's values."""
    response = client.get(admin_url("statement", "change", statement.pk))
    form = response.context["adminform"].form
    return statement_data(statement, loaded_version=form["loaded_version"].value())


def test_the_second_save_of_the_same_statement_is_refused_and_keeps_the_input(two_editors, story):
    first, second = two_editors
    statement = factories.statement(story, quote="Original test words.", status="draft")
    first_form = loaded_form_data(first, statement)
    second_form = loaded_form_data(second, statement)

    saved = first.post(
        admin_url("statement", "change", statement.pk),
        {**first_form, "quote": "First editor's test words."},
    )
    refused = second.post(
        admin_url("statement", "change", statement.pk),
        {**second_form, "quote": "Second editor's test words."},
    )

    assert saved.status_code == 302
    assert refused.status_code == 200
    assertContains(refused, "Someone else saved this item while you were editing it")
    assertContains(refused, "The saved version differs from yours in: Quote.")
    assertContains(refused, "Second editor&#x27;s test words.")
    statement.refresh_from_db()
    assert statement.quote == "First editor's test words."


def test_after_the_refusal_saving_again_is_a_deliberate_merge(two_editors, story):
    first, second = two_editors
    statement = factories.statement(story, quote="Original test words.", status="draft")
    first_form = loaded_form_data(first, statement)
    second_form = loaded_form_data(second, statement)
    first.post(admin_url("statement", "change", statement.pk), {**first_form, "context": "Added."})
    refused = second.post(
        admin_url("statement", "change", statement.pk), {**second_form, "quote": "Merged words."}
    )
    merged = refused.context["adminform"].form.data.copy()
    merged["context"] = "Added."

    saved = second.post(admin_url("statement", "change", statement.pk), merged)

    assert saved.status_code == 302
    statement.refresh_from_db()
    assert (statement.quote, statement.context) == ("Merged words.", "Added.")


def test_every_save_raises_the_version(client, story):
    client.force_login(editor())
    statement = factories.statement(story, status="draft")

    client.post(admin_url("statement", "change", statement.pk), statement_data(statement))

    assert Statement.objects.get(pk=statement.pk).version == statement.version + 1


def test_stakeholders_are_protected_from_lost_updates_too(two_editors):
    first, second = two_editors
    stakeholder = factories.stakeholder(name="Test Protected Person")
    data = {
        "kind": "person",
        "name": stakeholder.name,
        "slug": stakeholder.slug,
        "role": "Test Minister",
        "organisation": "",
        "party": "",
        "area": "",
        "description": "",
        "loaded_version": stakeholder.version,
    }

    first.post(admin_url("stakeholder", "change", stakeholder.pk), {**data, "role": "Test Peer"})
    refused = second.post(
        admin_url("stakeholder", "change", stakeholder.pk), {**data, "role": "Test Envoy"}
    )

    assertContains(refused, "Someone else saved this item while you were editing it")
    assert Stakeholder.objects.get(pk=stakeholder.pk).role == "Test Peer"


@pytest.mark.django_db(transaction=True)
def test_a_save_racing_another_is_checked_after_the_other_commits(client):
    """The version is compared on the locked row: a save that started first cannot be lost."""
    client.force_login(editor())
    story = factories.story()
    statement = factories.statement(story, quote="Original test words.", status="draft")
    stale_form = statement_data(statement, quote="Racing editor's words.")
    locked, release = threading.Event(), threading.Event()

    def other_editor_saves():
        try:
            with transaction.atomic():
                row = Statement.objects.select_for_update().get(pk=statement.pk)
                locked.set()
                release.wait(timeout=5)
                row.quote = "Other editor's words."
                row.save()
        finally:
            connection.close()

    other = threading.Thread(target=other_editor_saves)
    other.start()
    locked.wait(timeout=5)
    threading.Timer(0.5, release.set).start()

    response = client.post(admin_url("statement", "change", statement.pk), stale_form)
    other.join()

    assertContains(response, "Someone else saved this item while you were editing it")
    assert Statement.objects.get(pk=statement.pk).quote == "Other editor's words."
