"""
A series' figures on their own: the chart page, its CSV download, and an embeddable page
that news articles on other sites may put in an iframe.
"""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from stories.models import Story

from . import charts
from .embeds import framable
from .exports import csv_response


def published_chart(slug, series_slug):
    story = get_object_or_404(Story.objects.published(), slug=slug)
    return charts.chart_for_series(story, series_slug)


@require_safe
@vary_on_headers("HX-Request")
def figure(request, slug, series_slug):
    """A series' chart page; an htmx request (the live refresh) gets the chart block only."""
    chart = published_chart(slug, series_slug)
    template = "dashboard/figure.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#chart"
    embed_url = request.build_absolute_uri(chart.embed_url)
    context = {"story": chart.story, "chart": chart, "embed_url": embed_url}
    return render(request, template, context)


@require_safe
def figure_csv(request, slug, series_slug):
    chart = published_chart(slug, series_slug)
    rows = charts.csv_rows(chart)
    header = next(rows)
    return csv_response(chart.story, chart.series.slug, header, rows)


@require_safe
@framable
def figure_embed(request, slug, series_slug):
    """The chart alone, with a source credit and a link back, for other sites' iframes."""
    chart = published_chart(slug, series_slug)
    story_url = request.build_absolute_uri(chart.story.get_absolute_url())
    context = {"story": chart.story, "chart": chart, "story_url": story_url}
    return render(request, "embed/figure.html", context)
