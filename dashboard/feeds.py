"""
Atom feeds: one per story, and one per stakeholder within a story.

Entries are the story's published statements and negotiation events, newest first, and in a
story's feed its published orders too (each development of an order is an entry), and its
pledges and each of their status changes. A person's feed has their pledges, the status
changes of those pledges and their own claims about pledges. Each entry carries the speaker
(or participants), their role when they said it, the date at its true precision and the
source, so a feed reader shows the same facts as the page.
"""

import datetime
import heapq
import re

from django.contrib.syndication.views import Feed
from django.db.models import Max, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from stories.models import (
    Change,
    NegotiationEvent,
    Order,
    Pledge,
    PledgeUpdate,
    Series,
    Stakeholder,
    Statement,
)
from stories.timeline import people_on_record, sort_key

ENTRIES = 50
AUTHOR = "Story dashboard newsroom"

# Characters XML 1.0 cannot hold. Pasted text can carry them (a form feed from a PDF), and
# Django's XML writer refuses them, which would make the whole feed fail.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def clean(value):
    if isinstance(value, str):
        return NOT_XML.sub("", value)
    if isinstance(value, list | tuple):
        return [clean(each) for each in value]
    return value


class AtomFeed(Atom1Feed):
    """Atom 1.0, without the characters XML cannot hold."""

    def __init__(self, *args, **kwargs):
        super().__init__(*map(clean, args), **{key: clean(v) for key, v in kwargs.items()})

    def add_item(self, *args, **kwargs):
        super().add_item(*map(clean, args), **{key: clean(v) for key, v in kwargs.items()})

    def root_attributes(self):
        # Entries hold the site's own item cards, whose links are relative to the site.
        return {**super().root_attributes(), "xml:base": self.feed["link"]}

    def latest_post_date(self):
        """The feed is as new as the story's last change readers can see (its change log)."""
        return self.feed.get("story_changed_at") or super().latest_post_date()


def statement_title(statement, length=80):
    quote = " ".join(statement.quote.split())
    if len(quote) > length:
        quote = quote[: length - 1].rstrip() + "…"
    return f"{statement.speaker.name}: “{quote}”"


def event_title(event):
    return f"{event.title} ({event.get_kind_display()}, {event.when})"


def order_title(order):
    value = f", {order.value_text}" if order.value_text else ""
    return f"{order}{value} ({order.when})"


def pledge_title(pledge):
    kind = pledge.get_kind_display().lower()
    return f"{pledge.pledger.name}: {pledge.promise} ({kind}, {pledge.when})"


def pledge_update_title(update):
    pledge = update.pledge
    return f"{update.verdict_text}: {pledge.pledger.name}, “{pledge.promise}” ({update.when})"


# What an entry's title, author, categories and link are, for each kind of item in a feed.
TITLES = {
    "statement": statement_title,
    "event": event_title,
    "order": order_title,
    "pledge": pledge_title,
    "pledge_update": pledge_update_title,
}
AUTHORS = {
    "statement": lambda statement: statement.speaker.name,
    "event": lambda event: None,
    "order": lambda order: None,
    "pledge": lambda pledge: pledge.pledger.name,
    "pledge_update": lambda update: update.claimed_by.name if update.is_claim else None,
}
CATEGORIES = {
    "statement": lambda statement: ["statement", statement.speaker.slug],
    "event": lambda event: ["event", event.kind],
    "order": lambda order: ["order", order.development],
    "pledge": lambda pledge: ["pledge", pledge.kind, pledge.pledger.slug],
    "pledge_update": lambda update: ["pledge-status", update.verdict],
}
LOGGED_KINDS = ("statement", "event", "order", "pledge", "pledge_update")
# An order's entry links to its row in the order-book chart (StoryFeed.items finds it).
LINKS = {"order": lambda order: order.url_in(order.book)}


def ids_of(items, kind):
    return [item.pk for item in items if item.timeline_kind == kind]


def at_midday(date):
    """A date as an aware datetime; the feed format needs a time, the story only has a day."""
    return timezone.make_aware(datetime.datetime.combine(date, datetime.time(12)))


