import csv
import datetime
import gzip
import io
import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.db.models import FETCH_RAISE
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from stories.dates import Precision
from stories.models import DataPointQuerySet, Qualifier
from tests import factories

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def figure_url(story, series, suffix="/"):
    return f"/stories/{story.slug}/figures/{series.slug}{suffix}"


def embed_url(story, series):
    return f"/embed/stories/{story.slug}/figures/{series.slug}/"


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.fixture
def series(story):
    return factories.series(story, name="Test workforce", slug="workforce", unit="jobs")


# The figure page


def test_figure_page_shows_chart_summary_table_and_csv_link(client, story, series):
    factories.point(
        series,
        as_of=datetime.date(2024, 9, 23),
        as_of_precision=Precision.WEEK,
        value=750,
        qualifier=Qualifier.APPROXIMATE,
        source=factories.source(publication="The Test Gazette", url="https://example.test/j"),
    )

    response = client.get(figure_url(story, series))
    table = client.get(figure_url(story, series, "/table/"))

    assertContains(response, "<h1>" + story.title + "</h1>", html=True)
    assertContains(response, 'data-figure="chart-workforce-figure"')
    assertContains(response, '<script id="chart-workforce-figure" type="application/json">')
    assertContains(response, "Test workforce: about 750 jobs in the week of 23 September 2024")
    assertContains(response, "<summary>Data table and sources</summary>", html=True)
    assertContains(response, f'href="{figure_url(story, series, ".csv")}" download')
    # The table arrives when the reader opens it (or follows the link without JavaScript).
    assertContains(response, f'hx-get="{figure_url(story, series, "/table/")}"')
    assertContains(table, '<time datetime="2024-W39">week of 23 September 2024</time>')
    assertContains(table, '<a href="https://example.test/j" rel="noopener">The Test Gazette')


def test_the_figure_json_on_the_page_is_the_built_figure(client, story, series):
    factories.point(series, value=750, low=700, high=800)

    response = client.get(figure_url(story, series))

    figure = response.context["chart"].figure
    html = response.content.decode()
    start = html.index('<script id="chart-workforce-figure" type="application/json">')
    payload = html[html.index(">", start) + 1 : html.index("</script>", start)]
    assert json.loads(payload) == figure
    assert figure["data"][0]["y"] == [750.0]


def test_figure_page_loads_plotly_from_our_static_files_only_through_charts_js(
    client, story, series
):
    factories.point(series)

    response = client.get(figure_url(story, series))

    # charts.js loads plotly.js when a chart is about to be seen; no page waits for it.
    assertContains(response, 'src="/static/js/charts.js" defer')
    assertContains(response, 'data-plotly="/static/vendor/plotly/plotly-basic.min.js"')
    assertNotContains(response, 'src="/static/vendor/plotly/plotly-basic.min.js"')
    assertContains(response, 'id="plotly.js-style-global" class="no-inline-styles"')
    assertNotContains(response, "cdn.plot.ly")


def test_figure_page_offers_the_embed_code(client, story, series):
    response = client.get(figure_url(story, series))

    assertContains(
        response,
        f'&lt;iframe src="http://testserver{embed_url(story, series)}" '
        f'title="Test workforce: {story.title}"',
    )


def test_an_empty_series_says_so_and_draws_no_chart(client, story):
    empty = factories.series(story, name="Test order book", slug="order-book")

    response = client.get(figure_url(story, empty))

    assertContains(response, "Test order book: no figure has been published yet.")
    assertNotContains(response, "data-figure=")
    assertNotContains(response, "Data table and sources")


def test_draft_points_are_not_on_the_figure_page(client, story, series):
    factories.point(series, as_of=datetime.date(2024, 1, 1), value=111)
    factories.point(series, as_of=datetime.date(2024, 2, 1), value=999, status="draft")

    response = client.get(figure_url(story, series))
    table = client.get(figure_url(story, series, "/table/"))

    assertContains(table, '<td class="chart-value" data-label="Value">111</td>', html=True)
    assertNotContains(response, "999")
    assertNotContains(table, "999")


