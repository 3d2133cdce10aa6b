"""
/healthz: the process answers, every configured database is reachable, and how the cache is.

A database that cannot be reached makes the site unavailable (503). The cache can fail without
that: pages are then read from PostgreSQL, slower, so the answer stays 200 and says "degraded".
"""

from django.core.cache import cache
from django.db import DatabaseError, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


def cache_state():
    reachable = getattr(cache, "reachable", None)
    if reachable is None:
        return "local"  # this process's own memory: nothing to reach
    return "ok" if reachable() else "unreachable"


@never_cache
@require_safe
def healthz(request):
    databases = {}
    for connection in connections.all():
        try:
            with connection.cursor() as cursor:
                cursor.execute("select 1")
            databases[connection.alias] = "ok"
        except DatabaseError:
            databases[connection.alias] = "unreachable"
    cache_now = cache_state()
    if any(state != "ok" for state in databases.values()):
        status = "unavailable"
    elif cache_now == "unreachable":
        status = "degraded"
    else:
        status = "ok"
    return JsonResponse(
        {"status": status, "databases": databases, "cache": cache_now},
        status=503 if status == "unavailable" else 200,
    )