class StoryFeed(Feed):
    """A story's statements, events and orders, newest first."""

    description_template = "feeds/item.html"

    feed_type = AtomFeed
    author_name = AUTHOR

    def get_object(self, request, slug):
        return request.story  # dashboard.reading.story_view found it (see dashboard/urls.py)

    def title(self, story):
        return story.title

    def subtitle(self, story):
        return story.standfirst

    def link(self, story):
        return story.get_absolute_url()

    def feed_url(self, story):
        return story.get_feed_url()

    def statements(self, story):
        return Statement.objects.for_timeline(story)

    def events(self, story):
        return NegotiationEvent.objects.for_timeline(story)

    def orders(self, story):
        return (
            Order.objects.for_story(story)
            .select_related("story")
            .order_by("-announced_on", "-pk")[:ENTRIES]
        )

    def pledges(self, story):
        return Pledge.objects.for_story(story).order_by("-made_on", "-pk")

    def pledge_updates(self, story):
        return (
            PledgeUpdate.objects.published()
            .filter(pledge__story=story)
            .select_related("pledge__pledger", "pledge__story", "source", "claimed_by")
            .order_by("-as_of", "-pk")
        )

    def items(self, story):
        statements = self.statements(story)[:ENTRIES]
        events = self.events(story)[:ENTRIES]
        orders = list(self.orders(story))
        if orders:
            # An order's entry links to its row in the order-book chart.
            book = Series.objects.published().filter(story=story, kind="order_book").first()
            for order in orders:
                order.book = book
        pledges = self.pledges(story)[:ENTRIES]
        updates = self.pledge_updates(story)[:ENTRIES]
        kinds = [statements, events, orders, pledges, updates]
        items = list(heapq.merge(*kinds, key=sort_key, reverse=True))
        items = items[:ENTRIES]
        # Each entry is as new as its last change readers saw, from the change log (one query).
        changes = (
            Change.objects.filter(story=story)
            .filter(
                Q(
                    *[Q(subject=kind, object_id__in=ids_of(items, kind)) for kind in LOGGED_KINDS],
                    _connector=Q.OR,
                )
            )
            .values("subject", "object_id")
            .annotate(at=Max("at"))
        )
        self.changed_at = {(row["subject"], row["object_id"]): row["at"] for row in changes}
        return items

    def feed_extra_kwargs(self, story):
        return {"story_changed_at": story.published_version_at}

    def item_title(self, item):
        return TITLES[item.timeline_kind](item)

    def get_context_data(self, **kwargs):
        # The entry's HTML is the item's card, as on the story page (description_template).
        return {"item": kwargs["item"], "story": kwargs["obj"]}

    def item_link(self, item):
        return LINKS.get(item.timeline_kind, lambda item: item.get_absolute_url())(item)

    def item_pubdate(self, item):
        return item.published_at or at_midday(item.when.date)

    def item_updateddate(self, item):
        changed_at = self.changed_at.get((item.timeline_kind, item.pk))
        return changed_at or self.item_pubdate(item)

    def item_author_name(self, item):
        return AUTHORS[item.timeline_kind](item)

    def item_categories(self, item):
        return CATEGORIES[item.timeline_kind](item)


class StakeholderFeed(StoryFeed):
    """What one person or organisation said in a story, and the events they took part in."""

    def get_object(self, request, slug, stakeholder):
        story = request.story
        person = get_object_or_404(Stakeholder, slug=stakeholder)
        if not people_on_record(story).filter(pk=person.pk).exists():
            raise Http404("This person has no published part in this story.")
        story.stakeholder = person
        return story

    def title(self, story):
        return f"{story.stakeholder.name} · {story.title}"

    def subtitle(self, story):
        role = f", {story.stakeholder.role}" if story.stakeholder.role else ""
        return (
            f"Statements by {story.stakeholder.name}{role}, events they took part in, and "
            "their pledges."
        )

    def link(self, story):
        return story.get_person_url(story.stakeholder)

    def feed_url(self, story):
        return story.get_person_feed_url(story.stakeholder)

    def statements(self, story):
        return super().statements(story).filter(speaker=story.stakeholder)

    def events(self, story):
        return super().events(story).filter(participants=story.stakeholder)

    def orders(self, story):
        return Order.objects.none()  # an order names a customer, not a person in the story

    def pledges(self, story):
        return super().pledges(story).filter(pledger=story.stakeholder)

    def pledge_updates(self, story):
        """Status changes of their pledges, and their own claims about any pledge."""
        person = story.stakeholder
        return (
            super().pledge_updates(story).filter(Q(pledge__pledger=person) | Q(claimed_by=person))
        )
