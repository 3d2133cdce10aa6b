"""
The site's own middleware: the request log, cache headers for public pages, pinning editors
to the primary database, and a friendly 503 while the database is unreachable.
"""

import contextlib
import contextvars
import logging
import re
import sys
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections, transaction
from django.http import HttpResponse
from django.template import loader
from django.utils.cache import patch_cache_control
from django.views import defaults
from django_htmx.http import reswap
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from . import routers

request_log = logging.getLogger("dashboard.requests")

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

# What "the database (or the shared cache) cannot be reached" looks like to a view.
UNAVAILABLE = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)


def admin_prefix():
    return "/" + settings.ADMIN_PATH


class QueryCounter:
    """Counts the database queries of one request (a connection execute wrapper)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class RequestLogMiddleware:
    """
    One line per request: method, path, status, duration in milliseconds, database queries,
    and, for an answer that is the same for every reader, whether the shared cache had it
    (`shared`: hit or miss; dashboard.reading).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        queries = QueryCounter()
        with contextlib.ExitStack() as stack:
            for connection in connections.all():
                stack.enter_context(connection.execute_wrapper(queries))
            response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        fields = {
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": duration_ms,
            "queries": queries.count,
        }
        if shared := getattr(request, "shared_answer", None):
            fields["shared"] = shared
        if error := getattr(request, "database_unavailable", None):
            fields["database_unavailable"] = error
        request_log.info(
            "%s %s %s %sms",
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            extra=fields,
        )
        return response


class PublicCacheMiddleware:
    """
    Let browsers and a CDN keep public pages for a short while.

    Applies to anonymous GET and HEAD requests whose path matches one of
    settings.PUBLIC_CACHE_RULES, and only to responses that set no cookie and carry no
    Cache-Control of their own, so a view that knows better keeps its own headers. A request
    with a session cookie may come from an editor and is never marked public; the admin never is.
    """

    CACHEABLE_STATUSES = {200, 204, 301, 304, 404, 410}

    def __init__(self, get_response):
        self.get_response = get_response
        self.rules = [
            (re.compile(pattern), max_age, stale_while_revalidate)
            for pattern, max_age, stale_while_revalidate in settings.PUBLIC_CACHE_RULES
        ]

    def __call__(self, request):
        response = self.get_response(request)
        rule = self.rule_for(request, response)
        if rule:
            _, max_age, stale_while_revalidate = rule
            directives = {"public": True, "max_age": max_age}
            if stale_while_revalidate:
                directives["stale_while_revalidate"] = stale_while_revalidate
            directives["stale_if_error"] = settings.PUBLIC_CACHE_STALE_IF_ERROR
            patch_cache_control(response, **directives)
        return response

    def rule_for(self, request, response):
        """The first rule matching the path, when the response may be shared at all."""
        if not (
            request.method in {"GET", "HEAD"}
            and response.status_code in self.CACHEABLE_STATUSES
            and "Cache-Control" not in response
            and not response.cookies
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path_info.startswith(admin_prefix())
        ):
            return None
        return next((rule for rule in self.rules if rule[0].search(request.path_info)), None)


class PrimaryDatabaseMiddleware:
    """Pin editors' requests (the admin, any write, anyone with a session) to the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method not in SAFE_METHODS
            or request.path_info.startswith(admin_prefix())
            or settings.SESSION_COOKIE_NAME in request.COOKIES
        ):
            with routers.primary():
                return self.get_response(request)
        return self.get_response(request)


# Whether an editorial write of this request has committed: the 503 page must not tell an
# editor "nothing was saved" about a change that was (say, the database went away just after).
editorial_write_committed = contextvars.ContextVar("editorial_write_committed", default=False)


def note_editorial_write(sender, using=None, **kwargs):
    """Connected to every model's saves and deletes (dashboard.apps): stories' rows count."""
    if sender._meta.app_label == "stories":
        transaction.on_commit(lambda: editorial_write_committed.set(True), using=using)


class DatabaseUnavailableMiddleware:
    """Turn 'cannot reach the database' in a view into a friendly 503 with Retry-After."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = editorial_write_committed.set(False)
        try:
            return self.get_response(request)
        finally:
            editorial_write_committed.reset(token)

    def process_exception(self, request, exception):
        if isinstance(exception, UNAVAILABLE):
            return unavailable(request, exception)
        return None


def unavailable(request, error):
    """
    The 503 answer: readers get a short apology; editors are told whether their change was
    saved (every save is one transaction: it committed before the failure, or nothing of it
    did). The page is rendered without the request, so it needs no session, no user and no
    query.
    """
    # The request log line carries the cause (first line of the driver's message).
    request.database_unavailable = f"{type(error).__name__}: {str(error).strip()}".splitlines()[0]
    context = {
        "editor": request.path_info.startswith(admin_prefix()),
        "saved": editorial_write_committed.get(),
    }
    response = HttpResponse(loader.render_to_string("503.html", context), status=503)
    response["Retry-After"] = str(settings.DATABASE_RETRY_AFTER)
    patch_cache_control(response, no_store=True)
    if getattr(request, "htmx", False):
        # Leave the reader's page as it is; the next poll tries again.
        reswap(response, "none")
    return response


def server_error(request):
    """handler500: a database failure outside a view (in a middleware) still gets the 503."""
    error = sys.exc_info()[1]
    if isinstance(error, UNAVAILABLE):
        return unavailable(request, error)
    return defaults.server_error(request)
