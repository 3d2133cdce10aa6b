"""
The pledge tracker: a story's pledges, each with where it stands, filtered by who made them
and by status; and each pledge's page with its history of status changes.
"""

from collections import Counter

from django import forms
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from stories.models import Pledge, Verdict

from .reading import representation, story_view, template_for, vary_on_htmx
from .views import permalink_page

NO_STATUS = "none"


class PledgeFilter(forms.Form):
    """Who made the pledges shown, and where they stand. Bad values are explained and left out."""

    by = forms.ChoiceField(label="Made by", required=False)
    status = forms.ChoiceField(
        label="Where it stands",
        required=False,
        choices=[("", "Any status"), *Verdict.choices, (NO_STATUS, "No status yet")],
    )

    def __init__(self, data, pledges, **kwargs):
        super().__init__(data, **kwargs)
        pledgers = {pledge.pledger.slug: pledge.pledger.name for pledge in pledges}
        self.fields["by"].choices = [
            ("", "Anyone"),
            *sorted(pledgers.items(), key=lambda pair: pair[1]),
        ]

    @property
    def explanations(self):
        return [
            f"{self.fields[name].label}: that is not one of the choices, so it is left out."
            for name in self.errors
        ]

    def shown(self, pledges):
        """The pledges that match the valid filters."""
        valid = {name: value for name, value in self.cleaned_data.items() if value}
        if "by" in valid:
            pledges = [pledge for pledge in pledges if pledge.pledger.slug == valid["by"]]
        if "status" in valid:
            pledges = [pledge for pledge in pledges if verdict_of(pledge) == valid["status"]]
        return pledges


def verdict_of(pledge):
    standing = pledge.standing
    return standing.verdict if standing is not None else NO_STATUS


def tally(pledges):
    """(label, verdict, how many) of the pledges' statuses, in the choices' order."""
    counts = Counter(verdict_of(pledge) for pledge in pledges)
    labels = [*Verdict.choices, (NO_STATUS, "No status yet")]
    return [(label, verdict, counts[verdict]) for verdict, label in labels if counts[verdict]]


def same_filters(request):
    """The tracker is the same for every reader who asks with the same filters."""
    by, status = request.GET.get("by", ""), request.GET.get("status", "")
    return f"{representation(request)}?by={by}&status={status}"


@require_safe
@vary_on_htmx
@story_view(shared=same_filters)
def pledges(request, slug):
    """The story's pledges (for htmx: the list only), answering 400 to filters it cannot use."""
    story = request.story
    everyone = list(Pledge.objects.for_story(story))
    form = PledgeFilter(request.GET, everyone)
    # An invalid form keeps its valid fields in cleaned_data: those still filter.
    form.is_valid()
    context = {
        "story": story,
        "form": form,
        "pledges": everyone,
        "shown": form.shown(everyone),
        "tally": tally(everyone),
        "page_url": request.build_absolute_uri(story.get_pledges_url()),
    }
    status = 400 if form.errors else 200
    template = template_for(request, "dashboard/pledges.html", "pledge-list")
    return render(request, template, context, status=status)


@require_safe
@story_view(shared=representation)
def pledge(request, slug, pk):
    """One pledge: who made it, their words, where it stands, and every status change."""
    found = get_object_or_404(Pledge.objects.for_story(request.story), pk=pk)
    return permalink_page(request, "dashboard/pledge.html", found)
