"""
Validators for the public read surfaces (feeds, API, exports, embeds, oEmbed, sitemap).

Each story's change stamp (stories.changes) moves whenever anything readers can see in it
changes, so it makes a strong ETag: a client or CDN that sends it back with If-None-Match gets
a 304 until the story changes. Use with Django's `condition` decorator:

    @condition(etag_func=story_etag)
    def feed(request, slug): ...
"""

import hashlib
import re
from functools import wraps

from django.views.decorators.http import condition

from stories.changes import current_stamp, current_stamps
from stories.models import Story

# Bump when what these surfaces render changes shape, so caches holding the old ETag refetch.
FORMAT = "1"

SLUG = re.compile(r"[-a-zA-Z0-9_]{1,100}")


def story_etag(request, slug=None, *args, **kwargs):
    """The stamp of the published story `slug`, or None (no ETag) when there is no such story."""
    if not isinstance(slug, str) or not SLUG.fullmatch(slug):
        return None  # the view itself answers for a malformed slug
    story_id = Story.objects.published().filter(slug=slug).values_list("pk", flat=True).first()
    if story_id is None:
        return None
    return f"v{FORMAT}-story-{story_id}-{current_stamp(story_id)}"


def site_etag(request, *args, **kwargs):
    """A digest of every published story's stamp: changes when any story changes or appears."""
    story_ids = Story.objects.published().order_by("pk").values_list("pk", flat=True)
    digest = hashlib.sha256()
    for story_id, stamp in current_stamps(story_ids).items():
        digest.update(f"{story_id}:{stamp};".encode())
    return f"v{FORMAT}-site-{digest.hexdigest()[:32]}"


def allow_any_origin(view):
    """Open data: let scripts on any site read the response (no cookies are involved)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return wrapped


story_condition = condition(etag_func=story_etag)
site_condition = condition(etag_func=site_etag)
