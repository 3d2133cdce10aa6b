"""
The WSGI application gunicorn serves (scripts/web). Each worker warms up before it takes its
first request, so the first reader after a deploy does not wait for what every later one is
spared: importing the views, compiling the story page's templates (its filter form's widgets
included), loading the date formats, connecting to PostgreSQL and reading each table once.
"""

import os

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
    except DatabaseError:
        pass  # the first request will say the database is unavailable, as it should


warm_up()
