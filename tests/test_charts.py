import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from dashboard import charts
from stories.dates import Precision
from stories.models import NegotiationEvent, Qualifier, Story
from tests import factories

HTMX = {"HX-Request": "true"}

pytestmark = pytest.mark.django_db


def only_chart(story):
    return charts.chart_for_series(story, story.series.get().slug)


def test_points_are_drawn_oldest_first_as_floats(story):
    series = factories.series(story)
    factories.point(series, as_of=datetime.date(2024, 9, 27), value=Decimal("720.50"))
    factories.point(series, as_of=datetime.date(2024, 1, 5), value=800)

    trace = only_chart(story).figure["data"][0]

    assert trace["x"] == ["2024-01-05", "2024-09-27"]
    assert trace["y"] == [800.0, 720.5]
    assert trace["mode"] == "lines+markers"


def test_the_figure_is_plain_json(story):
    series = factories.series(story)
    factories.point(series, value=Decimal("750"), low=Decimal("700"), high=Decimal("800"))

    figure = only_chart(story).figure

    assert json.loads(json.dumps(figure)) == figure


def test_drafts_are_not_drawn(story):
    series = factories.series(story)
    factories.point(series, as_of=datetime.date(2024, 1, 1), value=10)
    factories.point(series, as_of=datetime.date(2024, 2, 1), value=99, status="draft")

    chart = only_chart(story)

    assert chart.figure["data"][0]["y"] == [10.0]
    assert [p.value for p in chart.points] == [10]


def test_a_range_is_drawn_as_error_bars_around_the_value(story):
    series = factories.series(story)
    factories.point(
        series,
        value=750,
        low=700,
        high=820,
        qualifier=Qualifier.APPROXIMATE,
    )

    error = only_chart(story).figure["data"][0]["error_y"]

    assert error["array"] == [70.0]
    assert error["arrayminus"] == [50.0]
    assert error["symmetric"] is False


def test_points_without_a_range_get_no_error_bars(story):
    series = factories.series(story)
    factories.point(series, value=750)

    assert "error_y" not in only_chart(story).figure["data"][0]


def test_hover_shows_value_qualifier_date_and_source(story):
    series = factories.series(story, unit="jobs")
    source = factories.source(publication="The Test Gazette", headline="Test jobs news")
    factories.point(
        series,
        as_of=datetime.date(2024, 9, 23),
        as_of_precision=Precision.WEEK,
        value=750,
        qualifier=Qualifier.APPROXIMATE,
        source=source,
    )

    trace = only_chart(story).figure["data"][0]

    assert trace["customdata"] == [
        [
            "week of 23 September 2024",
            "Approximate",
            "The Test Gazette: Test jobs news",
            "no range given",
            "",
        ]
    ]
    assert "%{y:,} jobs" in trace["hovertemplate"]
    assert "Source: %{customdata[2]}" in trace["hovertemplate"]


def test_markup_in_labels_is_shown_as_text(story):
    series = factories.series(story)
    source = factories.source(publication="<b>Test</b> Gazette")
    factories.point(series, source=source)

    customdata = only_chart(story).figure["data"][0]["customdata"][0]

    assert customdata[2].startswith("&lt;b&gt;Test&lt;/b&gt; Gazette")


def test_a_month_precise_point_sits_mid_month(story):
    series = factories.series(story)
    factories.point(series, as_of=datetime.date(2024, 3, 1), as_of_precision=Precision.MONTH)

    assert only_chart(story).figure["data"][0]["x"] == ["2024-03-16"]


def test_the_qualifier_sets_the_marker_shape(story):
    series = factories.series(story)
    factories.point(series, as_of=datetime.date(2024, 1, 1), qualifier=Qualifier.EXACT)
    factories.point(series, as_of=datetime.date(2024, 2, 1), qualifier=Qualifier.AT_LEAST)

    marker = only_chart(story).figure["data"][0]["marker"]

    assert marker["symbol"] == ["circle", "triangle-up"]


