from django import forms
from django.conf import settings
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseStopPolling, push_url, trigger_client_event

from stories.changes import difference
from stories.models import NegotiationEvent, Part, Pledge, PledgeUpdate, Role, Statement, Story
from stories.timeline import (
    LATEST,
    key_figures,
    key_moments,
    last_updated,
    page,
    people_on_record,
    whos_who,
)

from .filters import FILTER_NAMES, OlderItems, TimelineFilter
from .reading import (
    current_version,
    moved,
    representation,
    site_view,
    story_view,
    template_for,
    vary_on_htmx,
    wants_fragment,
)

STORY_CHANGED = "story-changed"
STORY = "dashboard/story.html"
ITEMS = "dashboard/items.html"  # the partials every page shares
PEOPLE = "dashboard/people_filter.html"


@require_safe
@site_view
def story_list(request):
    stories = Story.objects.newest_first()
    return render(request, "dashboard/story_list.html", {"stories": stories})


def timeline_context(story, form, timeline_page):
    """What the story page and its fragments render: the filtered page plus the live poll."""
    return {
        "story": story,
        "form": form,
        "timeline": timeline_page,
        "live": {
            "version": story.published_version,
            "seconds": settings.TIMELINE_POLL_SECONDS,
            "query": form.query_string(before=None),
        },
    }


def filters_in(query):
    """The reader's filters as the poll's cache tells them apart: known names, in order, with
    empty values and everything else (tracking parameters, say) left out."""
    return "&".join(
        f"{name}={value}"
        for name in FILTER_NAMES
        for value in sorted(query.getlist(name))
        if value.strip()
    )


def same_filters(request):
    """
    The story page, its timeline fragment and its people filter are the same for every reader
    who asks with the same filters (whatever else the URL or the cookies carry): shared under
    that variant.
    The fragment the filter form asks for also sets the address bar (HX-Trigger: filters).
    """
    trigger = request.htmx.trigger if wants_fragment(request) else ""
    return f"{representation(request)}:{trigger or ''}?{filters_in(request.GET)}"


@require_safe
@vary_on_htmx
@vary_on_headers("HX-Trigger")
@story_view(shared=same_filters)
def story(request, slug):
    """The story dashboard, or (for htmx) its filtered timeline or a page of older items."""
    story = request.story
    form = TimelineFilter(request.GET, story=story)
    timeline_page = form.page()
    status = 400 if form.bad_cursor else 200
    context = timeline_context(story, form, timeline_page)
    if timeline_page.next_cursor:
        context["older_href"] = (
            f"{story.get_absolute_url()}?{form.query_string(before=timeline_page.next_cursor)}"
        )
    if timeline_page.by_relevance:
        context["newest_query"] = form.query_string(order=None)
    if wants_fragment(request):
        # "Older items" asks for the page after a cursor, appended below the page before (no
        # repeated month); the filters ask for the whole timeline block.
        context["continues"] = timeline_page.after is not None
        if context["continues"]:
            template = f"{ITEMS}#timeline-page"
        else:
            # The whole timeline, with the first screen's latest items to match it.
            context.update(latest_items(form, timeline_page))
            template = f"{STORY}#timeline-refresh"
        response = render(request, template, context, status=status)
        if request.htmx.trigger == "filters":
            # The form sends every field, empty or not; the address bar gets the tidy equivalent.
            query = form.query_string()
            push_url(response, story.get_absolute_url() + (f"?{query}" if query else ""))
        return response
    context.update(first_screen(story, form, timeline_page))
    # Each series' key figure; its chart comes when the reader scrolls to it.
    context["figures"] = key_figures(story)
    context["last_updated"] = last_updated(story)
    context["story_url"] = request.build_absolute_uri(story.get_absolute_url())
    return render(request, STORY, context, status=status)


def first_screen(story, form, timeline_page):
    """
    What the story page shows above its charts and timeline, besides the key figures: the
    story so far and its key moments, the latest items, the pledge tracker and the who's who.
    """
    return {
        "key_moments": key_moments(story),
        **latest_items(form, timeline_page),
        "pledges": list(Pledge.objects.for_story(story)),
        "whos_who": whos_who(story),
    }


def latest_items(form, timeline_page):
    """
    The newest items matching the reader's filters, for the first screen: the top of the
    timeline the page shows (no query), or, when it shows older items or the best matches of
    a search, the newest ones read afresh. `latest_on_page`: they are on this page.
    """
    top = timeline_page.after is None and not timeline_page.by_relevance
    items = timeline_page.items[:LATEST] if top else page(*form.querysets(), size=LATEST).items
    return {"latest_items": items, "latest_on_page": top}


@require_safe
@vary_on_htmx
@story_view(shared=same_filters)
def people_filter(request, slug):
    """
    Everyone the timeline can be filtered by: for htmx, the checkboxes the story page's filter
    form loads when the reader opens its "People and organisations" group; otherwise a page
    holding them in a form that keeps the reader's other filters (no JavaScript needed).
    """
    story = request.story
    form = TimelineFilter(request.GET, story=story)
    context = {
        "story": story,
        "people": form.people,
        "chosen": form.chosen_people,
        # The page's form keeps the reader's other filters (without JavaScript).
        "kept": list(QueryDict(form.query_string(who=None, before=None)).items()),
    }
    return render(request, template_for(request, PEOPLE, "choices"), context)