def test_an_htmx_request_gets_the_chart_block_only(client, story, series):
    factories.point(series)

    response = client.get(figure_url(story, series), headers=HTMX)

    html = response.content.decode()
    assert html.lstrip().startswith('<section class="chart" id="chart-workforce"')
    assert "<html" not in html
    assert response["Vary"] == "HX-Request, HX-History-Restore-Request"


def test_the_chart_block_refreshes_itself_when_the_story_changes(client, story, series):
    response = client.get(figure_url(story, series), headers=HTMX)

    assertContains(response, f'hx-get="{figure_url(story, series)}"')
    assertContains(response, 'hx-trigger="story-changed from:body"')
    assertContains(response, 'hx-swap="outerHTML"')


def test_stored_markup_in_a_series_is_shown_as_text(client, story):
    hostile = factories.series(story, slug="hostile", name="<script>alert(1)</script>")
    factories.point(hostile, note="</script><script>alert(2)</script>")

    response = client.get(figure_url(story, hostile))

    assertNotContains(response, "<script>alert")
    assertContains(response, "&lt;script&gt;alert(1)&lt;/script&gt;")


@pytest.mark.parametrize(
    "path",
    [
        "/stories/no-such-story/figures/workforce/",
        "/stories/{story}/figures/no-such-series/",
        "/stories/{story}/figures/no-such-series.csv",
        "/embed/stories/{story}/figures/no-such-series/",
        "/embed/stories/no-such-story/figures/workforce/",
        "/stories/{story}/figures/bad%20slug/",
    ],
)
def test_unknown_stories_and_series_are_not_found(client, story, series, path):
    assert client.get(path.format(story=story.slug)).status_code == 404


def test_a_series_of_another_story_is_not_found_under_this_one(client, story):
    other = factories.series(factories.story(), slug="elsewhere")

    assert client.get(figure_url(story, other)).status_code == 404


@pytest.mark.parametrize("suffix", ["/", ".csv"])
def test_figures_of_a_draft_story_are_not_found(client, suffix):
    draft = factories.story(status="draft")
    series = factories.series(draft, slug="workforce")
    factories.point(series)

    assert client.get(figure_url(draft, series, suffix)).status_code == 404
    assert client.get(embed_url(draft, series)).status_code == 404


def test_figure_pages_refuse_posts(client, story, series):
    assert client.post(figure_url(story, series)).status_code == 405
    assert client.post(figure_url(story, series, ".csv")).status_code == 405
    assert client.post(embed_url(story, series)).status_code == 405


def test_the_figure_page_takes_a_constant_number_of_queries(
    client, story, series, django_assert_max_num_queries
):
    for day in range(1, 11):
        factories.point(series, as_of=datetime.date(2024, 1, day))

    for part in ["/", "/table/"]:
        with django_assert_max_num_queries(5):
            response = client.get(figure_url(story, series, part))
        assert response.status_code == 200


def test_every_address_of_a_chart_takes_as_many_queries_for_many_points_as_for_one(
    client, story, series
):
    """The chart page, its table, its CSV and its embed: no query per point, of any kind."""
    addresses = [
        figure_url(story, series),
        figure_url(story, series, "/table/"),
        figure_url(story, series, ".csv"),
        embed_url(story, series),
    ]

    def queries(address):
        for each in caches.all():
            each.clear()  # each answer rendered, not read back
        with CaptureQueriesContext(connection) as captured:
            assert client.get(address).status_code == 200
        return len(captured)

    factories.point(series, as_of=datetime.date(2024, 1, 1))
    with_one = [queries(address) for address in addresses]
    for day in range(2, 21):
        factories.point(series, as_of=datetime.date(2024, 1, day), source=factories.source())
    assert [queries(address) for address in addresses] == with_one


