"""The statement form and the publishing workflow in the admin, as an editor uses them."""

import datetime

import pytest
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from stories.models import Source, Statement, Status
from tests import factories
from tests.editorial import admin_url, editor, statement_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client):
    user = editor()
    client.force_login(user)
    client.user = user
    return client


def new_statement_data(story, **changes):
    data = {
        "story": story.pk,
        "speaker": factories.stakeholder().pk,
        "speaker_role": "Test Minister",
        "quote": "A new test quote.",
        "context": "",
        "said_on": "2024-09-27",
        "said_on_precision": "day",
        "method": Statement.Method.INTERVIEW,
        "source": factories.source().pk,
        "event": "",
        "status": Status.DRAFT,
        "correction_note": "",
    }
    return {**data, **changes}


def test_a_new_statement_is_a_draft_until_published(editor_client, story):
    response = editor_client.post(admin_url("statement", "add"), new_statement_data(story))

    assert response.status_code == 302
    statement = Statement.objects.get()
    assert statement.status == Status.DRAFT
    assert statement.published_at is None


def test_publishing_from_the_form_stamps_who_and_when(editor_client, story):
    editor_client.post(admin_url("statement", "add"), new_statement_data(story, status="published"))

    statement = Statement.objects.get()
    assert statement.published_by == editor_client.user
    assert timezone.now() - statement.published_at < datetime.timedelta(minutes=1)


def test_a_date_in_a_month_precise_statement_is_stored_as_the_first_of_the_month(
    editor_client, story
):
    response = editor_client.post(
        admin_url("statement", "add"),
        new_statement_data(story, said_on="2024-03-17", said_on_precision="month"),
        follow=True,
    )

    assert Statement.objects.get().said_on == datetime.date(2024, 3, 1)
    assertContains(response, "Stored as the start of its period: When it was said: March 2024.")


def test_a_date_in_the_future_is_refused(editor_client, story):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = editor_client.post(
        admin_url("statement", "add"), new_statement_data(story, said_on=tomorrow.isoformat())
    )

    assertContains(response, "This date is in the future")
    assert not Statement.objects.exists()


def test_an_empty_quote_is_refused(editor_client, story):
    response = editor_client.post(
        admin_url("statement", "add"), new_statement_data(story, quote="  ")
    )

    assertContains(response, "Enter the quote: it cannot be empty.")
    assert not Statement.objects.exists()


def test_a_statement_without_a_speaker_is_refused(editor_client, story):
    response = editor_client.post(
        admin_url("statement", "add"), new_statement_data(story, speaker="")
    )

    assertContains(response, "Choose who said it, or add them with the + button.")
    assert not Statement.objects.exists()


def test_save_and_add_another_keeps_the_story_source_and_date(editor_client, story):
    data = new_statement_data(story, said_on="2024-09-23", said_on_precision="week")

    response = editor_client.post(admin_url("statement", "add"), {**data, "_addanother": "1"})
    next_form = editor_client.get(response["Location"])

    assert response.status_code == 302
    form = next_form.context["adminform"].form
    assert str(form.initial["source"]) == str(data["source"])
    assert str(form.initial["story"]) == str(story.pk)
    assert form.initial["said_on"] == "2024-09-23"
    assert form.initial["said_on_precision"] == "week"
    assertContains(next_form, 'value="2024-09-23"')


def test_the_role_field_offers_the_speakers_current_role(editor_client):
    speaker = factories.stakeholder(role="Test Secretary of State")

    response = editor_client.get(admin_url("statement", "speaker_role"), {"speaker": speaker.pk})

    assert response.json() == {"role": "Test Secretary of State"}


@pytest.mark.parametrize(("speaker", "status"), [("nonsense", 400), ("999999", 404)])
def test_the_role_lookup_answers_bad_input_with_a_client_error(editor_client, speaker, status):
    response = editor_client.get(admin_url("statement", "speaker_role"), {"speaker": speaker})

    assert response.status_code == status


