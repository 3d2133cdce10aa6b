"""
Embeddable widgets: a story's timeline, and a single statement, for other sites to frame.

Every other page refuses framing (`frame-ancestors 'none'`, `X-Frame-Options: DENY`); these
views alone lift that, with the rest of the site's policy unchanged. Widgets show published
items only, credit the site and link back to the full story.
"""

from django.conf import settings
from django.shortcuts import get_object_or_404, render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_safe

from stories.models import NegotiationEvent, Statement
from stories.timeline import page

from .reading import story_view

EMBED_ITEMS = 20

# Our own policy, but any site may frame the widget.
FRAMABLE_CSP = {**settings.SECURE_CSP, "frame-ancestors": ["*"]}


def framable(view):
    return xframe_options_exempt(csp_override(FRAMABLE_CSP)(view))


@require_safe
@framable
@story_view
def timeline(request, slug):
    story = request.story
    statements = Statement.objects.for_timeline(story)
    events = NegotiationEvent.objects.for_timeline(story)
    items = page(statements, events, size=EMBED_ITEMS).items
    return render(request, "embed/timeline.html", {"story": story, "items": items})


@require_safe
@framable
@story_view
def statement(request, slug, pk):
    story = request.story
    quoted = get_object_or_404(Statement.objects.for_timeline(story), pk=pk)
    return render(request, "embed/timeline.html", {"story": story, "items": [quoted]})
