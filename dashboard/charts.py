"""
Charts of a story's figures, built on the server as Plotly figures (the dicts plotly.js draws).

Each series becomes a `Chart`: the Plotly figure as a plain JSON-able dict (drawn in the
browser by plotly.js through static/js/charts.js), a one-sentence summary for readers who
cannot see the chart, and the published points for the data table and the CSV. No HTML here.

Honesty rules: approximate values with a known range are drawn with error bars, the qualifier
("about", "at least"…) is in the hover, the marker shape, the table and the summary; dates keep
their precision; a series with no published figure draws nothing and says so. When sources give
different figures for one date, each is drawn with its sources, a bar joins them, and the
hover, the table and the summary say that they differ: never an average, never one picked.
"""

import html
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

import plotly.io as pio
from django.http import Http404

from stories.dates import Precision
from stories.models import DataPoint, NegotiationEvent, Order, Qualifier, Series, figures_by_date
from stories.money import money_range
from stories.orders import COMMITMENT_WORDS, COMMITMENTS, order_book

# Events that mark the time axis: the story's turning points, and dates it is working towards.
AXIS_EVENT_KINDS = [NegotiationEvent.Kind.MILESTONE, NegotiationEvent.Kind.DEADLINE]
# More titles than this cannot be read on one axis, and each one costs time to build.
AXIS_EVENTS_MAX = 12

# Marker shapes say the qualifier without colour: a filled circle is exact, an open one is
# approximate, a triangle points the way the true value may lie.
QUALIFIER_SYMBOLS = {
    Qualifier.EXACT: "circle",
    Qualifier.APPROXIMATE: "circle-open",
    Qualifier.AT_LEAST: "triangle-up",
    Qualifier.AT_MOST: "triangle-down",
    Qualifier.ESTIMATE: "diamond-open",
}

LINE_COLOUR = "#0b4f8a"
MARK_COLOUR = "#6b6b6b"
DIFFERS_COLOUR = "#b3b3b3"

# The order book's two panels, as fractions of the plot's height: trains above, value below.
TRAINS_DOMAIN = [0.42, 1]
VALUE_DOMAIN = [0, 0.3]

# The order book's commitments, firmest first: (label in the legend, line colour, fill).
COMMITMENT_STYLES = {
    Order.Commitment.FIRM: ("Firm orders", "#0b4f8a", "rgba(11, 79, 138, 0.55)"),
    Order.Commitment.OPTION: ("Options", "#5b8fbf", "rgba(91, 143, 191, 0.3)"),
    Order.Commitment.CONDITIONAL: ("Conditional", "#8a6d0b", "rgba(138, 109, 11, 0.25)"),
}


@dataclass
class Chart:
    """
    What a page needs to show one series: figure, summary, table rows and links. An order-book
    series is drawn from the story's published `orders` instead of its own points; any other
    series has none.
    """

    series: Series
    points: list[DataPoint]
    events: list[NegotiationEvent] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)

    @property
    def story(self):
        return self.series.story

    @property
    def is_order_book(self):
        return self.series.is_order_book

    @cached_property
    def figure(self):
        """
        The Plotly figure as a dict, or None when there is nothing to draw. Built from the
        points read with it (a few milliseconds for hundreds), never kept apart from the page
        that shows it: that page is kept under the story's version as a whole.
        """
        if self.is_order_book:
            return order_book_figure(self.series, self.book, self.on_axis)
        return figure(self.series, self.dates, self.on_axis)

    @cached_property
    def summary(self):
        if self.is_order_book:
            return order_book_summary(self.series, self.book)
        return summary(self.series, self.dates)

    @cached_property
    def dates(self):
        """The published figures grouped by date (stories.models.FiguresOnDate), oldest first."""
        return figures_by_date(self.points)

    @property
    def disagreements(self):
        """The dates on which sources give different figures, oldest first."""
        return [figures for figures in self.dates if figures.differs]

    @cached_property
    def book(self):
        """The order book after each date it changed (stories.orders.Step), oldest first."""
        return order_book(self.orders) if self.is_order_book else []

    @cached_property
    def span(self):
        """(first, last) day the chart's data covers, or None when it has none."""
        if self.is_order_book:
            whens = [step.when for step in self.book]
        else:
            whens = [figures.when for figures in self.dates]
        if not whens:
            return None
        return min(when.date for when in whens), max(when.last_day for when in whens)

    @cached_property
    def on_axis(self):
        """The milestones and deadlines within the data's time span, drawn on the chart."""
        if self.span is None:
            return []
        first, last = self.span
        return [event for event in self.events if within(event.when, first, last)]

    @property
    def off_axis(self):
        """
        Milestones outside the data's span, named beside the chart rather than stretching its
        time axis over years with nothing in them.
        """
        return [event for event in self.events if event not in self.on_axis]

    @property
    def dom_id(self):
        return self.series.dom_id

    @property
    def url(self):
        return self.series.get_absolute_url()

    @property
    def csv_url(self):
        return self.series.get_csv_url()

    @property
    def embed_url(self):
        return self.series.get_embed_url()

    @property
    def table_url(self):
        return self.series.get_table_url()

    @property
    def has_figure(self):
        """Whether there is anything to draw, known without building the figure."""
        return bool(self.book) if self.is_order_book else bool(self.points)

    @property
    def sources(self):
        """The distinct sources of the points (or orders), in order of first use."""
        seen = {}
        for row in self.orders if self.is_order_book else self.points:
            seen.setdefault(row.source_id, row.source)
        return list(seen.values())