def test_a_single_point_is_a_labelled_marker(story):
    series = factories.series(story, unit="jobs")
    factories.point(series, value=750, qualifier=Qualifier.APPROXIMATE)

    trace = only_chart(story).figure["data"][0]

    assert trace["mode"] == "markers+text"
    assert trace["text"] == ["about 750 jobs"]


def test_a_milestone_years_before_the_figures_is_named_off_the_chart_not_drawn(story):
    series = factories.series(story)
    factories.point(series, as_of=datetime.date(2024, 9, 27))
    factories.point(series, as_of=datetime.date(2025, 4, 3))
    opening = factories.event(
        story,
        title="Test factory opens",
        kind=NegotiationEvent.Kind.MILESTONE,
        happened_on=datetime.date(2015, 1, 1),
        happened_on_precision=Precision.YEAR,
    )

    chart = only_chart(story)

    assert "annotations" not in chart.figure["layout"]  # no ten empty years on the axis
    assert chart.off_axis == [opening]


def test_the_chart_page_names_milestones_outside_its_dates(client, story):
    series = factories.series(story)
    factories.point(series, as_of=datetime.date(2024, 9, 27))
    factories.event(
        story,
        title="Test factory opens",
        kind=NegotiationEvent.Kind.MILESTONE,
        happened_on=datetime.date(2015, 1, 1),
        happened_on_precision=Precision.YEAR,
    )

    response = client.get(f"/stories/{story.slug}/figures/{series.slug}/")

    assert (
        "Outside this chart’s dates:\n    Test factory opens "
        '(<time datetime="2015">2015</time>).' in response.text
    )


def test_a_lone_single_point_is_labelled_above(story):
    series = factories.series(story)
    factories.point(series)

    assert only_chart(story).figure["data"][0]["textposition"] == "top center"


def test_an_empty_series_draws_nothing_and_says_so(story):
    factories.series(story, name="Order book")

    chart = only_chart(story)

    assert chart.figure is None
    assert chart.summary == "Order book: no figure has been published yet."


def test_milestones_within_the_figures_dates_are_marked_on_the_axis_with_their_titles(story):
    series = factories.series(story)
    factories.point(series, as_of=datetime.date(2024, 1, 1))
    factories.point(series, as_of=datetime.date(2024, 12, 1))
    factories.event(
        story,
        title="Test factory opens",
        kind=NegotiationEvent.Kind.MILESTONE,
        happened_on=datetime.date(2024, 9, 3),
    )
    factories.event(story, title="Test meeting", kind=NegotiationEvent.Kind.MEETING)
    factories.event(
        story,
        title="Test draft milestone",
        kind=NegotiationEvent.Kind.MILESTONE,
        status="draft",
    )

    layout = only_chart(story).figure["layout"]

    assert [a["text"] for a in layout["annotations"]] == ["Test factory opens"]
    assert layout["annotations"][0]["x"] == "2024-09-03"
    assert [(s["x0"], s["yref"]) for s in layout["shapes"]] == [("2024-09-03", "paper")]


