"""
A story's public correction log, from its change log: every correction of a published item,
with its note, and every withdrawal of one, newest first.
"""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from stories.models import Change, NegotiationEvent, Pledge, PledgeUpdate, Statement

from .reading import story_view


@require_safe
@story_view
def corrections(request, slug):
    story = request.story
    entries = list(Change.objects.corrections(story))

    def shown(queryset, subject):
        ids = [entry.object_id for entry in entries if entry.subject == subject]
        return {(subject, item.pk): item for item in queryset.filter(pk__in=ids)}

    # Each entry shows its item as it stands, while readers can still see it.
    items = {
        **shown(Statement.objects.for_timeline(story), Change.Subject.STATEMENT),
        **shown(NegotiationEvent.objects.for_timeline(story), Change.Subject.EVENT),
        **shown(Pledge.objects.for_story(story), Change.Subject.PLEDGE),
        **shown(
            PledgeUpdate.objects.published()
            .filter(pledge__story=story)
            .select_related("pledge__pledger", "pledge__story", "source", "claimed_by"),
            Change.Subject.PLEDGE_UPDATE,
        ),
    }
    for entry in entries:
        entry.item = items.get((entry.subject, entry.object_id))
    return render(request, "dashboard/corrections.html", {"story": story, "entries": entries})
