"""
A series' figures on their own: the chart page, the figure and the data table the story page
loads when a reader reaches them, the CSV download, and an embeddable page that news articles
on other sites may put in an iframe. Each is the same for every reader, so each is shared.
"""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from . import charts
from .embeds import framable
from .exports import chart_csv
from .reading import representation, story_view, template_for, vary_on_htmx

FIGURE = "dashboard/figure.html"


def figure_page(request, part):
    """The chart page, or (for htmx) its `part`: the chart block, the figure or the table."""
    chart = charts.chart_for_series(request.story, request.resolver_match.kwargs["series_slug"])
    context = {
        "story": chart.story,
        "chart": chart,
        "embed_url": request.build_absolute_uri(chart.embed_url),
    }
    return render(request, template_for(request, FIGURE, part), context)


@require_safe
@vary_on_htmx
@story_view(shared=representation)
def figure(request, slug, series_slug):
    """
    A series' chart page. htmx gets the chart block only: for the story page, when a reader
    scrolls to the chart, and again when the live poll says the story changed.
    """
    return figure_page(request, "chart")


@require_safe
@vary_on_htmx
@story_view(shared=representation)
def figure_table(request, slug, series_slug):
    """The data behind a chart, with its sources, as a page or (htmx) for the chart block."""
    chart = charts.chart_for_series(request.story, series_slug)
    template = template_for(request, "dashboard/figure_table.html", "table")
    return render(request, template, {"story": chart.story, "chart": chart})


@require_safe
@story_view
def figure_csv(request, slug, series_slug):
    chart = charts.chart_for_series(request.story, series_slug)
    return chart_csv(request, chart)


@require_safe
@framable
@story_view
def figure_embed(request, slug, series_slug):
    """The chart alone, with a source credit and a link back, for other sites' iframes."""
    chart = charts.chart_for_series(request.story, series_slug)
    story_url = request.build_absolute_uri(chart.story.get_absolute_url())
    context = {"story": chart.story, "chart": chart, "story_url": story_url}
    return render(request, "embed/figure.html", context)