def within(when, first, last):
    """Whether a date at its precision lies wholly within [first, last]."""
    return first <= when.date and when.last_day <= last


def axis_events(story):
    """The story's newest published milestones and deadlines (AXIS_EVENTS_MAX), oldest first."""
    newest = (
        NegotiationEvent.objects.published()
        .filter(story=story, kind__in=AXIS_EVENT_KINDS)
        .order_by("-happened_on", "-pk")[:AXIS_EVENTS_MAX]
    )
    return list(reversed(newest))


def published_orders(story, series):
    """The story's published orders when one of `series` is its order book; else none."""
    if any(each.is_order_book for each in series):
        return list(Order.objects.for_story(story))
    return []


def chart_for_series(story, series_slug):
    """The chart of one series of `story`; Http404 when the story has no such series."""
    series = Series.objects.published().filter(story=story, slug=series_slug).first()
    if series is None:
        raise Http404("This story has no such series.")
    series.story = story  # as the caller read it, in the same snapshot as the points
    points = list(series.points.for_chart())
    orders = published_orders(story, [series])
    return Chart(series, points, axis_events(story), orders)


def number(value):
    """A Decimal as readers write it: 750, 1,250 or 12.5, never 750.00."""
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():,f}"


def quantity(point, unit):
    """'about 750 jobs', 'between 700 and 800 jobs (about 750)'."""
    words = point.qualifier_words
    if point.low is not None and point.high is not None:
        return (
            f"between {number(point.low)} and {number(point.high)} {unit}"
            f" ({words}{number(point.value)})"
        )
    return f"{words}{number(point.value)} {unit}"


def on_date(when):
    """
    The date with the preposition it takes: 'on 27 September 2024', 'in March 2024',
    'at some time in July–September 2024'.
    """
    if when.precision == Precision.DAY:
        return f"on {when}"
    if when.precision == Precision.WEEK:
        return f"in the {when}"
    if when.is_period:
        return f"at some time in {when}"
    return f"in {when}"


def range_text(point):
    if point.low is None and point.high is None:
        return ""
    low = number(point.low) if point.low is not None else "?"
    high = number(point.high) if point.high is not None else "?"
    return f"{low}–{high}"


def source_text(source):
    if source.headline:
        return f"{source.publication}: {source.headline}"
    return source.publication


def sources_text(rows):
    """Each source of the rows once, with how many reports it names when several share it."""
    counts = {}
    for row in rows:
        text = source_text(row.source)
        counts[text] = counts.get(text, 0) + 1
    return "; ".join(text if n == 1 else f"{text} ({n} reports)" for text, n in counts.items())


def publications(rows):
    """The publications of the rows' sources, each once: "ITV News; The Northern Echo"."""
    return "; ".join(dict.fromkeys(short_publication(row.source) for row in rows))