def test_the_statement_form_loads_the_role_script_from_our_own_origin(editor_client):
    response = editor_client.get(admin_url("statement", "add"))

    assertContains(response, "js/editorial.js")
    assertContains(response, "data-speaker-role-url=")


def test_the_preview_shows_a_draft_statement_as_readers_will_see_it(editor_client, story):
    speaker = factories.stakeholder(name="Test Previewed Person")
    statement = factories.statement(
        story, speaker=speaker, speaker_role="Test Envoy", quote="Previewed words.", status="draft"
    )

    response = editor_client.get(admin_url("statement", "preview", statement.pk))

    assertContains(response, f'<article class="item statement" id="statement-{statement.pk}"')
    assertContains(response, "<p>Previewed words.</p>", html=True)
    assertContains(response, ">Test Previewed Person</a>, Test Envoy")
    assertContains(response, "readers cannot see it yet")


def test_the_change_page_links_to_the_preview(editor_client, story):
    statement = factories.statement(story)

    response = editor_client.get(admin_url("statement", "change", statement.pk))

    assertContains(response, admin_url("statement", "preview", statement.pk))


def test_a_source_can_be_made_from_its_address_alone(editor_client):
    response = editor_client.post(
        admin_url("source", "add"),
        {
            "url": "https://www.example.test/news/1",
            "publication": "",
            "headline": "",
            "published_on": "2024-09-27",
            "published_on_precision": "day",
        },
    )

    assert response.status_code == 302
    assert Source.objects.get().publication == "example.test"


def test_a_source_address_must_be_http_or_https(editor_client):
    response = editor_client.post(
        admin_url("source", "add"),
        {
            "url": "ftp://example.test/file",
            "publication": "Test",
            "published_on": "2024-09-27",
            "published_on_precision": "day",
        },
    )

    assertContains(response, "Enter an http:// or https:// address.")
    assert not Source.objects.exists()


def test_a_figure_range_must_contain_its_value(editor_client, story):
    series = factories.series(story)

    response = editor_client.post(
        admin_url("datapoint", "add"),
        {
            "series": series.pk,
            "as_of": "2024-09-27",
            "as_of_precision": "day",
            "value": "750",
            "low": "800",
            "high": "",
            "qualifier": "approximate",
            "source": factories.source().pk,
            "note": "",
            "status": "draft",
            "correction_note": "",
        },
    )

    assertContains(response, "The low end of the range cannot be above the value.")


def test_bulk_publish_stamps_every_item_and_shows_them_to_readers(editor_client, story):
    drafts = [factories.statement(story, quote=f"Draft {n}.", status="draft") for n in (1, 2)]

    editor_client.post(
        admin_url("statement", "changelist"),
        {"action": "publish", "_selected_action": [draft.pk for draft in drafts]},
    )

    for draft in drafts:
        draft.refresh_from_db()
        assert draft.status == Status.PUBLISHED
        assert draft.published_by == editor_client.user
        assert draft.published_at is not None
    page = editor_client.get(story.get_absolute_url())
    assertContains(page, "Draft 1.")
    assertContains(page, "Draft 2.")


def unpublish(client, model, pk, note=None):
    data = {"action": "unpublish", "_selected_action": [pk]}
    if note is not None:
        data.update(confirm="yes", note=note)
    return client.post(admin_url(model, "changelist"), data)


def test_bulk_unpublish_takes_items_off_the_story_page(editor_client, story):
    statement = factories.statement(story, quote="Soon withdrawn.")
    event = factories.event(story, title="Test withdrawn meeting")

    unpublish(editor_client, "statement", statement.pk, note="Test: the quote was not his.")
    unpublish(editor_client, "negotiationevent", event.pk, note="Test: it never took place.")

    statement.refresh_from_db()
    assert statement.status == Status.DRAFT
    assert statement.published_at is None
    page = editor_client.get(story.get_absolute_url())
    assertNotContains(page, "Soon withdrawn.")
    assertNotContains(page, "Test withdrawn meeting")
    log = editor_client.get(f"/stories/{story.slug}/corrections/")
    assertContains(log, "Test: the quote was not his.")
    assertContains(log, "Test: it never took place.")


