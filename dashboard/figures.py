"""
A series' figures on their own: the chart page, its CSV download, and an embeddable page
that news articles on other sites may put in an iframe.
"""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from . import charts
from .embeds import framable
from .exports import csv_response
from .reading import story_view, template_for, vary_on_htmx


@require_safe
@vary_on_htmx
@story_view
def figure(request, slug, series_slug):
    """A series' chart page; an htmx request (the live refresh) gets the chart block only."""
    chart = charts.chart_for_series(request.story, series_slug)
    template = template_for(request, "dashboard/figure.html", "chart")
    embed_url = request.build_absolute_uri(chart.embed_url)
    context = {"story": chart.story, "chart": chart, "embed_url": embed_url}
    return render(request, template, context)


@require_safe
@story_view
def figure_csv(request, slug, series_slug):
    chart = charts.chart_for_series(request.story, series_slug)
    rows = charts.csv_rows(chart)
    header = next(rows)
    return csv_response(chart.story, chart.series.slug, header, rows)


@require_safe
@framable
@story_view
def figure_embed(request, slug, series_slug):
    """The chart alone, with a source credit and a link back, for other sites' iframes."""
    chart = charts.chart_for_series(request.story, series_slug)
    story_url = request.build_absolute_uri(chart.story.get_absolute_url())
    context = {"story": chart.story, "chart": chart, "story_url": story_url}
    return render(request, "embed/figure.html", context)
