"""
Atom feeds: one per story, and one per stakeholder within a story.

Entries are the story's published statements and negotiation events, newest first, and in a
story's feed its published orders too (each development of an order is an entry). Each entry
carries the speaker (or participants), their role when they said it, the date at its true
precision and the source, so a feed reader shows the same facts as the page.
"""

import datetime
import heapq
import re

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html, format_html_join

from stories.models import NegotiationEvent, Order, Series, Stakeholder, Statement
from stories.timeline import sort_key

from . import links

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


def quote_title(statement, length=80):
    quote = " ".join(statement.quote.split())
    if len(quote) > length:
        quote = quote[: length - 1].rstrip() + "…"
    return f"{statement.speaker.name}: “{quote}”"


def source_html(source):
    title = source.publication
    if source.headline:
        title = f"{title}: {source.headline}"
    if source.url:
        title = format_html('<a href="{}">{}</a>', source.url, title)
    return format_html("<p>Source: {}, {}</p>", title, str(source.published))


def statement_html(statement):
    paragraphs = format_html_join("", "<p>{}</p>", ((p,) for p in statement.paragraphs))
    speaker = statement.speaker.name
    if statement.speaker_role:
        speaker = f"{speaker}, {statement.speaker_role}"
    context = format_html("<p>{}</p>", statement.context) if statement.context else ""
    return format_html(
        "<blockquote>{}</blockquote><p>{} · {} · {}</p>{}{}",
        paragraphs,
        speaker,
        statement.get_method_display(),
        str(statement.when),
        context,
        source_html(statement.source),
    )


def event_html(event):
    parts = [format_html("<p>{} · {}</p>", str(event.when), event.get_kind_display())]
    if event.description:
        parts.append(format_html("<p>{}</p>", event.description))
    participants = [person.name for person in event.participants.all()]
    if participants:
        parts.append(format_html("<p>With {}</p>", ", ".join(participants)))
    if event.place:
        parts.append(format_html("<p>{}</p>", event.place))
    parts.append(source_html(event.source))
    return format_html_join("", "{}", ((part,) for part in parts))


def order_title(order):
    value = f", {order.value_text}" if order.value_text else ""
    return f"{order}{value} ({order.when})"


def order_html(order):
    parts = [format_html("<p>{} · {}</p>", str(order.when), order.get_development_display())]
    terms = order.get_commitment_display()
    if order.condition:
        terms = f"{terms}: {order.condition}"
    parts.append(format_html("<p>{}</p>", terms))
    if order.delivery:
        parts.append(format_html("<p>Delivery: {}</p>", order.delivery))
    if order.note:
        parts.append(format_html("<p>{}</p>", order.note))
    parts.append(source_html(order.source))
    return format_html_join("", "{}", ((part,) for part in parts))


def at_midday(date):
    """A date as an aware datetime; the feed format needs a time, the story only has a day."""
    return timezone.make_aware(datetime.datetime.combine(date, datetime.time(12)))


class StoryFeed(Feed):
    """A story's statements and events, newest first."""

    feed_type = AtomFeed
    author_name = AUTHOR

    def get_object(self, request, slug):
        return request.story  # dashboard.reading.story_view found it (see dashboard/urls.py)

    def title(self, story):
        return story.title

    def subtitle(self, story):
        return story.standfirst

    def link(self, story):
        return links.story_url(story)

    def feed_url(self, story):
        return links.story_feed_url(story)

    def statements(self, story):
        return Statement.objects.for_timeline(story).select_related("story")

    def events(self, story):
        return NegotiationEvent.objects.for_timeline(story).select_related("story")

    def orders(self, story):
        return (
            Order.objects.for_story(story)
            .select_related("story")
            .order_by("-announced_on", "-pk")[:ENTRIES]
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
        merged = heapq.merge(statements, events, orders, key=sort_key, reverse=True)
        return list(merged)[:ENTRIES]

    def item_title(self, item):
        if isinstance(item, Statement):
            return quote_title(item)
        if isinstance(item, Order):
            return order_title(item)
        return f"{item.title} ({item.get_kind_display()}, {item.when})"

    def item_description(self, item):
        if isinstance(item, Statement):
            return statement_html(item)
        if isinstance(item, Order):
            return order_html(item)
        return event_html(item)

    def item_link(self, item):
        if isinstance(item, Order):
            return links.order_url(item, item.book)
        return links.item_url(item)

    def item_pubdate(self, item):
        return item.published_at or at_midday(item.when.date)

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        if isinstance(item, Statement):
            return item.speaker.name
        return None

    def item_categories(self, item):
        if isinstance(item, Statement):
            return ["statement", item.speaker.slug]
        if isinstance(item, Order):
            return ["order", item.development]
        return ["event", item.kind]


class StakeholderFeed(StoryFeed):
    """What one person or organisation said in a story, and the events they took part in."""

    def get_object(self, request, slug, stakeholder):
        story = request.story
        person = get_object_or_404(Stakeholder, slug=stakeholder)
        involved = (
            Statement.objects.published().filter(story=story, speaker=person).exists()
            or NegotiationEvent.objects.published()
            .filter(story=story, participants=person)
            .exists()
        )
        if not involved:
            raise Http404("This person has no published part in this story.")
        story.stakeholder = person
        return story

    def title(self, story):
        return f"{story.stakeholder.name} · {story.title}"

    def subtitle(self, story):
        role = f", {story.stakeholder.role}" if story.stakeholder.role else ""
        return f"Statements by {story.stakeholder.name}{role}, and events they took part in."

    def link(self, story):
        return links.stakeholder_url(story, story.stakeholder)

    def feed_url(self, story):
        return links.stakeholder_feed_url(story, story.stakeholder)

    def statements(self, story):
        return super().statements(story).filter(speaker=story.stakeholder)

    def events(self, story):
        return super().events(story).filter(participants=story.stakeholder)

    def orders(self, story):
        return Order.objects.none()  # an order names a customer, not a person in the story
