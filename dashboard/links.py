"""
The one place that builds the public paths of statements, events, people and figures.

Feeds, the sitemap, JSON-LD, exports, the API and oEmbed all link through these functions,
so every surface agrees on where an item lives. Each returns a path; callers that need an
absolute address pass it to `request.build_absolute_uri`.

Callers pass statements and events with their story loaded (`select_related("story")`) and
series with theirs, so building a link costs no query.
"""


def story_url(story):
    return f"/stories/{story.slug}/"


def statement_url(statement):
    return f"/stories/{statement.story.slug}/statements/{statement.pk}/"


def event_url(event):
    return f"/stories/{event.story.slug}/events/{event.pk}/"


def stakeholder_url(story, stakeholder):
    return f"/stories/{story.slug}/people/{stakeholder.slug}/"


def figure_url(series):
    return f"/stories/{series.story.slug}/figures/{series.slug}/"


def figure_embed_url(series):
    return f"/embed/stories/{series.story.slug}/figures/{series.slug}/"


def timeline_embed_url(story):
    return f"/embed/stories/{story.slug}/timeline/"


def statement_embed_url(statement):
    return f"/embed/stories/{statement.story.slug}/statements/{statement.pk}/"


def story_feed_url(story):
    return f"/stories/{story.slug}/feed/"


def stakeholder_feed_url(story, stakeholder):
    return f"/stories/{story.slug}/people/{stakeholder.slug}/feed/"


def export_url(story, name):
    """`name` is statements, events or figures."""
    return f"/stories/{story.slug}/export/{name}.csv"


def item_url(item):
    """The permalink of a statement or an event."""
    if hasattr(item, "quote"):
        return statement_url(item)
    return event_url(item)
