import os
import shutil

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from hypothesis import settings as hypothesis_settings

from tests import factories
from tests.mail import SMTPServer

# Property-based tests generate the same examples on every run, so CI is repeatable, and are
# not failed for being slow on a busy machine.
hypothesis_settings.register_profile("repeatable", derandomize=True, deadline=None)
hypothesis_settings.load_profile("repeatable")

# Playwright's sync API runs an event loop in the test thread; Django's ORM must still be usable.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def pytest_collection_modifyitems(items):
    """Browser tests are slow tests too (`make test-quick` runs everything else)."""
    for item in items:
        if "browser" in item.path.parts:
            item.add_marker(pytest.mark.slow)


def pytest_report_header(config):
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("postgresql"):
        import psycopg

        params = {
            "host": database["HOST"],
            "port": database["PORT"],
            "user": database["USER"],
            "dbname": database["NAME"],
        }
        with psycopg.connect(**params) as conn:
            version = conn.execute("select version()").fetchone()[0]
        return f"database: PostgreSQL ({version})"
    return f"database: {database['ENGINE']} (not PostgreSQL: the suite is meant to run on it)"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(autouse=True)
def empty_cache(settings):
    """Each test starts with an empty cache and no remembered story versions: ids and versions
    repeat once a test's transaction rolls back, so nothing keyed by them may outlive its test.
    Versions are read afresh on every request unless a test says otherwise."""
    from django.core.cache import caches

    from dashboard import reading

    for each in caches.all():
        each.clear()
    reading.forget_versions()
    settings.STORY_VERSION_SECONDS = 0


@pytest.fixture
def story(db):
    return factories.story()


@pytest.fixture
def in_process(db):
    """Call the WSGI app in the test's transaction, keeping its connection open (as Django's
    test client does), so generated requests see the test's data."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    # Imported here, where the database may be used: the WSGI module warms a worker up on import
    # (it reads each table, then serves a page), which pytest-django refuses during collection.
    from dashboard.wsgi import application

    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def query_count():
    return lambda: len(connection.queries)


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback (aiosmtpd), with the site's default mailer sending to it."""
    server = SMTPServer().start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 10},
        }
    }
    yield server
    server.stop()


@pytest.fixture
def inbox(smtp_server):
    """What the test's SMTP server received (tests/mail.py Inbox)."""
    return smtp_server.inbox
