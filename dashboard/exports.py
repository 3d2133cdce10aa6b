"""
CSV downloads of a story's statements, events, figures and orders, each row with its source.

Spreadsheets run a cell that starts with = + - @ (or a tab or carriage return before one) as a
formula. Every text cell that starts with one of those gets a leading single quote, so a quote
such as "=HYPERLINK(...)" opens as text (OWASP's advice on CSV injection).
"""

import csv

from django.http import HttpResponse
from django.views.decorators.http import require_safe

from stories.models import DataPoint, NegotiationEvent, Order, Series, Statement, figures_by_date

from .reading import story_view

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

SOURCE_COLUMNS = [
    "source_publication",
    "source_headline",
    "source_url",
    "source_published",
    "source_published_precision",
]


def safe_cell(value):
    """A cell a spreadsheet will not run: text starting with a formula trigger gets a quote."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def source_cells(source):
    return [
        source.publication,
        source.headline,
        source.url,
        source.published_on.isoformat(),
        source.published_on_precision,
    ]


def csv_response(story, name, header, rows):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{story.slug}-{name}.csv"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return response


def absolute(request, path):
    return request.build_absolute_uri(path)


@require_safe
@story_view
def statements_csv(request, slug):
    story = request.story
    statements = Statement.objects.for_timeline(story)
    header = [
        "id",
        "date",
        "date_precision",
        "date_text",
        "speaker",
        "speaker_slug",
        "speaker_kind",
        "speaker_role",
        "method",
        "quote",
        "context",
        "event_id",
        "permalink",
        *SOURCE_COLUMNS,
    ]
    rows = (
        [
            statement.pk,
            statement.when.machine_readable,
            statement.said_on_precision,
            str(statement.when),
            statement.speaker.name,
            statement.speaker.slug,
            statement.speaker.kind,
            statement.speaker_role,
            statement.get_method_display(),
            statement.quote,
            statement.context,
            statement.published_event_id,
            absolute(request, statement.get_absolute_url()),
            *source_cells(statement.source),
        ]
        for statement in statements
    )
    return csv_response(story, "statements", header, rows)


@require_safe
@story_view
def events_csv(request, slug):
    story = request.story
    events = NegotiationEvent.objects.for_timeline(story)
    header = [
        "id",
        "date",
        "date_precision",
        "date_text",
        "kind",
        "title",
        "description",
        "place",
        "participants",
        "permalink",
        *SOURCE_COLUMNS,
    ]
    rows = (
        [
            event.pk,
            event.when.machine_readable,
            event.happened_on_precision,
            str(event.when),
            event.get_kind_display(),
            event.title,
            event.description,
            event.place,
            "; ".join(person.name for person in event.participants.all()),
            absolute(request, event.get_absolute_url()),
            *source_cells(event.source),
        ]
        for event in events
    )
    return csv_response(story, "events", header, rows)


FIGURE_HEADER = [
    "series",
    "series_slug",
    "unit",
    "date",
    "date_precision",
    "date_text",
    "value",
    "low",
    "high",
    "qualifier",
    "sources_differ_on_date",
    "note",
    "permalink",
    *SOURCE_COLUMNS,
]

ORDER_HEADER = [
    "id",
    "order_id",
    "development",
    "date",
    "date_precision",
    "date_text",
    "customer",
    "commitment",
    "trains",
    "cars",
    "value_gbp",
    "value_qualifier",
    "condition",
    "delivery",
    "note",
    "permalink",
    *SOURCE_COLUMNS,
]

PERIOD_HEADER = ["period_start", "period_end"]


def figure_cells(request, point, figures):
    """One figure's row; `figures` is everything published for its date, to say if they differ."""
    series = point.series
    return [
        series.name,
        series.slug,
        series.unit,
        point.when.machine_readable,
        point.as_of_precision,
        str(point.when),
        point.value,
        point.low,
        point.high,
        point.get_qualifier_display(),
        "yes: " + " or ".join(f"{value.normalize():f}" for value in figures.values)
        if figures.differs
        else "",
        point.note,
        absolute(request, series.get_absolute_url()),
        *source_cells(point.source),
    ]


def order_cells(request, order, book):
    """One order row's row; its permalink is its place in the order book's chart page."""
    return [
        order.pk,
        order.order.pk,
        order.get_development_display(),
        order.when.machine_readable,
        order.announced_on_precision,
        str(order.when),
        order.customer,
        order.get_commitment_display(),
        order.trains,
        order.cars,
        order.value,
        order.get_value_qualifier_display(),
        order.condition,
        order.delivery,
        order.note,
        absolute(request, order.url_in(book)),
        *source_cells(order.source),
    ]


def period_cells(first_day, when):
    return [first_day.isoformat(), when.last_day.isoformat()]


@require_safe
@story_view
def figures_csv(request, slug):
    story = request.story
    points = (
        DataPoint.objects.published()
        .filter(series__story=story)
        .select_related("series__story", "source")
        .order_by("series__position", "series__name", "as_of", "pk")
    )
    by_series = {}
    for point in points:
        by_series.setdefault(point.series, []).append(point)
    rows = (
        figure_cells(request, point, figures)
        for series_points in by_series.values()
        for figures in figures_by_date(series_points)
        for point in figures.points
    )
    return csv_response(story, "figures", FIGURE_HEADER, rows)


@require_safe
@story_view
def orders_csv(request, slug):
    """Every published order row, oldest first: new orders and what happened to them."""
    story = request.story
    book = Series.objects.published().filter(story=story, kind=Series.Kind.ORDER_BOOK).first()
    orders = Order.objects.for_story(story).select_related("story")
    rows = (order_cells(request, order, book) for order in orders)
    return csv_response(story, "orders", ORDER_HEADER, rows)


def chart_csv(request, chart):
    """
    A chart's own CSV: the story export's rows for its series (the order book's: its order
    rows), each with the first and last day of its date as `period_start` and `period_end`.
    """
    if chart.is_order_book:
        header = ORDER_HEADER + PERIOD_HEADER
        rows = (
            [*order_cells(request, row, chart.series), *period_cells(row.announced_on, row.when)]
            for row in chart.orders
        )
    else:
        header = FIGURE_HEADER + PERIOD_HEADER
        rows = (
            [*figure_cells(request, point, figures), *period_cells(point.as_of, point.when)]
            for figures in chart.dates
            for point in figures.points
        )
    return csv_response(chart.story, chart.series.slug, header, rows)
