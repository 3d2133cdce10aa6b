import datetime

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseStopPolling, push_url, trigger_client_event

from stories import changes
from stories.models import NegotiationEvent, Statement, Story
from stories.timeline import (
    Cursor,
    InvalidCursor,
    between,
    key_figures,
    last_updated,
    page,
    people_in,
)

from .charts import charts_for_story
from .filters import TimelineFilter

# Corrections saved this long before a page was rendered are sent again with the next change,
# in case the editor's transaction committed after the page read the item.
CORRECTION_MARGIN = datetime.timedelta(seconds=30)
STORY_CHANGED = "story-changed"


def poll_seconds():
    return getattr(settings, "TIMELINE_POLL_SECONDS", 10)


def story_id_key(slug):
    return f"story-id:{slug}"


def published_story(slug):
    """The published story with this slug (or 404), remembering its id for the update poll."""
    story = get_object_or_404(Story.objects.published(), slug=slug)
    cache.set(story_id_key(slug), story.pk, None)
    return story


@require_safe
def story_list(request):
    stories = Story.objects.published().order_by("-started_on")
    return render(request, "dashboard/story_list.html", {"stories": stories})


def timeline_context(story, form, timeline_page, checked):
    """What the story page and its fragments render: the filtered page plus the live poll."""
    top = timeline_page.top if timeline_page.after is None else None
    return {
        "story": story,
        "form": form,
        "timeline": timeline_page,
        "live": {
            "stamp": changes.current_stamp(story.pk),
            "checked": int(checked.timestamp() * 1000),  # milliseconds
            "top": top,
            "seconds": poll_seconds(),
            "query": form.query_string(before=None),
        },
    }


# Renew when the story page's markup changes, so no page of the old shape is served.
PAGE_FORMAT = 1
PAGE_CACHE_SECONDS = 300


def page_cache_key(story_id, stamp):
    return f"story-page:{PAGE_FORMAT}:{story_id}:{stamp}"


def is_plain_read(request):
    """A reader's first visit: the whole page, no filters, not signed in (same for everyone)."""
    return not request.GET and not request.htmx and not request.COOKIES


@require_safe
@vary_on_headers("HX-Request")
def story(request, slug):
    """
    The story dashboard. The unfiltered page is the same for every anonymous reader until the
    story changes, so it is kept in the cache under the story's change stamp: a new stamp
    (any edit readers could see) means a new key, so no reader gets a stale page.
    """
    plain = is_plain_read(request)
    story_id = cache.get(story_id_key(slug)) if plain else None
    if story_id is not None:
        key = page_cache_key(story_id, changes.current_stamp(story_id))
        content = cache.get(key)
        if content is not None:
            return HttpResponse(content)
    story = published_story(slug)
    stamp = changes.current_stamp(story.pk)
    response = story_page(request, story)
    if plain and response.status_code == 200:
        # Scripts are ours, allowed by 'self' in the CSP; the page's nonce is only on tags that
        # also match 'self', so a copy served later with another response's policy still runs.
        cache.set(page_cache_key(story.pk, stamp), response.content, PAGE_CACHE_SECONDS)
    return response


def story_page(request, story):
    checked = timezone.now()
    form = TimelineFilter(request.GET, story=story)
    timeline_page = form.page()
    status = 400 if form.bad_cursor else 200
    context = timeline_context(story, form, timeline_page, checked)
    if timeline_page.next_cursor:
        context["older_href"] = (
            f"{story.get_absolute_url()}?{form.query_string(before=timeline_page.next_cursor)}"
        )
    if timeline_page.by_relevance:
        context["newest_query"] = form.query_string(order=None)
    if wants_fragment(request):
        if timeline_page.after is not None:
            context["continues"] = True  # appended below the page before: no repeated month
            return render(request, "dashboard/story.html#timeline-page", context, status=status)
        response = render(request, "dashboard/story.html#timeline", context, status=status)
        if request.htmx.trigger == "filters":
            # The form sends every field, empty or not; the address bar gets the tidy equivalent.
            query = form.query_string()
            push_url(response, story.get_absolute_url() + (f"?{query}" if query else ""))
        return response
    context["figures"] = key_figures(story)
    context["charts"] = charts_for_story(story)
    context["last_updated"] = last_updated(story)
    return render(request, "dashboard/story.html", context, status=status)


