"""Bulk import from CSV: preview first, all rows or none, and clear answers for a wrong file."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django.asserts import assertContains, assertNotContains

from stories.models import DataPoint, Statement, Status
from tests import factories
from tests.editorial import admin_url, editor

pytestmark = pytest.mark.django_db

STATEMENT_COLUMNS = "story,speaker,speaker_role,quote,said_on,said_on_precision,method,source"


@pytest.fixture
def editor_client(client):
    client.force_login(editor())
    return client


@pytest.fixture
def known(story):
    """The story, speaker and source the test files refer to."""
    return {
        "story": story,
        "speaker": factories.stakeholder(slug="test-importee"),
        "source": factories.source(url="https://example.test/imported"),
    }


def statement_row(known, quote="Imported test words.", said_on="2024-09-27", precision="day"):
    return (
        f"{known['story'].slug},test-importee,Test Minister,{quote},{said_on},{precision},"
        f"interview,https://example.test/imported"
    )


def upload(client, model, text, encoding="utf-8"):
    csv_file = SimpleUploadedFile("import.csv", text.encode(encoding), content_type="text/csv")
    return client.post(
        admin_url(model, "import"), {"resource": "0", "format": "0", "import_file": csv_file}
    )


def confirm(client, model, preview):
    form = preview.context["confirm_form"]
    data = {name: form[name].value() for name in form.fields}
    return client.post(admin_url(model, "process_import"), data)


def test_a_good_file_is_previewed_without_writing_anything(editor_client, known):
    text = "\n".join([STATEMENT_COLUMNS, statement_row(known), statement_row(known, "More.")])

    preview = upload(editor_client, "statement", text)

    assert preview.status_code == 200
    assertContains(preview, "Imported test words.")
    assert preview.context["confirm_form"] is not None
    assert not Statement.objects.exists()


def test_a_confirmed_file_adds_every_row_as_a_draft(editor_client, known):
    text = "\n".join([STATEMENT_COLUMNS, statement_row(known), statement_row(known, "More.")])
    preview = upload(editor_client, "statement", text)

    response = confirm(editor_client, "statement", preview)

    assert response.status_code == 302
    statements = Statement.objects.order_by("quote")
    assert [s.quote for s in statements] == ["Imported test words.", "More."]
    assert {s.status for s in statements} == {Status.DRAFT}
    assert {s.speaker for s in statements} == {known["speaker"]}


def test_imported_dates_are_stored_as_the_start_of_their_period(editor_client, known):
    text = "\n".join(
        [STATEMENT_COLUMNS, statement_row(known, said_on="2024-03-17", precision="month")]
    )

    confirm(editor_client, "statement", upload(editor_client, "statement", text))

    assert Statement.objects.get().said_on.isoformat() == "2024-03-01"


def test_one_bad_row_writes_nothing_and_names_the_row_and_field(editor_client, known):
    text = "\n".join(
        [
            STATEMENT_COLUMNS,
            statement_row(known),
            statement_row(known, quote=" "),
            statement_row(known, said_on="2999-01-01"),
        ]
    )

    response = upload(editor_client, "statement", text)

    assert response.status_code == 200
    assertNotContains(response, 'name="import_file_name"')
    result = response.context["result"]
    invalid = {row.number: row.error.message_dict for row in result.invalid_rows}
    assert set(invalid) == {2, 3}
    assert "quote" in invalid[2]
    assert "said_on" in invalid[3]
    assertContains(response, "Enter the quote: it cannot be empty.")
    assertContains(response, "This date is in the future")
    assert not Statement.objects.exists()


def test_a_row_naming_an_unknown_speaker_says_which(editor_client, known):
    text = "\n".join([STATEMENT_COLUMNS, statement_row(known).replace("test-importee", "nobody")])

    response = upload(editor_client, "statement", text)

    assertContains(response, "No stakeholder with the slug “nobody” exists.")
    assert not Statement.objects.exists()


def test_wrong_columns_are_refused_with_a_clear_message(editor_client, known):
    text = "who,what,when\nTest,Words,2024-09-27\n"

    response = upload(editor_client, "statement", text)

    assert response.status_code == 400
    assertContains(response, "missing columns: story, speaker, quote", status_code=400)
    assertContains(response, "unknown columns: who, what, when", status_code=400)
    assert not Statement.objects.exists()


def test_a_file_that_is_not_utf8_is_refused_with_a_clear_message(editor_client, known):
    text = "\n".join([STATEMENT_COLUMNS, statement_row(known, quote="Café société")])

    response = upload(editor_client, "statement", text, encoding="utf-16")

    assert response.status_code == 400
    assertContains(response, "This file is not UTF-8 text.", status_code=400)
    assert not Statement.objects.exists()


def test_latin1_text_is_refused_rather_than_garbled(editor_client, known):
    text = "\n".join([STATEMENT_COLUMNS, statement_row(known, quote="Café société")])

    response = upload(editor_client, "statement", text, encoding="latin-1")

    assertContains(response, "This file is not UTF-8 text.", status_code=400)


def test_figures_import_into_their_story_series(editor_client, story):
    factories.series(story, slug="test-workforce")
    factories.source(url="https://example.test/figures")
    text = (
        "story,series,as_of,as_of_precision,value,low,high,qualifier,source\n"
        f"{story.slug},test-workforce,2024-09-27,day,750,,,exact,https://example.test/figures\n"
        f"{story.slug},test-workforce,2024-10-04,day,700,650,720,approximate,"
        "https://example.test/figures\n"
    )

    response = confirm(editor_client, "datapoint", upload(editor_client, "datapoint", text))

    assert response.status_code == 302
    assert sorted(DataPoint.objects.values_list("value", flat=True)) == [700, 750]


def test_a_figure_with_an_inconsistent_range_writes_nothing(editor_client, story):
    factories.series(story, slug="test-workforce")
    factories.source(url="https://example.test/figures")
    text = (
        "story,series,as_of,as_of_precision,value,low,high,qualifier,source\n"
        f"{story.slug},test-workforce,2024-09-27,day,750,,,exact,https://example.test/figures\n"
        f"{story.slug},test-workforce,2024-10-04,day,700,800,,approximate,"
        "https://example.test/figures\n"
    )

    response = upload(editor_client, "datapoint", text)

    assertContains(response, "The low end of the range cannot be above the value.")
    assertNotContains(response, 'name="import_file_name"')
    assert not DataPoint.objects.exists()


def test_the_import_page_says_which_columns_a_file_needs(editor_client):
    response = editor_client.get(admin_url("statement", "import"))

    assertContains(response, "Required: <code>story, speaker, quote, said_on")
    assertContains(response, "Optional: <code>speaker_role, context, said_on_end</code>")


def test_a_badly_written_date_is_a_row_error_not_a_crash(editor_client, known):
    text = "\n".join([STATEMENT_COLUMNS, statement_row(known, said_on="27/09/2024")])

    response = upload(editor_client, "statement", text)

    assert response.status_code == 200
    assertContains(response, "Write the date as YYYY-MM-DD, e.g. 2024-09-27, not “27/09/2024”.")
    assertNotContains(response, 'name="import_file_name"')
    assert not Statement.objects.exists()


def test_a_file_saved_by_a_spreadsheet_with_a_byte_order_mark_is_read(editor_client, known):
    text = "\ufeff" + "\n".join([STATEMENT_COLUMNS, statement_row(known)])

    preview = upload(editor_client, "statement", text)

    assert preview.status_code == 200
    assertContains(preview, 'name="import_file_name"')


def test_a_statement_dated_by_a_period_imports_with_its_end(editor_client, known):
    columns = STATEMENT_COLUMNS + ",said_on_end"
    row = statement_row(known, said_on="2024-07-01", precision="period") + ",2024-09-30"

    confirm(editor_client, "statement", upload(editor_client, "statement", f"{columns}\n{row}"))

    (imported,) = Statement.objects.all()
    assert str(imported.when) == "July–September 2024"
