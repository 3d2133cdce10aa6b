"""Charts drawn by plotly.js in Debian's Chromium, under the site's real CSP."""

import datetime
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.management import call_command
from playwright.sync_api import expect
from pytest_playwright_axe import OPTIONS_WCAG_22AA, Axe

from stories.dates import Precision
from stories.models import Qualifier
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Records every CSP violation on the page, before any of the page's own scripts run.
WATCH_CSP = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.fixture
def watched(page):
    """The page, with its console errors and CSP violations collected."""
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(WATCH_CSP)
    # The site has no favicon yet; its 404 is not what these tests are about.
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    page.errors = errors
    return page


def problems(page):
    return page.errors + page.evaluate("window.cspViolations")


@pytest.fixture
def three_points():
    story = factories.story()
    series = factories.series(story, name="Test workforce", slug="workforce", unit="jobs")
    factories.point(series, as_of=datetime.date(2023, 1, 9), value=1200)
    factories.point(
        series,
        as_of=datetime.date(2023, 6, 1),
        as_of_precision=Precision.MONTH,
        value=Decimal("950"),
        low=900,
        high=1000,
        qualifier=Qualifier.APPROXIMATE,
    )
    factories.point(series, as_of=datetime.date(2024, 9, 23), value=750)
    return story, series


def plotted(page, selector=".chart-plot"):
    """What plotly.js drew: the y values and hover dates of the first trace."""
    return page.locator(selector).evaluate(
        "plot => ({y: plot.data[0].y, dates: plot.data[0].customdata.map(c => c[0])})"
    )


def test_the_hitachi_workforce_chart_draws_under_the_sites_csp(live_server, watched):
    call_command("load_story", "hitachi-newton-aycliffe")

    watched.goto(live_server.url + "/stories/hitachi-newton-aycliffe/figures/workforce/")

    expect(watched.locator("#chart-workforce svg.main-svg").first).to_be_visible()
    milestone = watched.locator("#chart-workforce .annotation", has_text="No Hitachi deal")
    box = milestone.bounding_box()
    watched.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(watched.locator(".hoverlayer")).to_contain_text(
        "No Hitachi deal in the Budget (30 October 2024)"
    )
    # The 2015 opening is named beside the chart, not drawn years before its figures.
    expect(watched.locator("#chart-workforce .annotation", has_text="opens")).to_have_count(0)
    expect(watched.locator(".chart-off-axis")).to_contain_text("factory opens (2015)")
    assert problems(watched) == []


def test_the_hitachi_order_book_draws_under_the_sites_csp(live_server, watched):
    call_command("load_story", "hitachi-newton-aycliffe")

    watched.goto(live_server.url + "/stories/hitachi-newton-aycliffe/figures/order-book/")

    expect(watched.locator("#chart-order-book svg.main-svg").first).to_be_visible()
    expect(watched.locator("#chart-order-book .legend")).to_contain_text("Firm orders")
    expect(watched.locator("#chart-order-book .legend")).to_contain_text("Options")
    assert (
        watched.locator("#chart-order-book .chart-plot").evaluate(
            "plot => plot.data[0].y[plot.data[0].y.length - 1]"
        )
        == 23
    )
    assert problems(watched) == []


def test_the_data_table_matches_the_drawn_chart(live_server, watched, three_points):
    story, series = three_points

    watched.goto(f"{live_server.url}/stories/{story.slug}/figures/workforce/")
    expect(watched.locator("svg.main-svg").first).to_be_visible()
    watched.get_by_text("Data table and sources").click()

    rows = watched.locator(".chart-table tbody tr")
    expect(rows).to_have_count(3)
    table = {
        "y": [float(v.replace(",", "")) for v in rows.locator(".chart-value").all_inner_texts()],
        "dates": rows.locator("th").all_inner_texts(),
    }
    assert table == plotted(watched)
    assert table == {
        "y": [1200.0, 950.0, 750.0],
        "dates": ["9 January 2023", "June 2023", "23 September 2024"],
    }
    expect(rows.nth(1)).to_contain_text("Approximate")
    expect(rows.nth(1)).to_contain_text("900–1,000")
    assert problems(watched) == []


