import csv
import datetime
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.exports import safe_cell
from tests import factories

pytestmark = pytest.mark.django_db


def rows(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_statements_csv_has_each_statement_with_speaker_date_and_source(client, story):
    speaker = factories.stakeholder(name="Test Speaker")
    source = factories.source(publication="The Test Gazette", url="https://example.test/csv")
    statement = factories.statement(
        story, speaker=speaker, speaker_role="Test Secretary", source=source, quote="Test CSV."
    )

    (row,) = rows(client.get(f"/stories/{story.slug}/export/statements.csv"))

    assert row["quote"] == "Test CSV."
    assert row["speaker"] == "Test Speaker"
    assert row["speaker_role"] == "Test Secretary"
    assert row["date"] == "2024-09-27"
    assert row["source_publication"] == "The Test Gazette"
    assert row["source_url"] == "https://example.test/csv"
    assert row["permalink"] == f"http://testserver/stories/{story.slug}/statements/{statement.pk}/"


def test_statements_csv_gives_the_event_id_only_once_the_event_is_published(client, story):
    published = factories.event(story)
    draft = factories.event(story, status="draft")
    in_published = factories.statement(story, event=published)
    in_draft = factories.statement(story, event=draft)

    found = rows(client.get(f"/stories/{story.slug}/export/statements.csv"))

    event_ids = {row["id"]: row["event_id"] for row in found}
    assert event_ids == {str(in_published.pk): str(published.pk), str(in_draft.pk): ""}


def test_events_csv_lists_participants_and_source(client, story):
    people = [factories.stakeholder(name="Test One"), factories.stakeholder(name="Test Two")]
    factories.event(story, participants=people, title="Test CSV meeting", place="Test Town")

    (row,) = rows(client.get(f"/stories/{story.slug}/export/events.csv"))

    assert row["title"] == "Test CSV meeting"
    assert row["participants"] == "Test One; Test Two"
    assert row["place"] == "Test Town"
    assert row["source_publication"] == "The Test Gazette"


def test_figures_csv_has_each_published_point_with_range_and_source(client, story):
    series = factories.series(story, name="Test workforce", unit="jobs")
    factories.point(series, value=-5, low=-10, high=0, qualifier="approximate")

    (row,) = rows(client.get(f"/stories/{story.slug}/export/figures.csv"))

    assert (row["series"], row["unit"]) == ("Test workforce", "jobs")
    assert (row["value"], row["low"], row["high"]) == ("-5.00", "-10.00", "0.00")
    assert row["qualifier"] == "Approximate"
    assert row["source_url"].startswith("https://example.test/")


def test_figures_csv_keeps_every_figure_of_a_date_and_says_when_they_differ(client, story):
    series = factories.series(story, name="Test workforce", unit="jobs")
    factories.point(series, as_of=datetime.date(2024, 12, 6), value=700)
    factories.point(series, as_of=datetime.date(2024, 12, 6), value=750)
    factories.point(series, as_of=datetime.date(2025, 4, 3), value=750)

    exported = rows(client.get(f"/stories/{story.slug}/export/figures.csv"))

    assert [(row["date"], row["value"]) for row in exported] == [
        ("2024-12-06", "700.00"),
        ("2024-12-06", "750.00"),
        ("2025-04-03", "750.00"),
    ]
    assert [row["sources_differ_on_date"] for row in exported] == [
        "yes: 700 or 750",
        "yes: 700 or 750",
        "",
    ]


def test_orders_csv_has_every_order_row_with_its_development_and_source(client, story):
    option = factories.order(story, trains=13, value=None, commitment="option")
    factories.order(
        story,
        development="account",
        changes=option,
        trains=13,
        value=460_000_000,
        commitment="option",
        value_qualifier="approximate",
        announced_on=datetime.date(2024, 12, 9),
    )
    factories.order(story, customer="TEST-DRAFT-ORDER", status="draft")

    exported = rows(client.get(f"/stories/{story.slug}/export/orders.csv"))

    assert [(row["development"], row["order_id"], row["value_gbp"]) for row in exported] == [
        ("New order", str(option.pk), ""),
        ("Another source’s account", str(option.pk), "460000000"),
    ]
    assert exported[1]["value_qualifier"] == "Approximate"
    assert exported[1]["date"] == "2024-12-09"
    assert exported[0]["source_url"].startswith("https://example.test/")


def test_period_dated_items_are_exported_as_intervals(client, story):
    factories.statement(
        story,
        said_on=datetime.date(2024, 7, 1),
        said_on_precision="period",
        said_on_end=datetime.date(2024, 11, 30),
    )

    (row,) = rows(client.get(f"/stories/{story.slug}/export/statements.csv"))

    assert (row["date"], row["date_precision"], row["date_text"]) == (
        "2024-07/2024-11",
        "period",
        "July–November 2024",
    )


@pytest.mark.parametrize(
    "hostile",
    ['=HYPERLINK("https://evil.test")', "+1+2", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"],
)
def test_cells_that_a_spreadsheet_would_run_as_formulas_start_with_a_quote(client, story, hostile):
    speaker = factories.stakeholder(name=hostile)
    factories.statement(story, speaker=speaker, quote=hostile, speaker_role=hostile)
    factories.event(story, title=hostile, description=hostile)
    series = factories.series(story, name=hostile)
    factories.point(series, note=hostile)

    for name, columns in [
        ("statements", ["quote", "speaker", "speaker_role"]),
        ("events", ["title", "description"]),
        ("figures", ["series", "note"]),
    ]:
        (row,) = rows(client.get(f"/stories/{story.slug}/export/{name}.csv"))
        for column in columns:
            assert row[column] == "'" + hostile, (name, column)


def test_drafts_never_appear_in_exports(client, story):
    factories.statement(story, quote="Draft CSV quote.", status="draft")
    factories.event(story, title="Draft CSV event", status="draft")
    factories.point(factories.series(story), value=4321, status="draft")

    for name in ("statements", "events", "figures"):
        response = client.get(f"/stories/{story.slug}/export/{name}.csv")
        assert rows(response) == []
        assert b"Draft CSV" not in response.content
        assert b"4321" not in response.content


def test_a_draft_story_cannot_be_exported(client):
    draft = factories.story(status="draft")

    assert client.get(f"/stories/{draft.slug}/export/statements.csv").status_code == 404


def test_export_answers_a_conditional_request_with_304_until_the_story_changes(client, story):
    factories.statement(story)
    url = f"/stories/{story.slug}/export/statements.csv"
    etag = client.get(url)["ETag"]

    assert client.get(url, headers={"if-none-match": etag}).status_code == 304

    factories.event(story, title="Test event published later")  # a change readers see
    assert client.get(url, headers={"if-none-match": etag}).status_code == 200


@pytest.mark.parametrize("items", [1, 12])
@pytest.mark.parametrize("name", ["statements", "events", "figures"])
def test_export_queries_do_not_grow_with_the_story(
    client, story, name, items, django_assert_max_num_queries
):
    for _ in range(items):
        factories.statement(story)
        factories.event(story, participants=[factories.stakeholder()])
        factories.point(factories.series(story))

    with django_assert_max_num_queries(4):
        response = client.get(f"/stories/{story.slug}/export/{name}.csv")

    assert response.status_code == 200
    assert len(response.content.decode().splitlines()) > items


@given(st.text())
def test_no_text_cell_starts_with_a_formula_trigger_and_none_loses_text(text):
    cell = safe_cell(text)

    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert cell in (text, "'" + text)


def test_a_charts_csv_is_the_story_exports_rows_for_its_series_with_their_period(client, story):
    workforce = factories.series(story, name="Test workforce", slug="test-workforce")
    factories.point(workforce, value=700, as_of=datetime.date(2024, 9, 1), as_of_precision="month")
    factories.point(factories.series(story, slug="test-other"), value=5)
    book = factories.series(story, name="Order book", slug="order-book", kind="order_book")
    factories.order(story, trains=10, announced_on=datetime.date(2024, 12, 9))

    for chart, export in [(workforce, "figures"), (book, "orders")]:
        charted = rows(client.get(f"/stories/{story.slug}/figures/{chart.slug}.csv"))
        exported = rows(client.get(f"/stories/{story.slug}/export/{export}.csv"))

        periods = [row.pop("period_start") + "/" + row.pop("period_end") for row in charted]
        assert charted == [
            row for row in exported if row.get("series_slug", chart.slug) == chart.slug
        ]
        assert periods == (
            ["2024-09-01/2024-09-30"] if export == "figures" else ["2024-12-09/2024-12-09"]
        )