def numbers(figures, unit, with_sources=False):
    """
    What the sources give for one date: "about 750 jobs", or, when they differ,
    "700 (The Independent) or 750 (ITV News) jobs".
    """
    givens = {}
    for point in figures.points:
        givens.setdefault((point.qualifier, point.value, point.low, point.high), []).append(point)
    if len(givens) == 1:
        [(point, *_)] = givens.values()
        text = quantity(point, unit)
        if with_sources:
            text += f" ({publications(figures.points)})"
        return text
    parts = []
    for (qualifier, value, _, _), points in sorted(givens.items(), key=lambda item: item[0][1]):
        part = f"{Qualifier(qualifier).words}{number(value)}"
        if with_sources:
            part += f" ({publications(points)})"
        parts.append(part)
    return f"{', '.join(parts[:-1])} or {parts[-1]} {unit}"


def summary(series, dates):
    """
    One sentence (two when sources differ) a reader can read instead of the chart. `dates`:
    the series' published figures by date, oldest first (stories.models.figures_by_date).
    """
    name = series.name
    unit = series.unit
    if not dates:
        return f"{name}: no figure has been published yet."
    points = [point for figures in dates for point in figures.points]
    differing = [figures for figures in dates if figures.differs]
    first, last = dates[0], dates[-1]
    if differing:
        lowest = min(point.value for point in points)
        highest = max(point.value for point in points)
        latest = differing[-1]
        return (
            f"{name}: {len(points)} published figures from {first.when} to {last.when} give "
            f"between {number(lowest)} and {number(highest)} {unit}, and sources differ on "
            f"{len(differing)} date{'s' if len(differing) > 1 else ''}, most recently "
            f"{on_date(latest.when)}: {numbers(latest, unit, with_sources=True)}. "
            f"The latest: {numbers(last, unit)} {on_date(last.when)}."
        )
    if len(points) == 1:
        return (
            f"{name}: {quantity(points[0], unit)} {on_date(first.when)}, "
            "the only figure published so far."
        )
    first_point, last_point = first.points[0], last.points[0]
    change = last_point.value - first_point.value
    approximate = any(p.qualifier != Qualifier.EXACT for p in (first_point, last_point))
    about = "about " if approximate else ""
    if change > 0:
        movement = f"up {about}{number(change)}"
    elif change < 0:
        movement = f"down {about}{number(-change)}"
    else:
        movement = "unchanged"
    return (
        f"{name} went from {quantity(first_point, unit)} {on_date(first.when)} to "
        f"{quantity(last_point, unit)} {on_date(last.when)} ({movement}), "
        f"over {len(points)} published figures."
    )


def axis_position(when):
    """Where a date sits on the time axis: the middle of its week, month, year or period."""
    return when.date + (when.last_day - when.date) / 2


def plain(text):
    """
    Text for plotly's labels, which read a little HTML (<a href> becomes a live link): show
    markup as text. Every stored text that goes into a figure goes through here.
    """
    return html.escape(text, quote=False)


def shorten(title, limit=42):
    """A milestone title short enough for the axis; the hover has it in full."""
    if len(title) <= limit:
        return title
    return title[: limit - 1].rstrip() + "…"


def to_float(value):
    return float(value) if isinstance(value, Decimal) else value


def marks(dates):
    """
    One mark per value given on a date (`dates`: stories.models.FiguresOnDate, oldest first),
    with every point (and so every source) that gave it: three reports of 750 on one day are
    one marker listing three sources.
    """
    for figures in dates:
        given = {}
        for point in figures.points:
            given.setdefault((point.value, point.qualifier, point.low, point.high), []).append(
                point
            )
        for same in given.values():
            yield figures, same