def wants_fragment(request):
    """An htmx request for part of a page (not htmx restoring a whole page from history)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


@require_safe
@never_cache
@vary_on_headers("HX-Request")
def updates(request, slug):
    """
    The live poll. Unchanged story: 204 and no database query. Changed: the htmx event
    `story-changed`, a notice of new items above the reader's, corrected items swapped in
    place, withdrawn items removed, the header's key figures, and a poller with the new stamp.
    """
    if not wants_fragment(request):
        return story_page(request, published_story(slug))
    story_id = cache.get(story_id_key(slug))
    since = request.GET.get("since", "")
    if story_id is not None and since and since == changes.current_stamp(story_id):
        return HttpResponse(status=204)

    checked = timezone.now()
    try:
        story = published_story(slug)
    except Http404:
        # The story was unpublished or renamed since the page loaded: stop asking.
        return HttpResponseStopPolling()
    if since == changes.current_stamp(story.pk):
        return HttpResponse(status=204)  # only the remembered id was missing
    form = TimelineFilter(request.GET, story=story)
    try:
        top = Cursor.parse(request.GET["top"]) if request.GET.get("top") else None
        bottom = Cursor.parse(request.GET["bottom"]) if request.GET.get("bottom") else None
    except InvalidCursor:
        return HttpResponse("The page positions in this request are not valid.", status=400)
    try:
        seen = datetime.datetime.fromtimestamp(
            int(request.GET.get("checked", "")) / 1000, datetime.UTC
        )
    except (ValueError, OverflowError, OSError):
        seen = checked
    corrected, withdrawn, backdated = [], [], 0
    if top is not None:
        statements, events = between(*form.querysets(), top, bottom)
        since_seen = seen - CORRECTION_MARGIN
        corrected = page(
            statements.filter(updated_at__gt=since_seen),
            events.filter(updated_at__gt=since_seen),
            size=50,
        ).items
        withdrawn = withdrawn_ids(story, since_seen)
        # Published since the page was read but dated among the items already loaded.
        published_since = Q(created_at__gt=seen) | Q(published_at__gt=seen)
        backdated = statements.filter(published_since).count()
        backdated += events.filter(published_since).count()
    new_count = form.count_newer(top) + backdated
    context = timeline_context(story, form, page([], []), checked)
    context["live"]["top"] = top
    context.update(
        new_count=new_count,
        corrected=corrected,
        withdrawn=withdrawn,
        figures=key_figures(story),
    )
    response = render(request, "dashboard/story.html#updates", context)
    return trigger_client_event(response, STORY_CHANGED)


def withdrawn_ids(story, since):
    """Element ids of items unpublished since `since`, so open pages can remove them."""
    ids = [
        f"statement-{pk}"
        for pk in Statement.objects.filter(story=story, updated_at__gt=since)
        .exclude(status="published")
        .values_list("pk", flat=True)
    ]
    ids += [
        f"event-{pk}"
        for pk in NegotiationEvent.objects.filter(story=story, updated_at__gt=since)
        .exclude(status="published")
        .values_list("pk", flat=True)
    ]
    return ids


@require_safe
@vary_on_headers("HX-Request")
def stakeholder(request, slug, stakeholder_slug):
    story = published_story(slug)
    person = get_object_or_404(people_in(story), slug=stakeholder_slug)
    statements = Statement.objects.for_timeline(story).filter(speaker=person)
    events = NegotiationEvent.objects.for_timeline(story).filter(participants=person)
    try:
        after = Cursor.parse(request.GET["before"]) if request.GET.get("before") else None
    except InvalidCursor:
        after, status = None, 400
    else:
        status = 200
    timeline_page = page(statements, events, after=after)
    context = {
        "story": story,
        "person": person,
        "roles": roles_over_time(story, person),
        "timeline": timeline_page,
        "bad_cursor": status == 400,
    }
    if timeline_page.next_cursor:
        context["older_href"] = (
            reverse("stakeholder", args=[story.slug, person.slug])
            + f"?before={timeline_page.next_cursor}"
        )
    template = "dashboard/stakeholder.html"
    if wants_fragment(request) and after is not None:
        template = "dashboard/story.html#timeline-page"
        context["continues"] = True
    return render(request, template, context, status=status)


def roles_over_time(story, person):
    """Each role the person's statements give them, with the first and last time they spoke so."""
    roles = []
    for statement in (
        Statement.objects.published()
        .filter(story=story, speaker=person)
        .order_by("said_on", "pk")
        .only("speaker_role", "said_on", "said_on_precision")
    ):
        role = statement.speaker_role or "No role given by the source"
        if roles and roles[-1]["role"] == role:
            roles[-1]["last"] = statement.when
        else:
            roles.append({"role": role, "first": statement.when, "last": statement.when})
    return roles


@require_safe
def statement(request, slug, pk):
    story = published_story(slug)
    statement = get_object_or_404(Statement.objects.for_timeline(story), pk=pk)
    permalink = request.build_absolute_uri(reverse("statement", args=[story.slug, statement.pk]))
    context = {
        "story": story,
        "item": statement,
        "permalink": permalink,
        "citation": statement_citation(statement, story, permalink),
    }
    return render(request, "dashboard/statement.html", context)


@require_safe
def event(request, slug, pk):
    story = published_story(slug)
    event = get_object_or_404(NegotiationEvent.objects.for_timeline(story), pk=pk)
    permalink = request.build_absolute_uri(reverse("event", args=[story.slug, event.pk]))
    context = {
        "story": story,
        "item": event,
        "statements": Statement.objects.for_timeline(story).filter(event=event),
        "permalink": permalink,
        "citation": event_citation(event, story, permalink),
    }
    return render(request, "dashboard/event.html", context)


def source_citation(source):
    """How a source is cited: publication, headline, date and address."""
    parts = [source.publication]
    if source.headline:
        parts.append(f"“{source.headline}”")
    parts.append(str(source.published))
    cited = ", ".join(parts) + "."
    return f"{cited} {source.url}" if source.url else cited


def statement_citation(statement, story, permalink):
    speaker = statement.speaker.name
    if statement.speaker_role:
        speaker += f" ({statement.speaker_role})"
    how = ""
    if statement.method not in (Statement.Method.UNSPECIFIED, Statement.Method.OTHER):
        how = f", {statement.get_method_display().lower()}"
    return (
        f"{speaker}, {statement.when}{how}: “{' '.join(statement.paragraphs)}”\n"
        f"Source: {source_citation(statement.source)}\n"
        f"Story dashboard, {story.title}: {permalink}"
    )


def event_citation(event, story, permalink):
    place = f", {event.place}" if event.place else ""
    return (
        f"{event.title} ({event.get_kind_display().lower()}, {event.when}{place}).\n"
        f"Source: {source_citation(event.source)}\n"
        f"Story dashboard, {story.title}: {permalink}"
    )
