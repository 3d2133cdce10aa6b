"""
How the public site reads a story: in one database snapshot, at one published version.

A story's published version (Story.published_version) moves in the same transaction as every
change readers can see. Everything derived from it (ETags, Last-Modified, the shared page and
poll caches, the chart cache) is read from the same snapshot as the content it describes, on
the primary or on a replica alike, so a lagging replica serves old content under the old
version and never new content under an old version, or the reverse.

- `story_view` wraps every public view of one story: a former slug answers 301, an unknown or
  draft story 404, a client holding the current version 304; otherwise the view runs inside
  one snapshot with `request.story` set. Views that are the same for every reader may name a
  `shared` variant: their answer is kept in the cache under the version it was read at.
- `site_view` does the same for the pages about every story (the home page, the sitemap).
- `current_version` is the cheap read the live poll and the shared caches start from.
"""

import contextlib
import hashlib
import time
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache, caches
from django.db import connections, router, transaction
from django.http import Http404, HttpResponsePermanentRedirect
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.views.decorators.vary import vary_on_headers

from stories.models import FormerSlug, Story

from . import routers

# Renew when what the public surfaces render changes shape, so no ETag or cached answer of the
# old shape is served after a deploy.
FORMAT = "5"


@contextlib.contextmanager
def snapshot():
    """
    Every read inside sees the database as it was at one moment (PostgreSQL's repeatable read,
    read-only), on the one server the router picks for reads. Inside a transaction that is
    already open (an editor's preview, a test) the reads share that transaction's view.
    """
    alias = router.db_for_read(Story)
    connection = connections[alias]
    with routers.pinned(alias):
        if connection.in_atomic_block:
            yield
            return
        with transaction.atomic(using=alias):
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield


@dataclass(frozen=True)
class Version:
    """A published story's id and version, and when the version last moved."""

    story_id: int
    number: int
    at: object = None


_seen = {}  # slug -> (monotonic deadline, Version)


def current_version(slug, at_least=0):
    """
    The published story's current Version, or None. One small query, remembered by this
    process for STORY_VERSION_SECONDS (so a poll every few milliseconds costs no query), which
    is the most a change can wait before this process sees it; a caller told of a newer version
    than the one remembered (`at_least`) reads it afresh.
    """
    now = time.monotonic()
    remembered = _seen.get(slug)
    if remembered and remembered[0] > now and remembered[1].number >= at_least:
        return remembered[1]
    row = (
        Story.objects.published()
        .filter(slug=slug)
        .values_list("pk", "published_version", "published_version_at")
        .first()
    )
    if row is None:
        _seen.pop(slug, None)
        return None
    version = Version(*row)
    if settings.STORY_VERSION_SECONDS > 0:
        _seen[slug] = (now + settings.STORY_VERSION_SECONDS, version)
    return version


def forget_versions():
    """Forget every remembered version (tests)."""
    _seen.clear()


def version_of(story):
    return Version(story.pk, story.published_version, story.published_version_at)


def etag(version, variant):
    return f'"{FORMAT}-{version.story_id}-{version.number}-{variant}"'


# Every view that answers an htmx request differently says so, for every cache on the way.
vary_on_htmx = vary_on_headers("HX-Request", "HX-History-Restore-Request")


def wants_fragment(request):
    """An htmx request for part of a page (not htmx restoring a whole page from history)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def template_for(request, page, fragment):
    """The page's template, or, when htmx asks for part of the page, the named partial."""
    return f"{page}#{fragment}" if wants_fragment(request) else page


def representation(request):
    """Which of a URL's two answers this request gets: the whole page or its fragment."""
    return "fragment" if wants_fragment(request) else "page"


def moved(request, slug):
    """A 301 to the same address under the story's new slug, when `slug` is a former one."""
    story = (
        FormerSlug.objects.filter(slug=slug, story__status="published")
        .values_list("story__slug", flat=True)
        .first()
    )
    if story is None:
        return None
    match = request.resolver_match
    if match is None or "slug" not in match.kwargs:
        return None
    url = reverse(match.view_name, args=match.args, kwargs={**match.kwargs, "slug": story})
    if query := request.META.get("QUERY_STRING"):
        url += f"?{query}"
    return HttpResponsePermanentRedirect(url)