def figure(series, dates, events=()):
    """
    The Plotly figure of a series as a JSON-able dict, or None for an empty series. `dates`:
    its published figures by date, oldest first (stories.models.figures_by_date).
    """
    if not dates:
        return None
    unit = series.unit
    drawn = list(marks(dates))
    single = len(drawn) == 1
    differing = [figures for figures in dates if figures.differs]
    firsts = [same[0] for _, same in drawn]
    # Where each mark sits on the time axis: the middle of its date's day, month or period.
    positions = [axis_position(figures.when) for figures, _ in drawn]
    has_range = any(p.low is not None or p.high is not None for p in firsts)
    if single:
        mode = "markers+text"
    elif differing:
        # A line through figures that disagree would draw a workforce swinging between them.
        mode = "markers"
    else:
        mode = "lines+markers"
    trace = scatter(
        x=[position.isoformat() for position in positions],
        y=[to_float(p.value) for p in firsts],
        mode=mode,
        name=plain(series.name),  # no legend is drawn, but plotly would read markup here too
        line={"color": LINE_COLOUR, "width": 2},
        marker={
            "color": LINE_COLOUR,
            "size": 12 if single else 9,
            "symbol": [QUALIFIER_SYMBOLS[p.qualifier] for p in firsts],
            "line": {"color": LINE_COLOUR, "width": 2},
        },
        # A single point is labelled with its value, so the chart reads without hovering.
        text=[plain(quantity(firsts[0], unit))] if single else None,
        customdata=[
            [
                plain(str(figures.when)),
                plain(Qualifier(same[0].qualifier).label),
                plain(sources_text(same)),
                plain(f"range {spread}" if (spread := range_text(same[0])) else "no range given"),
                (
                    "<br>" + plain(f"Sources differ on this date: {numbers(figures, unit)}")
                    if figures.differs
                    else ""
                ),
            ]
            for figures, same in drawn
        ],
        hovertemplate=(
            # No <b> or other styled markup: plotly.js sets it as a style attribute, which the
            # CSP (style-src 'self') refuses.
            "%{y:,} " + plain(unit) + " (%{customdata[1]}, %{customdata[3]})<br>"
            "%{customdata[0]}<br>Source: %{customdata[2]}%{customdata[4]}<extra></extra>"
        ),
        cliponaxis=False,
    )
    if has_range:
        trace["error_y"] = {
            "type": "data",
            "symmetric": False,
            "array": [to_float(p.high - p.value) if p.high is not None else 0 for p in firsts],
            "arrayminus": [to_float(p.value - p.low) if p.low is not None else 0 for p in firsts],
            "color": LINE_COLOUR,
            "thickness": 1.5,
            "width": 6,
        }
    traces = [trace]
    if differing:
        # A grey bar from the lowest to the highest figure given for each date they differ,
        # drawn under the markers.
        xs, ys = [], []
        for figures in differing:
            x = axis_position(figures.when).isoformat()
            xs += [x, x, None]
            ys += [to_float(figures.low), to_float(figures.high), None]
        bars = scatter(
            x=xs,
            y=ys,
            mode="lines",
            name="Sources differ",
            line={"color": DIFFERS_COLOUR, "width": 6},
            hoverinfo="skip",
        )
        traces = [bars, trace]
    layout = {
        **LAYOUT,
        "height": 320,
        "margin": {"l": 56, "r": 16, "t": 24, "b": 40},
        "showlegend": False,
        "xaxis": XAXIS,
        "yaxis": {**YAXIS, "title": {"text": plain(unit)}},
    }
    middle = mark_milestones(layout, events, positions)
    if single:
        # Label the lone point on the side with room: left of it when it ends the axis.
        at_the_end = positions[0] == max(positions) > middle
        traces[-1]["textposition"] = "top left" if at_the_end else "top center"
    return plotly_figure(traces, layout)


LAYOUT = {
    # Plotly's "none" template, resolved once as plotly.py would put it into every figure.
    "template": pio.templates["none"].to_plotly_json(),
    "autosize": True,
    "hovermode": "closest",
    "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13},
}
XAXIS = {"type": "date", "showgrid": False, "fixedrange": True, "automargin": True}
YAXIS = {
    "rangemode": "tozero",
    "fixedrange": True,
    "separatethousands": True,
    "gridcolor": "#e6e6e6",
    "automargin": True,
}


def scatter(**properties):
    """A scatter trace as plotly.js reads it; a None property is left out, as plotly.py would."""
    return {
        "type": "scatter",
        **{name: value for name, value in properties.items() if value is not None},
    }


