"""
A series' figures on their own: the chart page, its CSV download, and an embeddable page
that news articles on other sites may put in an iframe.
"""

import csv

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from stories.models import Story

from . import charts

# Spreadsheets run a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Embed pages keep the site's policy except that any site may frame them.
EMBED_CSP = {**settings.SECURE_CSP, "frame-ancestors": ["*"]}


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


def spreadsheet_safe(cell):
    """Text a spreadsheet shows as text: a leading quote defuses a would-be formula."""
    if cell is None:
        return ""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


@require_safe
def figure_csv(request, slug, series_slug):
    chart = published_chart(slug, series_slug)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"{chart.story.slug}-{chart.series.slug}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    for row in charts.csv_rows(chart):
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return response


@require_safe
@xframe_options_exempt
@csp_override(EMBED_CSP)
def figure_embed(request, slug, series_slug):
    """The chart alone, with a source credit and a link back, for other sites' iframes."""
    chart = published_chart(slug, series_slug)
    story_url = request.build_absolute_uri(chart.story.get_absolute_url())
    context = {"story": chart.story, "chart": chart, "story_url": story_url}
    return render(request, "embed/figure.html", context)
