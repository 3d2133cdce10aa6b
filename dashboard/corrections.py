"""A story's public correction log: published statements and figures corrected after publication."""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from stories.models import DataPoint, Statement, Story


@require_safe
def corrections(request, slug):
    story = get_object_or_404(Story.objects.published(), slug=slug)
    corrected = sorted(
        [*Statement.objects.corrected(story), *DataPoint.objects.corrected(story)],
        key=lambda item: item.corrected_at,
        reverse=True,
    )
    return render(request, "dashboard/corrections.html", {"story": story, "corrections": corrected})
