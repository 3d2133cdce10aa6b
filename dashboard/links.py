"""
The one place that builds the public paths of statements, events, people and figures.

Feeds, the sitemap, JSON-LD, exports, the API and oEmbed all link through these functions,
so every surface agrees on where an item lives. Each returns a path (reversed from
dashboard/urls.py); callers that need an absolute address pass it to
`request.build_absolute_uri`.

Callers pass statements and events with their story loaded (`select_related("story")`) and
series with theirs, so building a link costs no query.
"""

from django.urls import reverse


def story_url(story):
    return reverse("story", args=[story.slug])


def statement_url(statement):
    return reverse("statement", args=[statement.story.slug, statement.pk])


def event_url(event):
    return reverse("event", args=[event.story.slug, event.pk])


def stakeholder_url(story, stakeholder):
    return reverse("stakeholder", args=[story.slug, stakeholder.slug])


def figure_url(series):
    return reverse("figure", args=[series.story.slug, series.slug])


def figure_embed_url(series):
    return reverse("figure-embed", args=[series.story.slug, series.slug])


def timeline_embed_url(story):
    return reverse("embed-timeline", args=[story.slug])


def statement_embed_url(statement):
    return reverse("embed-statement", args=[statement.story.slug, statement.pk])


def story_feed_url(story):
    return reverse("story-feed", args=[story.slug])


def stakeholder_feed_url(story, stakeholder):
    return reverse("stakeholder-feed", args=[story.slug, stakeholder.slug])


def export_url(story, name):
    """`name` is statements, events, figures or orders."""
    return reverse(f"export-{name}", args=[story.slug])


def order_url(order, book):
    """An order's row in the order-book chart's table (`book` is the story's order-book series,
    or None when it has none: then the story page)."""
    if book is None:
        return story_url(order.story)
    return figure_url(book) + f"#order-{order.pk}"


def item_url(item):
    """The permalink of a statement or an event."""
    if hasattr(item, "quote"):
        return statement_url(item)
    return event_url(item)