def plotly_figure(traces, layout):
    """
    The figure as plotly.js reads it, built from plain dicts and lists: plotly.py's validating
    objects took about 25 ms a 500-point trace and more a milestone (make bench's "building a
    chart" section measures it); tests/test_charts.py checks every figure we make against
    plotly's schema instead (`plotly.graph_objects.Figure(figure)` refuses anything unknown).
    """
    return {
        "data": traces,
        "layout": layout,
        "config": {"displayModeBar": False, "responsive": True},
    }


def mark_milestones(layout, events, positions, bottom=0):
    """
    Mark each milestone or deadline on the time axis with a dotted line and its title, set
    upright along the line from `bottom` (the foot of the main panel, as a fraction of the
    plot's height), so that titles of milestones a few weeks apart never run into each other,
    even on a phone. Returns the middle of the axis.
    """
    milestones = [(axis_position(event.when), event) for event in events]
    everything = positions + [x for x, _ in milestones]
    middle = min(everything) + (max(everything) - min(everything)) / 2
    for x, event in milestones:
        layout.setdefault("shapes", []).append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": x.isoformat(),
                "x1": x.isoformat(),
                "y0": 0,
                "y1": 1,
                "line": {"color": MARK_COLOUR, "width": 1, "dash": "dot"},
            }
        )
        layout.setdefault("annotations", []).append(
            {
                "x": x.isoformat(),
                "xref": "x",
                "y": bottom,
                "yref": "paper",
                "yanchor": "bottom",
                "xanchor": "right",
                "textangle": -90,
                "text": plain(shorten(event.title)),
                "hovertext": plain(f"{event.title} ({event.when})"),
                "showarrow": False,
                "font": {"size": 10, "color": MARK_COLOUR},
                "bgcolor": "rgba(255, 255, 255, 0.85)",
            }
        )
    return middle


def trains_text(trains, cars=None):
    if trains is None:
        return "trains (number not given)"
    text = f"{trains} train{'s' if trains != 1 else ''}"
    return f"{text} ({cars} cars)" if cars else text


def order_text(row):
    """
    One row of the book as a line of text: what happened, to whose order, and its numbers; an
    update gives the first sentence of its note, which says what the source reported.
    """
    parts = [row.get_development_display(), row.customer]
    if row.development == Order.Development.UPDATE and row.note:
        parts.append(row.note.split(". ")[0].rstrip("."))
    elif row.development != Order.Development.LAPSED:
        parts.append(f"{trains_text(row.trains, row.cars)}, {row.get_commitment_display().lower()}")
        if row.value is not None:
            parts.append(row.value_text)
    return " · ".join(parts)