# The poll's one parameter, checked by a form field (a form per poll costs a third of the
# unchanged answer's time: its fields are deep-copied for every instance).
SINCE = forms.IntegerField(min_value=0, max_value=2**63 - 1)


def changes_for(request):
    """The poll's answer is the same for every reader at one version with the same filters."""
    return f"{request.GET.get('since', '')}?{filters_in(request.GET)}"


@require_safe
@vary_on_htmx
def updates(request, slug):
    """
    The live poll: `since` is the version the reader's page shows. Its answer depends on the
    URL alone, so every reader at that version (and a CDN) can share it. Unchanged: an empty
    204 that costs no query. Changed: what differs from `since` to the current version.
    Without htmx the address is the story page itself.
    """
    if not wants_fragment(request):
        return story(request, slug=slug)
    try:
        since = SINCE.clean(request.GET.get("since"))
    except forms.ValidationError:
        return HttpResponse(
            "Give the version the page shows as ?since=<a whole number>.", status=400
        )
    seen = current_version(slug)
    if seen is None:
        # Renamed since the page loaded: ask at the new address. Unpublished or gone: stop.
        return moved(request, slug) or HttpResponseStopPolling()
    if since >= seen.number:
        response = HttpResponse(status=204)
        patch_cache_control(response, public=True, max_age=settings.LIVE_UNCHANGED_MAX_AGE)
        return response
    return changed(request, slug=slug, since=since)


@story_view(shared=changes_for)
def changed(request, slug, since):
    """What a reader at version `since` sees differently now, for their filters."""
    story = request.story
    form = TimelineFilter(request.GET, story=story)
    difference_now = difference(story, since, *form.querysets())
    context = timeline_context(story, form, page([], []))
    context.update(
        difference=difference_now,
        new_count=len(difference_now.new),
        figures=key_figures(story),
    )
    # The first screen's parts that read differently now, swapped in on open pages. New
    # items wait for the reader to ask for them (the notice), as in the timeline.
    if difference_now.story_changed or difference_now.key_moments_changed:
        context.update(refresh_so_far=True, key_moments=key_moments(story))
    if difference_now.pledges_changed:
        context.update(refresh_pledges=True, pledges=list(Pledge.objects.for_story(story)))
    response = render(request, f"{STORY}#updates", context)
    patch_cache_control(response, public=True, max_age=settings.TIMELINE_POLL_SECONDS)
    # The parts of the page that ask for themselves again on this event ask at this version
    # (static/js/dashboard.js), so no cache can answer with what they were before it.
    return trigger_client_event(
        response, STORY_CHANGED, {"version": request.story.published_version}
    )


@require_safe
@vary_on_htmx
@story_view
def stakeholder(request, slug, stakeholder_slug):
    story = request.story
    person = get_object_or_404(people_on_record(story), slug=stakeholder_slug)
    statements = Statement.objects.for_timeline(story).filter(speaker=person)
    events = NegotiationEvent.objects.for_timeline(story).filter(participants=person)
    older = OlderItems(request.GET)
    after = older.cleaned_data["before"] if older.is_valid() else None
    status = 200 if older.is_valid() else 400
    timeline_page = page(statements, events, after=after)
    context = {
        "story": story,
        "person": person,
        "recorded_roles": list(Role.objects.of(person)),
        "roles": Statement.objects.roles_given(story, person),
        "part": Part.objects.whos_who(story).filter(stakeholder=person).first(),
        "pledges": list(Pledge.objects.for_story(story).filter(pledger=person)),
        "claims": list(
            PledgeUpdate.objects.published()
            .filter(pledge__story=story, claimed_by=person)
            .select_related("pledge__pledger", "pledge__story", "source", "claimed_by")
            .order_by("as_of", "pk")
        ),
        "person_url": request.build_absolute_uri(story.get_person_url(person)),
        "timeline": timeline_page,
        "bad_cursor": status == 400,
    }
    if timeline_page.next_cursor:
        context["older_href"] = f"{story.get_person_url(person)}?before={timeline_page.next_cursor}"
    if after is not None and wants_fragment(request):
        # "Older items" appends the next page below the one before.
        context["continues"] = True
        return render(request, template_for(request, ITEMS, "timeline-page"), context, status)
    return render(request, "dashboard/stakeholder.html", context, status=status)


@require_safe
@story_view(shared=representation)
def whos_who_page(request, slug):
    """The story's who's who: its people and organisations by group, with their parts."""
    story = request.story
    context = {
        "story": story,
        "groups": whos_who(story),
        "page_url": request.build_absolute_uri(story.get_whos_who_url()),
    }
    return render(request, "dashboard/whos_who.html", context)


def permalink_page(request, template, item, **context):
    """A statement's or an event's own page with its citation (dashboard/permalink.html)."""
    permalink = request.build_absolute_uri(item.get_absolute_url())
    context |= {
        "story": request.story,
        "item": item,
        "permalink": permalink,
        "citation": item.citation(permalink),
    }
    return render(request, template, context)


@require_safe
@story_view
def statement(request, slug, pk):
    statement = get_object_or_404(Statement.objects.for_timeline(request.story), pk=pk)
    return permalink_page(request, "dashboard/statement.html", statement)


@require_safe
@story_view
def event(request, slug, pk):
    story = request.story
    event = get_object_or_404(NegotiationEvent.objects.for_timeline(story), pk=pk)
    statements = Statement.objects.for_timeline(story).filter(event=event)
    return permalink_page(request, "dashboard/event.html", event, statements=statements)
