"""
The WSGI application gunicorn serves (scripts/web). Each worker warms up before it takes its
first request, so the first reader after a deploy does not wait for what every later one is
spared: importing the views, compiling the story page's templates (its filter form's widgets
included), loading the date formats, connecting to PostgreSQL and reading each table once,
then serving the newest story's page to itself with every cache turned off. What it has built
by then it keeps for life, so it is left out of the garbage collector's later passes.
"""

import contextlib
import gc
import os
from urllib.parse import urlsplit
from wsgiref.util import setup_testing_defaults

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
application = get_wsgi_application()


# The templates of the story page (and what it extends and includes).
WARM_TEMPLATES = [
    "base.html",
    "share.html",
    "dashboard/story.html",
    "dashboard/items.html",
    "dashboard/figure.html",
    "dashboard/whos_who.html",
]


def warm_up():
    from django.apps import apps
    from django.db import DatabaseError
    from django.template import engines
    from django.template.loader import get_template
    from django.urls import get_resolver
    from django.utils.formats import get_format

    from dashboard.filters import TimelineFilter

    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 (imports every view module)
    resolver.reverse_dict  # noqa: B018 (compiles every URL pattern, for reverse())
    for name in WARM_TEMPLATES:
        get_template(name)
    engines["django"].engine.template_context_processors  # noqa: B018 (imports them)
    # The filter form's widgets render through the forms renderer's own templates.
    for name, field in TimelineFilter.base_fields.items():
        field.widget.render(name, None)
    get_format("DATE_FORMAT")  # imports the language's date and number formats
    try:
        # A new PostgreSQL connection learns each table it touches on first use: do that now.
        for model in apps.get_app_config("stories").get_models():
            model._base_manager.exists()
        serve_a_story_page()
    except DatabaseError:
        pass  # the first request will say the database is unavailable, as it should
    # Modules, URL patterns, compiled templates: collected once now, then frozen, so the
    # collector's full passes, which a reader's request pays for, no longer walk them all
    # (about one in 75 story pages here; 120 ms a pass on average, 20 ms frozen).
    gc.collect()
    gc.freeze()


@contextlib.contextmanager
def nothing_cached():
    """
    Within, every cache answers nothing and keeps nothing; after, this process forgets the
    story versions it read. What runs within leaves no answer behind for a reader.
    """
    from django.conf import settings
    from django.core.cache import caches
    from django.core.cache.backends.dummy import DummyCache

    from dashboard.reading import forget_versions

    kept = {alias: caches[alias] for alias in settings.CACHES}
    for alias in kept:
        caches[alias] = DummyCache(alias, {})
    try:
        yield
    finally:
        for alias, backend in kept.items():
            caches[alias] = backend
        forget_versions()


def serve_a_story_page():
    """
    Serve the newest story's page (the home page's first) to this process, through every
    middleware, as a reader at SITE_URL would ask for it. Its queries and rendering do once
    what a process's first request otherwise pays for on top of its own work (regular
    expressions and model lookups compiled on first use; PostgreSQL's knowledge of the tables
    and indexes the queries are planned with, kept per connection), whichever story that
    reader reads. Nothing is cached: the first reader's page is read and rendered afresh.
    """
    from django.conf import settings

    from stories.models import Story

    story = Story.objects.newest_first().first()
    if story is None:
        return
    site = urlsplit(settings.SITE_URL)
    environ = {"PATH_INFO": story.get_absolute_url(), "HTTP_HOST": site.netloc}
    if site.scheme == "https":
        environ["HTTPS"] = "on"
    setup_testing_defaults(environ)  # the rest of a WSGI environ, as a server would give it
    with nothing_cached():
        response = application(environ, lambda status, headers: None)
        try:
            for _ in response:
                pass
        finally:
            response.close()  # as a WSGI server does: Django's request_finished, and so on


warm_up()