def order_book_figure(series, steps, events=()):
    """
    The order book as stacked steps of trains (firm, on option, conditional) over time, above
    their value in pounds; every date a row was reported is a marker whose hover gives each
    row with its source. None when no order is published.
    """
    if not steps:
        return None
    xs = [axis_position(step.when) for step in steps]
    # The book as it stood after the last report holds to the end of that report's period.
    end = max(steps[-1].when.last_day, xs[-1])
    x_text = [x.isoformat() for x in [*xs, end]]
    held = [*steps, steps[-1]]
    shown = [c for c in COMMITMENTS if any(step.trains(c) for step in steps)]
    traces = []
    for commitment in shown:
        label, colour, fill = COMMITMENT_STYLES[commitment]
        traces.append(
            scatter(
                x=x_text,
                y=[step.trains(commitment) for step in held],
                mode="lines",
                name=plain(label),
                legendgroup=commitment,
                stackgroup="trains",
                line={"shape": "hv", "color": colour, "width": 2},
                fillcolor=fill,
                hoverinfo="skip",
            )
        )
    traces.append(
        scatter(
            x=x_text[:-1],
            y=[step.total_trains for step in steps],
            mode="markers",
            name="Reports",
            showlegend=False,
            marker={"color": LINE_COLOUR, "size": 9, "line": {"color": "#ffffff", "width": 1}},
            customdata=[
                [
                    plain(str(step.when)),
                    "<br>".join(
                        plain(f"{order_text(row)} ({row.source.publication})") for row in step.rows
                    ),
                    plain(
                        "; ".join(
                            f"{step.trains(c)} {COMMITMENT_STYLES[c][0].lower()}" for c in shown
                        )
                    ),
                ]
                for step in steps
            ],
            hovertemplate=("%{customdata[0]}: %{customdata[2]}<br>%{customdata[1]}<extra></extra>"),
            cliponaxis=False,
        )
    )
    for commitment in shown:
        label, colour, _ = COMMITMENT_STYLES[commitment]
        values = [step.value(commitment) for step in held]
        if not any(values):
            continue
        lows = [to_float(v[0]) / 1e6 if v else None for v in values]
        traces.append(
            scatter(
                x=x_text,
                y=lows,
                yaxis="y2",
                mode="lines+markers",
                name=plain(f"{label}: value"),
                legendgroup=commitment,
                showlegend=False,
                line={"shape": "hv", "color": colour, "width": 2},
                marker={"color": colour, "size": [7] * len(steps) + [0]},
                customdata=[
                    plain(f"{label}: {money_range(*v) if v else 'value not given'}") for v in values
                ],
                hovertemplate="%{x|%-d %b %Y}: %{customdata}<extra></extra>",
                connectgaps=False,
            )
        )
        if any(v and v[1] != v[0] for v in values):
            # Where sources give different values, the band between them is filled: both kept.
            traces.append(
                scatter(
                    x=x_text,
                    y=[to_float(v[1]) / 1e6 if v else None for v in values],
                    yaxis="y2",
                    mode="lines",
                    name=plain(f"{label}: value, highest given"),
                    legendgroup=commitment,
                    showlegend=False,
                    line={"shape": "hv", "color": colour, "width": 1, "dash": "dot"},
                    fill="tonexty",
                    fillcolor=COMMITMENT_STYLES[commitment][2],
                    hoverinfo="skip",
                    connectgaps=False,
                )
            )
    layout = {
        **LAYOUT,
        "height": 440,
        "margin": {"l": 56, "r": 16, "t": 24, "b": 40},
        "showlegend": True,
        "legend": {"orientation": "h", "x": 0, "y": -0.12, "yanchor": "top"},
        "xaxis": {**XAXIS, "anchor": "y2"},
        "yaxis": {**YAXIS, "domain": TRAINS_DOMAIN, "title": {"text": plain(series.unit)}},
        "yaxis2": {
            **YAXIS,
            "domain": VALUE_DOMAIN,
            "title": {"text": "value"},
            "tickprefix": "£",
            "ticksuffix": "m",
        },
    }
    mark_milestones(layout, events, xs, bottom=TRAINS_DOMAIN[0])
    return plotly_figure(traces, layout)


def order_book_summary(series, steps):
    """What the book holds now, what made it, and the latest development, in words."""
    name = series.name
    if not steps:
        return f"{name}: no order has been published yet."
    last = steps[-1]
    held = last.held
    new = [row for step in steps for row in step.rows if row.is_new]
    made = "; ".join(
        f"{trains_text(row.trains)} {COMMITMENT_WORDS[row.commitment]} for {row.customer} "
        f"{on_date(row.when)}"
        for row in new
    )
    sentence = (
        f"{name}: {' and '.join(held) or 'no trains'} after {len(new)} "
        f"order{'s' if len(new) != 1 else ''} reported: {made}."
    )
    latest = [row for row in last.rows if not row.is_new]
    if latest:
        sentence += (
            f" Latest, {on_date(last.when)}: " + "; ".join(map(development_text, latest)) + "."
        )
    return sentence


DEVELOPMENT_WORDS = {
    Order.Development.ACCOUNT: "another account of",
    Order.Development.UPDATE: "update on",
    Order.Development.EXERCISED: "part taken up of",
    Order.Development.REDUCED: "reduction of",
    Order.Development.LAPSED: "lapse of",
}


def development_text(row):
    """'update on FirstGroup’s order of 6 December 2024 (Railnews): five trains for …'"""
    text = (
        f"{DEVELOPMENT_WORDS[row.development]} {row.customer}’s order of "
        f"{row.order.when} ({short_publication(row.source)})"
    )
    if row.development == Order.Development.UPDATE and row.note:
        detail = row.note.split(". ")[0].rstrip(".")
        text += f": {detail[:1].lower()}{detail[1:]}"
    return text


def short_publication(source):
    """The publication without the note on where a copy was read: 'The Northern Echo'."""
    return source.publication.split(" (copy at ")[0].split(" (quoted at ")[0]