def test_milestone_titles_stand_upright_along_their_lines_and_long_ones_are_shortened(story):
    series = factories.series(story)
    factories.point(series, as_of=datetime.date(2024, 1, 1))
    factories.point(series, as_of=datetime.date(2024, 12, 1))
    for month, title in [(10, "Test early milestone"), (11, "Test late milestone " + "x" * 40)]:
        factories.event(
            story,
            title=title,
            kind=NegotiationEvent.Kind.DEADLINE,
            happened_on=datetime.date(2024, month, 1),
        )

    early, late = only_chart(story).figure["layout"]["annotations"]

    # Upright, milestones a few weeks apart never run into each other, even on a phone.
    assert (early["textangle"], late["textangle"]) == (-90, -90)
    assert (early["xanchor"], early["yanchor"], early["y"]) == ("right", "bottom", 0)
    assert late["text"] == "Test late milestone " + "x" * 21 + "…"
    assert late["hovertext"].startswith(
        "Test late milestone xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    )


def test_summary_of_a_single_point_names_value_qualifier_and_date(story):
    series = factories.series(story, name="Workforce", unit="jobs")
    factories.point(
        series,
        as_of=datetime.date(2024, 9, 23),
        as_of_precision=Precision.WEEK,
        value=750,
        qualifier=Qualifier.APPROXIMATE,
    )

    assert only_chart(story).summary == (
        "Workforce: about 750 jobs in the week of 23 September 2024, "
        "the only figure published so far."
    )


def test_summary_of_several_points_says_how_the_figure_moved(story):
    series = factories.series(story, name="Workforce", unit="jobs")
    factories.point(series, as_of=datetime.date(2023, 1, 1), value=1000)
    factories.point(series, as_of=datetime.date(2023, 6, 1), value=900)
    factories.point(
        series,
        as_of=datetime.date(2024, 3, 1),
        as_of_precision=Precision.MONTH,
        value=750,
        low=700,
        high=800,
        qualifier=Qualifier.ESTIMATE,
    )

    assert only_chart(story).summary == (
        "Workforce went from 1,000 jobs on 1 January 2023 to between 700 and 800 jobs "
        "(an estimated 750) in March 2024 (down about 250), over 3 published figures."
    )


def test_the_story_page_places_its_charts_in_series_position_order(client, story):
    factories.series(story, name="Second", slug="second", position=2)
    factories.series(story, name="First", slug="first", position=1)

    html = client.get(story.get_absolute_url()).text

    assert 0 < html.index('id="chart-first"') < html.index('id="chart-second"')


@pytest.mark.parametrize("days", [3, 60])
def test_a_chart_takes_the_same_number_of_queries_however_long_its_series(
    story, days, django_assert_max_num_queries
):
    series = factories.series(story)
    for day in range(days):
        factories.point(series, as_of=datetime.date(2024, 1, 1) + datetime.timedelta(days=day))
    factories.event(story, kind=NegotiationEvent.Kind.MILESTONE)

    with django_assert_max_num_queries(3):
        chart = charts.chart_for_series(story, series.slug)
        assert len(chart.figure["data"][0]["y"]) == days
        assert chart.summary
        assert chart.sources
        assert chart.url


def test_the_axis_marks_only_the_newest_milestones_so_titles_stay_readable(story):
    for day in range(1, charts.AXIS_EVENTS_MAX + 4):
        factories.event(
            story,
            title=f"Test milestone {day}",
            kind=NegotiationEvent.Kind.MILESTONE,
            happened_on=datetime.date(2024, 1, day),
        )

    titles = [event.title for event in charts.axis_events(story)]

    assert len(titles) == charts.AXIS_EVENTS_MAX
    assert titles[-1] == f"Test milestone {charts.AXIS_EVENTS_MAX + 3}"
    assert "Test milestone 1" not in titles


def test_a_new_point_is_drawn_at_once(story):
    series = factories.series(story)
    factories.point(series, as_of=datetime.date(2024, 3, 1), value=800)
    assert charts.chart_for_series(story, series.slug).figure["data"][0]["y"] == [800]

    factories.point(series, as_of=datetime.date(2024, 9, 1), value=750)

    assert charts.chart_for_series(story, series.slug).figure["data"][0]["y"] == [800, 750]


# Several figures for one date


def differing_workforce(story):
    series = factories.series(story, name="Workforce", unit="jobs")
    day = datetime.date(2024, 12, 6)
    factories.point(series, as_of=datetime.date(2024, 10, 23), value=750)
    for publication, value in [("Test Wire", 700), ("Test TV", 750), ("Test Radio", 750)]:
        factories.point(
            series, as_of=day, value=value, source=factories.source(publication=publication)
        )
    return series


def test_figures_that_differ_on_a_date_are_all_drawn_joined_by_a_bar(story):
    differing_workforce(story)

    bars, trace = only_chart(story).figure["data"]

    assert trace["mode"] == "markers"  # no line swinging between the sources
    assert trace["y"] == [750.0, 700.0, 750.0]
    assert bars["name"] == "Sources differ"
    assert bars["y"] == [700.0, 750.0, None]
    assert bars["hoverinfo"] == "skip"


def test_the_hover_of_a_differing_figure_names_every_source_that_gave_it(story):
    differing_workforce(story)

    customdata = only_chart(story).figure["data"][1]["customdata"]

    assert customdata[2][2].startswith("Test TV") and "Test Radio" in customdata[2][2]
    assert "Test Wire" not in customdata[2][2]
    assert customdata[1][4] == "<br>Sources differ on this date: 700 or 750 jobs"
    assert customdata[0][4] == ""


def test_the_summary_says_the_sources_differ_and_names_them(story):
    differing_workforce(story)

    summary = only_chart(story).summary

    assert summary.startswith(
        "Workforce: 4 published figures from 23 October 2024 to 6 December 2024 give between "
        "700 and 750 jobs, and sources differ on 1 date, most recently on 6 December 2024: "
        "700 (Test Wire"
    )
    assert "or 750 (Test TV" in summary and "Test Radio" in summary
    assert summary.endswith("The latest: 700 or 750 jobs on 6 December 2024.")


# The order book, drawn from orders


def order_book(story, **fields):
    return factories.series(
        story, name="Order book", slug="order-book", unit="trains", kind="order_book", **fields
    )


def test_only_the_order_book_lists_orders_beside_a_storys_other_charts(client, story):
    workforce = factories.series(story, name="Test workforce", slug="test-workforce")
    factories.point(workforce, value=700)
    order_book(story)
    factories.order(story, customer="Test Open Access")

    book = client.get(charts.chart_for_series(story, "order-book").url, headers=HTMX)
    chart = client.get(workforce.get_absolute_url(), headers=HTMX)

    assert [o.customer for o in charts.chart_for_series(story, "order-book").orders] == [
        "Test Open Access"
    ]
    assert charts.chart_for_series(story, "test-workforce").orders == []
    assertContains(book, "Each order, as reported, and its source", count=1)
    assertNotContains(book, "Data table and sources")
    assertContains(chart, "Data table and sources", count=1)
    assertNotContains(chart, "Each order, as reported")


def test_the_order_book_is_drawn_from_orders_as_stacked_steps_with_values_below(story):
    order_book(story)
    factories.order(story, customer="Test Open Access", trains=14, value=500_000_000)
    option = factories.order(
        story, customer="Test Open Access", trains=13, value=460_000_000, commitment="option"
    )
    factories.order(
        story,
        development="account",
        changes=option,
        trains=13,
        value=500_000_000,
        commitment="option",
        announced_on=datetime.date(2024, 12, 9),
        source=factories.source(publication="Test Newswire"),
    )
    factories.order(story, customer="Test Arriva", trains=9, announced_on=datetime.date(2025, 4, 3))

    figure = only_chart(story).figure
    firm, options, reports, firm_value, option_value, option_highest = figure["data"]

    assert (firm["name"], options["name"]) == ("Firm orders", "Options")
    assert firm["line"]["shape"] == "hv" and firm["stackgroup"] == options["stackgroup"]
    assert firm["y"] == [14, 14, 23, 23]  # held to the end of the last report's day
    assert options["y"] == [13, 13, 13, 13]
    assert reports["y"] == [27, 27, 36]
    assert "Test Newswire" in reports["customdata"][1][1]
    assert firm_value["y"] == [500.0, 500.0, 600.0, 600.0]
    assert option_value["y"][:2] == [460.0, 460.0]
    assert option_highest["y"][:2] == [460.0, 500.0]  # £460m or £500m: both kept, as a band
    assert option_highest["fill"] == "tonexty"
    assert option_value["customdata"][1] == "Options: £460m or £500m: sources differ"
    assert (
        figure["layout"]["yaxis2"]["title"]["text"],
        figure["layout"]["yaxis2"]["tickprefix"],
    ) == (
        "value",
        "£",
    )


def test_the_order_book_summary_says_what_it_holds_and_what_changed(story):
    order_book(story)
    option = factories.order(story, customer="Test Open Access", trains=13, commitment="option")
    factories.order(
        story, customer="Test Arriva", trains=9, value=None, announced_on=datetime.date(2025, 4, 3)
    )
    factories.order(
        story,
        development="update",
        changes=option,
        customer="Test Open Access",
        trains=8,
        cars=None,
        value=None,
        commitment="conditional",
        announced_on=datetime.date(2025, 10, 28),
        source=factories.source(publication="Test Railnews"),
    )

    assert only_chart(story).summary == (
        "Order book: 9 trains on firm order and 13 trains on option (£100m) after 2 orders "
        "reported: 13 trains on option for Test Open Access on 6 December 2024; 9 trains on "
        "firm order for Test Arriva on 3 April 2025. Latest, on 28 October 2025: update on "
        "Test Open Access’s order of 6 December 2024 (Test Railnews)."
    )


def test_an_order_book_without_orders_draws_nothing_and_says_so(story):
    order_book(story)
    factories.order(story, status="draft")

    chart = only_chart(story)

    assert chart.figure is None
    assert chart.summary == "Order book: no order has been published yet."


def test_the_order_book_csv_has_every_order_row_with_its_source(client, story):
    series = order_book(story)
    order = factories.order(story, value_qualifier="approximate", delivery="Test: from 2027")

    response = client.get(f"/stories/{story.slug}/figures/{series.slug}.csv")

    header, row = list(csv.reader(io.StringIO(response.content.decode())))
    record = dict(zip(header, row, strict=True))
    assert record["development"] == "New order"
    assert (record["trains"], record["cars"], record["value_gbp"]) == ("10", "50", "100000000")
    assert record["value_qualifier"] == "Approximate"
    assert record["delivery"] == "Test: from 2027"
    assert record["source_url"] == order.source.url


# Every figure we emit is a valid Plotly figure. The site builds them as plain dicts (plotly.py's
# validating objects cost tens of milliseconds a chart), so plotly's own schema checks them here.


def plotly_accepts(figure):
    """Whether plotly.py's validating Figure takes the figure as it is (it raises otherwise)."""
    import plotly.graph_objects as go

    go.Figure({"data": figure["data"], "layout": figure["layout"]})
    return True


def test_the_plotly_schema_refuses_what_plotly_js_would_not_draw():
    with pytest.raises(ValueError):
        plotly_accepts({"data": [{"type": "scatter", "colour": "red"}], "layout": {}})


def test_every_figure_of_the_hitachi_story_is_valid_plotly(story):
    from django.core.management import call_command

    call_command("load_story", "hitachi-newton-aycliffe", verbosity=0)
    hitachi = Story.objects.get(slug="hitachi-newton-aycliffe")

    figures = [
        charts.chart_for_series(hitachi, series.slug).figure
        for series in hitachi.series.published()
    ]

    assert len([figure for figure in figures if figure]) >= 2  # workforce and the order book
    assert all(plotly_accepts(figure) for figure in figures if figure)


@pytest.mark.parametrize(
    "make_points",
    [
        pytest.param(lambda series: [factories.point(series)], id="one point"),
        pytest.param(
            lambda series: [
                factories.point(
                    series,
                    as_of=datetime.date(2024, 3, 1),
                    low=700,
                    value=750,
                    high=800,
                    qualifier=Qualifier.APPROXIMATE,
                ),
                factories.point(series, as_of=datetime.date(2024, 9, 1), value=700),
            ],
            id="a range",
        ),
        pytest.param(
            lambda series: [
                factories.point(series, as_of=datetime.date(2024, 9, 1), value=700),
                factories.point(series, as_of=datetime.date(2024, 9, 1), value=750),
                factories.point(series, as_of=datetime.date(2024, 12, 1), value=750),
            ],
            id="sources that differ",
        ),
    ],
)
def test_every_kind_of_figure_is_valid_plotly(story, make_points):
    series = factories.series(story, unit="jobs<b>")
    make_points(series)
    factories.event(
        story,
        kind=NegotiationEvent.Kind.MILESTONE,
        title="Test <i>milestone</i>",
        happened_on=datetime.date(2024, 9, 1),
    )
    story.refresh_from_db()

    chart = only_chart(story)

    assert plotly_accepts(chart.figure)