def test_a_chart_reads_only_the_fields_its_points_were_read_with(
    client, story, series, monkeypatch
):
    """DataPoint.objects.for_chart leaves fields unread: no address of a chart may want one."""
    read_for_chart = DataPointQuerySet.for_chart

    def reading_nothing_more(points):
        return read_for_chart(points).fetch_mode(FETCH_RAISE)

    monkeypatch.setattr(DataPointQuerySet, "for_chart", reading_nothing_more)
    for day, qualifier in [(1, Qualifier.EXACT), (2, Qualifier.APPROXIMATE)]:
        factories.point(
            series,
            as_of=datetime.date(2024, 1, day),
            qualifier=qualifier,
            low=90,
            high=110,
            note="A test note.",
        )
    factories.point(
        series,
        as_of=datetime.date(2024, 2, 1),
        as_of_precision=Precision.MONTH,
        value=120,
        corrected_at=timezone.now(),
        correction_note="A test correction.",
    )

    for address in [
        figure_url(story, series),
        figure_url(story, series, "/table/"),
        figure_url(story, series, ".csv"),
        embed_url(story, series),
    ]:
        assert client.get(address).status_code == 200, address
        assert client.get(address, headers=HTMX).status_code == 200, address


# The CSV


def test_the_table_and_csv_keep_both_figures_sources_give_for_one_date(client, story, series):
    for publication, value in [("Test Wire", 700), ("Test TV", 750)]:
        source = factories.source(publication=publication)
        factories.point(series, as_of=datetime.date(2024, 12, 6), value=value, source=source)

    page = client.get(figure_url(story, series))
    table = client.get(figure_url(story, series, "/table/"))
    header, *rows = csv_rows(client.get(figure_url(story, series, ".csv")))

    assertContains(table, "Sources differ on this date: 700–750 jobs.", count=2)
    assertContains(page, "a grey bar joins them")
    column = header.index("sources_differ_on_date")
    assert [row[column] for row in rows] == ["yes: 700 or 750"] * 2
    assert [row[header.index("source_publication")] for row in rows] == ["Test Wire", "Test TV"]


def test_csv_has_a_row_per_published_point_with_its_source(client, story, series):
    source = factories.source(
        publication="The Test Gazette",
        headline="Test jobs story",
        url="https://example.test/jobs",
        published_on=datetime.date(2024, 9, 27),
    )
    factories.point(
        series,
        as_of=datetime.date(2024, 3, 1),
        as_of_precision=Precision.MONTH,
        value=750,
        low=700,
        high=800,
        qualifier=Qualifier.APPROXIMATE,
        source=source,
        note="Test note",
    )
    factories.point(series, as_of=datetime.date(2024, 4, 1), value=1, status="draft")

    response = client.get(figure_url(story, series, ".csv"))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (f'attachment; filename="{story.slug}-workforce.csv"')
    header, *rows = csv_rows(response)
    assert dict(zip(header, rows[0], strict=True)) == {
        "series": "Test workforce",
        "series_slug": "workforce",
        "unit": "jobs",
        "date": "2024-03",
        "date_precision": "month",
        "date_text": "March 2024",
        "value": "750.00",
        "low": "700.00",
        "high": "800.00",
        "qualifier": "Approximate",
        "sources_differ_on_date": "",
        "note": "Test note",
        "permalink": f"http://testserver/stories/{story.slug}/figures/workforce/",
        "source_publication": "The Test Gazette",
        "source_headline": "Test jobs story",
        "source_url": "https://example.test/jobs",
        "source_published": "2024-09-27",
        "source_published_precision": "day",
        "period_start": "2024-03-01",
        "period_end": "2024-03-31",
    }
    assert len(rows) == 1


def test_csv_of_an_empty_series_is_just_the_header(client, story, series):
    rows = csv_rows(client.get(figure_url(story, series, ".csv")))

    assert rows[0][:3] == ["series", "series_slug", "unit"]
    assert len(rows) == 1


