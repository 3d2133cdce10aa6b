"""
A change stamp per story, kept in the cache.

Every write that readers could see (a statement, event, figure or the story itself, created,
corrected, published, unpublished or deleted) gives the story a new stamp once the transaction
commits. An open page polls with the stamp it was rendered with; when the stamp is unchanged
the answer needs no database query.
"""

import time

from django.core.cache import cache

TIMEOUT = None  # stamps never expire; a lost stamp is replaced, which only costs one refresh


def cache_key(story_id):
    return f"story-stamp:{story_id}"


def new_stamp():
    return format(time.time_ns(), "x")


def current_stamp(story_id):
    """The story's stamp; a story with no stamp yet (or an emptied cache) gets a fresh one."""
    key = cache_key(story_id)
    stamp = cache.get(key)
    if stamp is None:
        stamp = new_stamp()
        if not cache.add(key, stamp, TIMEOUT):
            stamp = cache.get(key, stamp)
    return stamp


def current_stamps(story_ids):
    """Stamps of several stories, read from the cache in one round trip."""
    keys = {cache_key(story_id): story_id for story_id in story_ids}
    found = cache.get_many(keys)
    return {
        story_id: found[key] if key in found else current_stamp(story_id)
        for key, story_id in keys.items()
    }


def touch(story_id):
    """Give the story a new stamp: something readers can see has changed."""
    stamp = new_stamp()
    cache.set(cache_key(story_id), stamp, TIMEOUT)
    return stamp