def test_hovering_a_point_shows_value_qualifier_date_and_source(live_server, watched, three_points):
    story, _ = three_points
    watched.goto(f"{live_server.url}/stories/{story.slug}/figures/workforce/")
    point = watched.locator(".scatterlayer .point").nth(1)
    expect(point).to_be_visible()

    # plotly.js listens on a drag layer above the points: move the mouse, as a reader does.
    box = point.bounding_box()
    watched.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

    hover = watched.locator(".hoverlayer .hovertext")
    expect(hover).to_contain_text("950 jobs")
    expect(hover).to_contain_text("Approximate")
    expect(hover).to_contain_text("June 2023")
    expect(hover).to_contain_text("Source: The Test Gazette")
    assert problems(watched) == []


def test_the_chart_redraws_when_the_story_changes(live_server, watched, three_points):
    story, series = three_points
    watched.goto(f"{live_server.url}/stories/{story.slug}/figures/workforce/")
    expect(watched.locator("svg.main-svg").first).to_be_visible()
    # The dashboard's page loads htmx and its poll fires `story-changed` on the body;
    # here the test loads the same htmx and fires the event itself.
    watched.evaluate(
        """() => new Promise((loaded) => {
          const config = document.createElement("meta");
          config.name = "htmx-config";
          config.content =
            '{"allowEval":false,"includeIndicatorStyles":false,"historyCacheSize":0}';
          document.head.append(config);
          const script = document.createElement("script");
          script.src = "/static/django_htmx/htmx-2.min.js";
          script.onload = loaded;
          document.head.append(script);
        })"""
    )

    watched.get_by_text("Data table and sources").click()

    factories.point(series, as_of=datetime.date(2025, 1, 6), value=500)
    watched.evaluate("document.body.dispatchEvent(new CustomEvent('story-changed'))")

    expect(watched.locator(".chart-table tbody tr")).to_have_count(4)
    expect(watched.locator(".chart-table tbody tr").nth(3)).to_be_visible()
    expect(watched.locator(".chart-plot .scatterlayer .point")).to_have_count(4)
    assert plotted(watched)["y"] == [1200.0, 950.0, 750.0, 500.0]
    expect(watched.locator("svg.main-svg").first).to_be_visible()
    assert problems(watched) == []


@pytest.mark.parametrize(
    "path", ["/stories/{slug}/figures/workforce/", "/embed/stories/{slug}/figures/workforce/"]
)
def test_no_horizontal_scroll_at_360_pixels(live_server, watched, three_points, path):
    story, _ = three_points
    watched.set_viewport_size({"width": 360, "height": 740})

    watched.goto(live_server.url + path.format(slug=story.slug))
    expect(watched.locator("svg.main-svg").first).to_be_visible()
    watched.get_by_text("Data table and sources").click()
    if not path.startswith("/embed/"):
        watched.get_by_text("Embed this chart").click()

    assert watched.evaluate("document.documentElement.scrollWidth") <= 360
    assert watched.locator("svg.main-svg").first.bounding_box()["width"] <= 360


@pytest.fixture
def news_site():
    """Another site on the loopback (127.0.0.1, a different origin from the live server's
    localhost) serving one article; Chromium blocks framing loopback pages from elsewhere."""
    article = {"html": ""}

    class Article(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(article["html"].encode())

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Article)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield article, f"http://127.0.0.1:{server.server_port}/test-article"
    server.shutdown()
    server.server_close()


def test_another_site_can_frame_the_embed_but_not_the_figure_page(
    live_server, watched, three_points, news_site
):
    story, _ = three_points
    article, article_url = news_site
    embed = f"{live_server.url}/embed/stories/{story.slug}/figures/workforce/"
    figure = f"{live_server.url}/stories/{story.slug}/figures/workforce/"
    article["html"] = (
        "<!doctype html><title>Test article</title>"
        f'<iframe id="embed" src="{embed}" width="600" height="600"></iframe>'
        f'<iframe id="figure" src="{figure}" width="600" height="600"></iframe>'
    )

    watched.goto(article_url)

    embedded = watched.frame_locator("#embed")
    expect(embedded.locator("svg.main-svg").first).to_be_visible()
    expect(embedded.get_by_role("link", name=story.title)).to_have_attribute("target", "_blank")
    refused = watched.locator("#figure").element_handle().content_frame()
    expect(refused.locator("body")).to_be_attached()
    assert refused.url.startswith("chrome-error:")
    assert any("frame-ancestors 'none'" in error for error in watched.errors)