def test_unpublishing_a_published_item_asks_why_first_and_changes_nothing_until_told(
    editor_client, story
):
    statement = factories.statement(story, quote="Test quote still published.")

    asked = unpublish(editor_client, "statement", statement.pk)
    refused = unpublish(editor_client, "statement", statement.pk, note="  ")

    assertContains(asked, "Why are they withdrawn?")
    assertContains(refused, "Say why: readers see this note", status_code=400)
    statement.refresh_from_db()
    assert statement.status == Status.PUBLISHED


def test_unpublishing_drafts_needs_no_note(editor_client, story):
    draft = factories.statement(story, status=Status.DRAFT)

    response = unpublish(editor_client, "statement", draft.pk)

    assert response.status_code == 302


def test_the_first_publication_is_remembered_through_unpublishing_and_publishing_again(
    editor_client, story
):
    statement = factories.statement(story, status="draft")
    changelist = admin_url("statement", "changelist")

    def apply(action):
        data = {"action": action, "_selected_action": [statement.pk]}
        if action == "unpublish":
            data.update(confirm="yes", note="Test: taken down for a check.")
        editor_client.post(changelist, data)
        statement.refresh_from_db()

    apply("publish")
    first = statement.first_published_at
    apply("unpublish")
    assert statement.published_at is None
    assert statement.first_published_at == first
    apply("publish")

    assert first is not None
    assert statement.first_published_at == first < statement.published_at


def test_an_edit_of_an_unchanged_statement_keeps_its_publication_stamp(editor_client, story):
    statement = factories.statement(story, status="draft")
    editor_client.post(
        admin_url("statement", "change", statement.pk),
        statement_data(statement, status="published"),
    )
    statement.refresh_from_db()
    first_stamp = statement.published_at

    editor_client.post(
        admin_url("statement", "change", statement.pk),
        statement_data(statement, context="More.", correction_note="Added the context."),
    )

    statement.refresh_from_db()
    assert statement.context == "More."
    assert statement.published_at == first_stamp


def test_a_deadline_may_be_in_the_future_but_a_meeting_may_not(story):
    from django.core.exceptions import ValidationError

    next_month = timezone.localdate() + datetime.timedelta(days=40)
    deadline = factories.event(story, kind="deadline", happened_on=next_month, status="draft")
    meeting = factories.event(story, kind="meeting", happened_on=next_month, status="draft")

    deadline.full_clean()
    with pytest.raises(ValidationError, match="This date is in the future"):
        meeting.full_clean()


def test_a_figure_corrected_on_its_series_page_needs_a_note_too(editor_client, story):
    series = factories.series(story)
    point = factories.point(series, value=700)
    data = {
        "story": story.pk,
        "kind": "figures",
        "name": series.name,
        "slug": series.slug,
        "unit": series.unit,
        "description": "",
        "position": 0,
        "status": "published",
        "loaded_version": series.version,
        "points-TOTAL_FORMS": 1,
        "points-INITIAL_FORMS": 1,
        "points-0-id": point.pk,
        "points-0-series": series.pk,
        "points-0-as_of": point.as_of.isoformat(),
        "points-0-as_of_precision": "day",
        "points-0-value": "750",
        "points-0-qualifier": "exact",
        "points-0-source": point.source_id,
        "points-0-status": "published",
        "points-0-loaded_version": point.version,
    }

    refused = editor_client.post(admin_url("series", "change", series.pk), data)
    saved = editor_client.post(
        admin_url("series", "change", series.pk),
        {**data, "points-0-correction_note": "The test source said 750."},
    )

    assertContains(refused, "readers will see your change as a correction")
    assert saved.status_code == 302
    point.refresh_from_db()
    assert point.value == 750
    assert point.corrected_at is not None
