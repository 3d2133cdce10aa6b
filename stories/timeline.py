"""A story's timeline: its published statements and negotiation events, merged, newest first."""

import heapq

from .models import NegotiationEvent, Statement


def sort_key(item):
    """Newest first; statements before events on the same day; then newest row first."""
    return (item.when.date, isinstance(item, Statement), item.pk)


def timeline(story, statements=None, events=None):
    """
    Merge a story's statements and events into one list, newest first.

    `statements` and `events` default to everything published for the story; pass filtered
    querysets to narrow the timeline. Each queryset is read once, so the number of queries
    does not grow with the story.
    """
    if statements is None:
        statements = Statement.objects.for_timeline(story)
    if events is None:
        events = NegotiationEvent.objects.for_timeline(story)
    return list(heapq.merge(statements, events, key=sort_key, reverse=True))