def conditional(request, version, variant):
    """A 304 when the client already holds this version of this answer, else None."""
    last_modified = version.at.timestamp() if version.at else None
    return get_conditional_response(
        request, etag=etag(version, variant), last_modified=last_modified
    )


def validators(response, version, variant):
    """ETag and Last-Modified of the version the answer was read at."""
    if response.status_code == 200 and not response.has_header("ETag"):
        response["ETag"] = etag(version, variant)
        if version.at:
            response["Last-Modified"] = http_date(version.at.timestamp())
    return response


def shared_key(request, variant):
    """The answer's key: its address (the story, and which of its charts, pledges…), and the
    variant of the answer at that address that every reader with `variant` shares."""
    digest = hashlib.sha256(f"{request.path}\n{variant}".encode()).hexdigest()[:32]
    return f"shared:{FORMAT}:{request.resolver_match.view_name}:{digest}"


def not_found(request):
    raise Http404("No published story has this address.")


def story_view(view=None, *, shared=None, missing=not_found):
    """
    Serve a public view of the published story `slug` (see the module's docstring).

    `shared(request)` names the variant of an answer that is the same for every reader (say,
    the unfiltered page), or None for an answer made for this request only. A shared answer is
    kept in the cache under the story's version, so a second reader costs no query and a new
    version is a new key: nothing cached outlives the version it was read at. `missing(request)`
    answers for a story that is not published (the API answers in JSON).
    """
    if view is None:
        return lambda view: story_view(view, shared=shared, missing=missing)

    @wraps(view)
    def wrapped(request, *args, slug, **kwargs):
        variant = representation(request)
        shared_variant = shared(request) if shared else None
        wanted = wanted_version(request)
        seen = current_version(slug, at_least=wanted) if shared_variant is not None else None
        if seen:
            if answer := conditional(request, seen, variant):
                return answer
            cached = shared_answer(shared_key(request, shared_variant), cache_version(seen))
            if cached is not None:
                request.shared_answer = "hit"
                return validators(behind(cached, seen, wanted), seen, variant)
        with snapshot():
            story = Story.objects.published().filter(slug=slug).first()
            if story is None:
                return moved(request, slug) or missing(request)
            version = version_of(story)
            if answer := conditional(request, version, variant):
                return answer
            request.story = story
            response = view(request, *args, slug=slug, **kwargs)
        if shared_variant is not None and response.status_code == 200:
            request.shared_answer = "miss"
            key = shared_key(request, shared_variant)
            keep_shared_answer(key, cache_version(version), response)
        return validators(behind(response, version, wanted), version, variant)

    return wrapped


def wanted_version(request):
    """
    The version a part of an open page asks for itself at, once the poll has announced it
    (`?version=`, static/js/dashboard.js), else 0. This process may still remember an older
    version (current_version): asked for a newer one, it reads the version afresh rather than
    answer with what it kept for the older one.
    """
    value = request.GET.get("version", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else 0


def behind(response, version, wanted):
    """
    An answer read at an older version than the one asked for (a replica the version has not
    reached yet, or a made-up number) is right for now, but no cache may keep it as the
    answer at `wanted`: it goes out marked no-store.
    """
    if wanted > version.number:
        patch_cache_control(response, no_store=True)
    return response


def cache_version(version):
    return f"{version.story_id}.{version.number}"


def shared_answer(key, version):
    """A shared answer from this process's memory, else from the shared cache (Redis)."""
    local = caches["answers"]
    answer = local.get(key, version=version)
    if answer is None:
        answer = cache.get(key, version=version)
        if answer is not None:
            local.set(key, answer, settings.SHARED_ANSWER_SECONDS, version=version)
    return answer


def keep_shared_answer(key, version, response):
    for each in (caches["answers"], cache):
        each.set(key, response, settings.SHARED_ANSWER_SECONDS, version=version)


def site_version():
    """Every published story's id and version, as one Version-like digest (one query)."""
    rows = Story.objects.published().order_by("pk").values_list("pk", "published_version")
    digest = hashlib.sha256(";".join(f"{pk}:{number}" for pk, number in rows).encode())
    return Version(0, int.from_bytes(digest.digest()[:6]), None)


def site_view(view):
    """A public page about every published story, with an ETag that moves with any of them."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        variant = representation(request)
        with snapshot():
            version = site_version()
            if answer := conditional(request, version, variant):
                return answer
            response = view(request, *args, **kwargs)
        return validators(response, version, variant)

    return wrapped
