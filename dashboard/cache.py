"""
Redis as a cache the site can do without.

Nothing the site must remember lives only in Redis: stories' versions are in PostgreSQL, and
sessions are written through to it (`cached_db`). So when Redis cannot be reached, a read is a
miss and a write is skipped; the site reads PostgreSQL instead and keeps serving, slower. After
a failure the cache is left alone for RETRY_SECONDS, so an outage costs one timeout, not one
per request. `reachable()` tells the health check how the cache is doing.
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

RETRY_SECONDS = 5


def tolerant(name, failed_value=None):
    """A RedisCache method that answers `failed_value` instead of raising when Redis fails."""

    def method(self, *args, **kwargs):
        if self.resting():
            return failed_value(*args, **kwargs) if callable(failed_value) else failed_value
        try:
            return getattr(RedisCache, name)(self, *args, **kwargs)
        except RedisError as error:
            self.failed(error)
            return failed_value(*args, **kwargs) if callable(failed_value) else failed_value

    method.__name__ = name
    return method


class TolerantRedisCache(RedisCache):
    down_until = 0.0

    def resting(self):
        return time.monotonic() < self.down_until

    def failed(self, error):
        if not self.resting():
            log.warning("The cache is unreachable, reading without it: %s", error)
        self.down_until = time.monotonic() + RETRY_SECONDS

    def reachable(self):
        """Whether Redis answers now (the health check asks; this ignores the rest period)."""
        try:
            return bool(self._cache.get_client().ping())
        except RedisError as error:
            self.failed(error)
            return False

    get = tolerant("get", lambda key, default=None, version=None: default)
    get_many = tolerant("get_many", lambda *args, **kwargs: {})
    has_key = tolerant("has_key", False)
    add = tolerant("add", False)
    set = tolerant("set", None)
    set_many = tolerant("set_many", lambda data, *args, **kwargs: list(data))
    touch = tolerant("touch", False)
    delete = tolerant("delete", False)
    delete_many = tolerant("delete_many", None)
    clear = tolerant("clear", False)
