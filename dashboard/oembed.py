"""
An oEmbed provider (https://oembed.com/): a CMS sends one of our URLs and gets an iframe.

Story (and timeline) URLs embed the timeline widget, statement URLs a single statement, and
figure URLs the chart. JSON only: `format=xml` is answered 501 Not Implemented, as the spec
allows. Unknown or unpublished URLs are 404; bad parameters are 400.
"""

from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.http.request import split_domain_port, validate_host
from django.shortcuts import get_object_or_404
from django.urls import Resolver404, resolve
from django.utils.html import format_html
from django.views.decorators.http import require_safe

from stories.models import Series, Statement

from .cors import allow_any_origin
from .reading import story_view

PROVIDER_NAME = "Story dashboard"
CACHE_AGE = 3600
MAX_DIMENSION = 10_000

# What each of our pages embeds as, by its URL name (dashboard/urls.py): a page or its widget.
KINDS = {
    "story": "timeline",
    "embed-timeline": "timeline",
    "statement": "statement",
    "embed-statement": "statement",
    "figure": "figure",
    "figure-embed": "figure",
}
SIZES = {"timeline": (600, 800), "statement": (600, 360), "figure": (640, 420)}


def dimension(name):
    message = f"{name} must be a whole number of pixels from 1 to {MAX_DIMENSION}."
    return forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_DIMENSION,
        error_messages={"invalid": message, "min_value": message, "max_value": message},
    )


class OEmbedQuery(forms.Form):
    """The consumer's parameters (oEmbed spec 2.2); `format` is answered before this."""

    url = forms.CharField(
        max_length=2000, error_messages={"required": "Give the URL to embed as ?url=…"}
    )
    maxwidth = dimension("maxwidth")
    maxheight = dimension("maxheight")

    def errors_text(self):
        return " ".join(message for messages in self.errors.values() for message in messages)


def match(request, url):
    """(kind, parts) for one of our embeddable URLs, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = parts.netloc.lower()
    domain, port = split_domain_port(host)
    if host != request.get_host().lower() and not (
        domain and validate_host(domain, settings.ALLOWED_HOSTS)
    ):
        return None
    try:
        found = resolve(parts.path)
    except Resolver404:
        return None
    kind = KINDS.get(found.url_name)
    return (kind, found.kwargs) if kind else None


def embed_target(story, kind, parts):
    """(title, embed path) for a matched URL of `story`; 404 when it is not published."""
    if kind == "statement":
        quoted = get_object_or_404(Statement.objects.for_timeline(story), pk=parts["pk"])
        return f"{quoted.speaker.name} on {story.title}", quoted.get_embed_url()
    if kind == "figure":
        series = get_object_or_404(
            Series.objects.published().filter(story=story).select_related("story"),
            slug=parts["series_slug"],
        )
        return f"{series.name} · {story.title}", series.get_embed_url()
    return story.title, story.get_embed_url()


@require_safe
@allow_any_origin
def oembed(request):
    response_format = request.GET.get("format", "json")
    if response_format != "json":
        return HttpResponse("Only format=json is supported.", status=501, content_type="text/plain")
    query = OEmbedQuery(request.GET)
    if not query.is_valid():
        return HttpResponseBadRequest(query.errors_text(), content_type="text/plain")
    found = match(request, query.cleaned_data["url"])
    if found is None:
        raise Http404("This URL cannot be embedded.")
    kind, parts = found
    return answer(request, slug=parts["slug"], kind=kind, parts=parts, query=query.cleaned_data)


@story_view
def answer(request, slug, kind, parts, query):
    """The oEmbed answer for one of the published story's URLs, read at its version."""
    title, embed_path = embed_target(request.story, kind, parts)
    default_width, default_height = SIZES[kind]
    width = min(default_width, query["maxwidth"] or MAX_DIMENSION)
    height = min(default_height, query["maxheight"] or MAX_DIMENSION)
    html = format_html(
        '<iframe src="{}" width="{}" height="{}" title="{}" loading="lazy"></iframe>',
        request.build_absolute_uri(embed_path),
        width,
        height,
        title,
    )
    return JsonResponse(
        {
            "version": "1.0",
            "type": "rich",
            "title": title,
            "provider_name": PROVIDER_NAME,
            "provider_url": request.build_absolute_uri("/"),
            "cache_age": CACHE_AGE,
            "html": str(html),
            "width": width,
            "height": height,
        }
    )
