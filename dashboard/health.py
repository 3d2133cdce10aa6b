"""/healthz: the process answers and every configured database is reachable."""

from django.db import DatabaseError, connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


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
    healthy = all(state == "ok" for state in databases.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "databases": databases},
        status=200 if healthy else 503,
    )