@pytest.mark.parametrize(
    "note", ['=HYPERLINK("https://evil.test")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
)
def test_csv_defuses_spreadsheet_formulas(client, story, series, note):
    factories.point(series, note=note)

    header, row = csv_rows(client.get(figure_url(story, series, ".csv")))

    assert row[header.index("note")] == "'" + note


def test_csv_leaves_ordinary_text_and_numbers_alone(client, story, series):
    factories.point(series, value=750, note="Reported as a 750-strong workforce.")

    header, row = csv_rows(client.get(figure_url(story, series, ".csv")))

    assert row[header.index("note")] == "Reported as a 750-strong workforce."
    assert row[header.index("value")] == "750.00"


# The embed page


def test_embed_page_may_be_framed_by_any_site(client, story, series):
    factories.point(series)

    response = client.get(embed_url(story, series))

    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert "frame-ancestors *" in response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in response["Content-Security-Policy"]


@pytest.mark.parametrize("suffix", ["/", ".csv"])
def test_other_pages_may_not_be_framed(client, story, series, suffix):
    response = client.get(figure_url(story, series, suffix))

    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_story_page_may_not_be_framed(client, story):
    response = client.get(story.get_absolute_url())

    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_embed_page_credits_sources_and_links_back_outside_the_frame(client, story, series):
    factories.point(series, source=factories.source(publication="The Test Gazette"))

    response = client.get(embed_url(story, series))

    assertContains(response, "Source: The Test Gazette.")
    assertContains(
        response,
        f'<a href="http://testserver{story.get_absolute_url()}" target="_blank" '
        f'rel="noopener">{story.title}</a>',
        html=True,
    )
    assertContains(response, 'data-figure="chart-workforce-figure"')
    assertNotContains(response, 'hx-trigger="story-changed')  # no live refresh in a frame
    assertNotContains(response, "site-header")


def test_the_hitachi_order_book_is_drawn_from_its_orders(client):
    call_command("load_story", "hitachi-newton-aycliffe")

    response = client.get("/stories/hitachi-newton-aycliffe/figures/order-book/")

    firm, options = response.context["chart"].figure["data"][:2]
    assert (firm["y"][-1], options["y"][-1]) == (23, 13)
    assertContains(response, "Order book: 23 trains on firm order (about £800m) and 13 trains")
    assertContains(response, "Each order, as reported, and its source")


def test_the_hitachi_workforce_keeps_every_figure_and_shows_where_they_differ(client):
    call_command("load_story", "hitachi-newton-aycliffe")

    response = client.get("/stories/hitachi-newton-aycliffe/figures/workforce/")

    bars, trace = response.context["chart"].figure["data"]
    assert trace["mode"] == "markers"
    assert set(trace["y"]) == {700.0, 750.0}
    assert bars["name"] == "Sources differ"
    assertContains(response, "sources differ on")
    assertContains(response, "Outside this chart’s dates:")


# What readers download

JAVASCRIPT_BUDGET = 450 * 1000  # bytes, gzipped: htmx, plotly.js and our own


def test_the_javascript_of_a_chart_page_stays_within_budget(client, story, series):
    factories.point(series)
    html = client.get(figure_url(story, series)).content.decode()
    # Every script the page loads, plotly.js (loaded by charts.js when needed) included.
    scripts = re.findall(r'<script src="/static/([^"]+)"', html)
    scripts += re.findall(r'data-plotly="/static/([^"]+)"', html)

    sizes = {path: len(gzip.compress(Path(finders.find(path)).read_bytes())) for path in scripts}

    assert "vendor/plotly/plotly-basic.min.js" in sizes
    assert sum(sizes.values()) < JAVASCRIPT_BUDGET, sizes


def test_the_story_page_names_every_chart_and_loads_the_chart_assets_once(client, story, series):
    factories.point(series)
    factories.series(story, name="Test order book", slug="order-book", position=9)

    html = client.get(story.get_absolute_url()).text

    assert html.count("plotly-basic.min.js") == 1
    assert 'data-plotly="/static/vendor/plotly/plotly-basic.min.js"' in html
    # Each chart block comes when the reader scrolls to it; without JavaScript, a link.
    for slug in ["workforce", "order-book"]:
        url = f"{story.get_absolute_url()}figures/{slug}/"
        assert f'<section class="chart" id="chart-{slug}"' in html
        assert f'hx-get="{url}" hx-trigger="revealed"' in html
        assert f'<a class="chart-plot-link" href="{url}">' in html
    assert 'data-figure="chart-workforce-figure"' not in html
    assert "no figure has been published yet" not in html
    order_book = client.get(f"{story.get_absolute_url()}figures/order-book/", headers=HTMX)
    assertContains(order_book, "Test order book: no figure has been published yet.")
