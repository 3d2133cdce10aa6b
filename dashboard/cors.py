"""Cross-origin reads of the open-data surfaces (feeds, API, exports, oEmbed)."""

from functools import wraps


def allow_any_origin(view):
    """Open data: let scripts on any site read the response (no cookies are involved)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return wrapped