@pytest.mark.parametrize("width", [1280, 360])
def test_the_figure_page_has_no_serious_accessibility_violations(
    live_server, page, three_points, width, tmp_path
):
    story, _ = three_points
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/stories/{story.slug}/figures/workforce/")
    expect(page.locator("svg.main-svg").first).to_be_visible()
    page.get_by_text("Data table and sources").click()

    results = Axe(output_directory=tmp_path).run(
        page, options=OPTIONS_WCAG_22AA, html_report_generated=False, json_report_generated=False
    )

    assert results["passes"]
    assert [
        f"{v['id']}: {v['help']}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ] == []


def test_markup_in_a_unit_or_milestone_title_is_drawn_as_text_not_as_a_link(live_server, watched):
    story = factories.story()
    link = '<a href="https://evil.test/">x</a>'  # short enough for a whole axis title
    series = factories.series(story, slug="workforce", unit=f"jobs{link}")
    factories.point(series, value=750)
    # On the point's day, so the milestone is drawn on the chart, not named beside it.
    factories.event(
        story, kind="milestone", title=f"Test {link}", happened_on=datetime.date(2024, 9, 27)
    )

    watched.goto(f"{live_server.url}/embed/stories/{story.slug}/figures/workforce/")

    chart = watched.locator("#chart-workforce")
    expect(chart.locator(".textpoint")).to_have_text(f"750 jobs{link}")
    expect(chart.locator(".annotation")).to_have_text(f"Test {link}")
    assert chart.locator("svg a").count() == 0
    assert problems(watched) == []


# Lazy charts: the story page paints without plotly.js; a chart is drawn when it is reached.

PLOTLY = "vendor/plotly/plotly-basic.min.js"


def test_the_story_page_paints_first_then_draws_its_chart_and_opens_its_table_on_demand(
    live_server, watched, three_points
):
    story, series = three_points
    factories.statement(story, quote="Test quote in the timeline.")

    watched.goto(live_server.url + story.get_absolute_url())

    chart = watched.locator("#chart-workforce")
    expect(chart.locator("svg.main-svg").first).to_be_visible()
    # plotly.js was asked for only after the page had painted its text, timeline included.
    painted, plotly_requested = watched.evaluate(
        f"""() => [
          performance.getEntriesByName("first-contentful-paint")[0].startTime,
          performance.getEntriesByType("resource")
            .find((entry) => entry.name.includes("{PLOTLY}")).startTime,
        ]"""
    )
    assert plotly_requested > painted
    expect(watched.locator("#timeline")).to_contain_text("Test quote in the timeline.")
    assert chart.locator("table").count() == 0  # the table comes when the reader asks

    chart.locator("summary", has_text="Data table and sources").click()

    expect(chart.locator("table tbody tr")).to_have_count(3)
    assert problems(watched) == []


def test_a_chart_on_the_story_page_redraws_with_a_figure_published_just_after_it_loaded(
    live_server, watched, three_points, settings
):
    # The real poll, a second after the chart block came: the block asks for itself again.
    settings.TIMELINE_POLL_SECONDS = 1
    story, series = three_points
    watched.goto(live_server.url + story.get_absolute_url())
    chart = watched.locator("#chart-workforce")
    expect(chart.locator(".scatterlayer .point")).to_have_count(3)

    factories.point(series, as_of=datetime.date(2025, 1, 6), value=500)

    expect(chart.locator(".scatterlayer .point")).to_have_count(4, timeout=5000)
    assert plotted(watched, "#chart-workforce .chart-plot")["y"] == [1200.0, 950.0, 750.0, 500.0]
    assert problems(watched) == []


def test_a_page_without_a_chart_in_view_never_loads_plotly(live_server, watched, three_points):
    story, series = three_points
    requested = []
    watched.on("request", lambda request: requested.append(request.url))

    watched.goto(live_server.url + series.get_table_url())

    expect(watched.locator("table tbody tr")).to_have_count(3)
    watched.wait_for_load_state("networkidle")
    assert not [url for url in requested if PLOTLY in url]
    assert problems(watched) == []
