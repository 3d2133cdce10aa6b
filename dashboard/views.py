from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from stories.models import Story
from stories.timeline import timeline


@require_safe
def story_list(request):
    stories = Story.objects.published().order_by("-started_on")
    return render(request, "dashboard/story_list.html", {"stories": stories})


@require_safe
@vary_on_headers("HX-Request")
def story(request, slug):
    story = get_object_or_404(Story.objects.published(), slug=slug)
    template = "dashboard/story.html"
    if request.htmx:
        template += "#timeline"
    return render(request, template, {"story": story, "timeline": timeline(story)})
