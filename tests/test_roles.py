"""Who may do what: readers need no account, editors edit and publish, administrators do all."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from pytest_django.asserts import assertContains

from stories.models import Statement
from stories.roles import EDITORS
from tests import factories
from tests.editorial import admin_url, administrator, editor

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client):
    client.force_login(editor())
    return client


@pytest.fixture
def admin_client_(client):
    client.force_login(administrator())
    return client


def test_readers_see_the_site_without_an_account(client, story):
    assert client.get("/").status_code == 200
    assert client.get(story.get_absolute_url()).status_code == 200


def test_the_admin_asks_anyone_without_an_account_to_log_in(client):
    response = client.get(admin_url("statement", "changelist"))

    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.parametrize(
    "model",
    [
        "story",
        "stakeholder",
        "source",
        "statement",
        "negotiationevent",
        "series",
        "datapoint",
        "order",
        "role",
    ],
)
def test_editors_can_add_and_change_every_editorial_model(editor_client, model):
    assert editor_client.get(admin_url(model, "add")).status_code == 200
    assert editor_client.get(admin_url(model, "changelist")).status_code == 200


@pytest.mark.parametrize(
    "url_name", ["admin:auth_user_changelist", "admin:auth_group_changelist", "admin:auth_user_add"]
)
def test_editors_cannot_manage_accounts(editor_client, url_name):
    assert editor_client.get(reverse(url_name)).status_code == 403


def test_editors_can_delete_a_draft_statement(editor_client, story):
    draft = factories.statement(story, status="draft")

    response = editor_client.post(admin_url("statement", "delete", draft.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Statement.objects.filter(pk=draft.pk).exists()


def test_editors_cannot_delete_a_published_statement(editor_client, story):
    published = factories.statement(story)

    response = editor_client.post(admin_url("statement", "delete", published.pk), {"post": "yes"})

    assert response.status_code == 403
    assert Statement.objects.filter(pk=published.pk).exists()


def test_editors_cannot_bulk_delete_published_statements(editor_client, story):
    published = factories.statement(story)
    draft = factories.statement(story, status="draft")
    selected = {"action": "delete_selected", "_selected_action": [published.pk, draft.pk]}

    confirmation = editor_client.post(admin_url("statement", "changelist"), selected)
    forced = editor_client.post(admin_url("statement", "changelist"), {**selected, "post": "yes"})

    assertContains(confirmation, "published statements (only an administrator may delete them)")
    assert forced.status_code == 403
    assert Statement.objects.count() == 2


def set_status_by(client, statement, action):
    """The statement after `client` used the admin's publish or unpublish action on it."""
    data = {"action": action, "_selected_action": [statement.pk]}
    if action == "unpublish":  # a published item's withdrawal carries a public note
        data.update(confirm="yes", note="Test: withdrawn for a check.")
    client.post(admin_url("statement", "changelist"), data)
    statement.refresh_from_db()
    assert statement.status == ("published" if action == "publish" else "draft")
    return statement


def unpublished_by(client, statement):
    return set_status_by(client, statement, "unpublish")


def test_editors_cannot_delete_a_statement_they_unpublished(editor_client, story):
    draft = factories.statement(story, status="draft")
    withdrawn = unpublished_by(editor_client, set_status_by(editor_client, draft, "publish"))

    response = editor_client.post(admin_url("statement", "delete", withdrawn.pk), {"post": "yes"})

    assert response.status_code == 403
    assert Statement.objects.filter(pk=withdrawn.pk).exists()


def test_editors_cannot_bulk_delete_a_statement_they_unpublished(editor_client, story):
    withdrawn = unpublished_by(editor_client, factories.statement(story))
    selected = {"action": "delete_selected", "_selected_action": [withdrawn.pk]}

    confirmation = editor_client.post(admin_url("statement", "changelist"), selected)
    forced = editor_client.post(admin_url("statement", "changelist"), {**selected, "post": "yes"})

    assertContains(confirmation, "published statements (only an administrator may delete them)")
    assert forced.status_code == 403
    assert Statement.objects.filter(pk=withdrawn.pk).exists()


def test_administrators_can_delete_a_statement_that_was_unpublished(admin_client_, story):
    withdrawn = unpublished_by(admin_client_, factories.statement(story))

    response = admin_client_.post(admin_url("statement", "delete", withdrawn.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Statement.objects.filter(pk=withdrawn.pk).exists()


def test_editors_cannot_delete_stakeholders_or_sources(editor_client):
    stakeholder = factories.stakeholder()
    source = factories.source()

    assert editor_client.get(admin_url("stakeholder", "delete", stakeholder.pk)).status_code == 403
    assert editor_client.get(admin_url("source", "delete", source.pk)).status_code == 403


def test_administrators_can_delete_published_items(admin_client_, story):
    published = factories.statement(story)

    response = admin_client_.post(admin_url("statement", "delete", published.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Statement.objects.exists()


def test_administrators_can_manage_accounts(admin_client_):
    assert admin_client_.get(reverse("admin:auth_user_changelist")).status_code == 200


def test_create_editor_makes_a_staff_account_in_the_editors_group(capsys):
    call_command("create_editor", "test-new-editor")

    user = get_user_model().objects.get(username="test-new-editor")
    password = capsys.readouterr().out.rsplit(": ", 1)[1].strip()
    assert user.is_staff
    assert not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == [EDITORS]
    assert user.check_password(password)
    assert user.has_perm("stories.add_statement")
    assert not user.has_perm("auth.change_user")


def test_create_editor_leaves_an_existing_account_alone(capsys):
    call_command("create_editor", "test-new-editor")
    user = get_user_model().objects.get(username="test-new-editor")
    password_hash = user.password

    call_command("create_editor", "test-new-editor")

    assert "already exists" in capsys.readouterr().out
    user.refresh_from_db()
    assert user.password == password_hash


def test_create_editor_brings_the_editors_group_up_to_date(capsys):
    call_command("create_editor", "test-new-editor")
    Group.objects.get(name=EDITORS).permissions.clear()

    call_command("create_editor", "test-new-editor")

    user = get_user_model().objects.get(username="test-new-editor")
    assert user.has_perm("stories.change_statement")


def test_rows_edited_on_their_parents_page_are_deleted_only_from_their_own(admin_client_, story):
    person = factories.stakeholder()
    factories.part(story, person)
    series = factories.series(story)
    factories.point(series)
    factories.pledge_update(pledge := factories.pledge(story))

    for parent, pk in [("story", story.pk), ("series", series.pk), ("pledge", pledge.pk)]:
        response = admin_client_.get(admin_url(parent, "change", pk))

        assert response.status_code == 200
        assert "-DELETE" not in response.text, parent
