"""
When PostgreSQL goes away, readers get a friendly 503 with Retry-After, editors are told nothing
was saved, nothing is half-written, and the site recovers by itself when PostgreSQL is back.
"""

import json
import re
import threading
import time
from dataclasses import dataclass
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware
from django.db import OperationalError
from django.test import RequestFactory

from dashboard.middleware import server_error
from stories.models import DataPoint, Series, Source, Statement
from tests import factories, servers
from tests.outages import database_down


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/stories/{slug}/"])
def test_readers_get_a_friendly_503_with_retry_after(client, story, path):
    with database_down():
        response = client.get(path.format(slug=story.slug))

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "We’ll be back shortly" in response.text
    assert "OperationalError" not in response.text


@pytest.mark.django_db
def test_a_poll_or_fragment_request_leaves_the_readers_page_as_it_is(client, story):
    with database_down():
        response = client.get(story.get_absolute_url(), headers={"HX-Request": "true"})

    assert response.status_code == 503
    assert response["HX-Reswap"] == "none"


@pytest.mark.django_db
def test_editors_are_told_clearly_that_nothing_was_saved(admin_client):
    with database_down():
        response = admin_client.get(f"/{settings.ADMIN_PATH}stories/story/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "The newsroom database is unavailable" in response.text
    assert "nothing you submitted in this request" in response.text


class DatabaseLostInMiddleware:
    """A middleware that needs the database (as a session save does) when it has gone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raise OperationalError("server closed the connection unexpectedly (test)")


def test_a_database_failure_outside_a_view_still_answers_503(client, settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.DatabaseLostInMiddleware"]
    client.raise_request_exception = False

    response = client.get("/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "We’ll be back shortly" in response.text


def test_any_other_failure_is_still_a_500():
    request = RequestFactory().get("/")
    try:
        raise ValueError("a bug (test)")
    except ValueError:
        response = server_error(request)

    assert response.status_code == 500


@pytest.mark.django_db
def test_an_editorial_save_that_fails_halfway_writes_nothing(admin_client, story):
    source = factories.source()
    form = {
        "story": story.pk,
        "kind": "figures",
        "name": "Test workforce",
        "slug": "test-workforce",
        "unit": "jobs",
        "description": "",
        "position": 0,
        "status": "published",
        "points-TOTAL_FORMS": 1,
        "points-INITIAL_FORMS": 0,
        "points-MIN_NUM_FORMS": 0,
        "points-MAX_NUM_FORMS": 1000,
        "points-0-as_of": "2024-09-27",
        "points-0-as_of_precision": "day",
        "points-0-value": "100",
        "points-0-qualifier": "exact",
        "points-0-source": source.pk,
        "points-0-status": "published",
        "points-0-note": "",
    }
    # The series row is written, then the database goes away before its figure is.
    lost = OperationalError("server closed the connection unexpectedly (test)")
    with mock.patch.object(DataPoint, "save", side_effect=lost):
        response = admin_client.post(f"/{settings.ADMIN_PATH}stories/series/add/", form)

    assert response.status_code == 503
    assert b"nothing you submitted" in response.content
    assert not Series.objects.filter(slug="test-workforce").exists()
    assert Source.objects.filter(pk=source.pk).exists()


@pytest.mark.django_db(transaction=True)  # the save must really commit
def test_an_editor_whose_save_committed_before_the_outage_is_told_it_was_saved(admin_client, story):
    source = factories.source()
    speaker = factories.stakeholder()
    form = {
        "story": story.pk,
        "speaker": speaker.pk,
        "speaker_role": "Test Minister",
        "quote": "Test quote saved just before the outage.",
        "context": "",
        "said_on": "2024-09-27",
        "said_on_precision": "day",
        "method": "interview",
        "source": source.pk,
        "status": "published",
    }
    # The statement commits; then storing the editor's "saved" message, on the way out, finds
    # the database gone.
    lost = OperationalError("server closed the connection unexpectedly (test)")
    admin_client.raise_request_exception = False  # answered by handler500, as in production
    with mock.patch.object(MessageMiddleware, "process_response", side_effect=lost):
        response = admin_client.post(f"/{settings.ADMIN_PATH}stories/statement/add/", form)

    assert response.status_code == 503
    assert b"Your change was saved" in response.content
    assert b"nothing you submitted" not in response.content
    assert Statement.objects.filter(quote="Test quote saved just before the outage.").exists()


# The real thing: gunicorn on a PostgreSQL server of the test's own, stopped and started under
# load. The suite's own server is never touched.

PAGES = [
    ("/", {}),
    ("/stories/hitachi-newton-aycliffe/", {}),
    ("/stories/hitachi-newton-aycliffe/", {"HX-Request": "true"}),
]
READERS = 3
CACHED_PAGE = "/stories/hitachi-newton-aycliffe/"
STORY_TITLE = "Saving Hitachi’s Newton Aycliffe train factory"


@dataclass
class Answer:
    started: float
    finished: float
    path: str
    status: int | None
    retry_after: str | None
    body: bytes
    error: str | None = None

    @property
    def seconds(self):
        return self.finished - self.started


class Readers:
    """A few threads loading public pages in a loop, keeping every answer."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.answers = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.read, daemon=True) for _ in range(READERS)]

    def read(self):
        n = 0
        while not self.stopping.is_set():
            path, headers = PAGES[n % len(PAGES)]
            n += 1
            started = time.monotonic()
            try:
                status, response_headers, body = servers.get(
                    self.base_url + path, headers, timeout=15
                )
                answer = Answer(
                    started, time.monotonic(), path, status, response_headers["Retry-After"], body
                )
            except OSError as error:
                answer = Answer(started, time.monotonic(), path, None, None, b"", repr(error))
            with self.lock:
                self.answers.append(answer)
            time.sleep(0.02)

    def start(self):
        for thread in self.threads:
            thread.start()
        return self

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            if thread.ident is not None:
                thread.join(timeout=30)

    def between(self, start, end):
        with self.lock:
            return [a for a in self.answers if a.started >= start and a.finished <= end]

    def wait_for(self, condition, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if condition(list(self.answers)):
                    return time.monotonic()
            time.sleep(0.1)
        raise AssertionError(f"not seen within {timeout} s: {self.summary()}")

    def summary(self):
        with self.lock:
            statuses = [a.status or a.error for a in self.answers]
        return {str(status): statuses.count(status) for status in set(statuses)}


@pytest.fixture
def own_postgres():
    server = servers.ThrowawayPostgres().init()
    server.start()
    try:
        yield server
    finally:
        server.remove()


@pytest.mark.slow
def test_postgresql_stopping_under_load_gives_503s_and_the_site_recovers_by_itself(
    own_postgres, tmp_path
):
    env = servers.production_env(own_postgres.url, servers.free_port(), tmp_path / "static")
    web = servers.WebServer(env, tmp_path / "web.log").start()
    readers = Readers(web.base_url)
    try:
        servers.manage(env, "load_story", "hitachi-newton-aycliffe")
        created = servers.manage(env, "create_editor", "test-editor")
        password = re.search(r"password: (\S+)", created.stdout)[1]
        (status, _, _), cookies = servers.sign_in(web.base_url, "test-editor", password)
        assert status == 302
        signed_in = {"Cookie": servers.cookie_header(cookies)}
        readers.start()

        # Up: readers get pages.
        readers.wait_for(lambda answers: sum(a.status == 200 for a in answers) >= 30, 30)

        # Down: PostgreSQL stops under load; within a few seconds every answer is a 503.
        stopping = time.monotonic()
        own_postgres.stop("fast")
        stopped = time.monotonic()
        down_from = readers.wait_for(
            lambda answers: any(a.status == 503 and a.started >= stopped for a in answers), 10
        )
        editor = servers.get(f"{web.base_url}/{settings.ADMIN_PATH}", signed_in)
        # At least 40 answers, over longer than a web process remembers the story's version
        # (however fast it answers), so the shared cache's second is only part of the window.
        remembered = down_from + 2 * float(env.get("STORY_VERSION_SECONDS", "1"))
        down_until = readers.wait_for(
            lambda answers: (
                sum(a.started >= down_from for a in answers) >= 40
                and time.monotonic() >= remembered
            ),
            30,
        )

        # Back: PostgreSQL starts; the same gunicorn serves pages again by itself.
        own_postgres.start()
        restarted = time.monotonic()
        readers.wait_for(
            lambda answers: [a.status for a in answers[-3 * READERS :]] == [200] * 3 * READERS,
            30,
        )
        recovered = time.monotonic()
        readers.wait_for(lambda answers: sum(a.started >= recovered for a in answers) >= 10, 30)
    finally:
        readers.stop()
        web_alive = web.process.poll() is None
        web.stop()
    log = web.output()

    answers = readers.answers
    print(f"answers: {readers.summary()}; recovered {recovered - restarted:.1f} s after restart")
    # Never a 500, never a dropped connection, never a hang.
    assert {a.status for a in answers} <= {200, 503}, readers.summary()
    assert all(a.error is None for a in answers)
    assert max(a.seconds for a in answers) < 5
    assert sum(a.status == 200 for a in readers.between(0, stopping)) >= 30
    assert all(a.status == 200 for a in readers.between(0, stopping))

    during = readers.between(down_from, down_until)
    # For the second a web process remembers the story's version, the story page and its
    # timeline fragment may still come whole from the shared cache (dashboard/reading.py);
    # they are current, since nothing can change while the database is down. Everything else
    # is a 503.
    from_cache = [a for a in during if a.status == 200]
    assert all(
        a.path == CACHED_PAGE and (STORY_TITLE.encode() in a.body or b'id="timeline"' in a.body)
        for a in from_cache
    )
    down = [a for a in during if a.status != 200]
    assert len(down) >= 20
    assert all(a.status == 503 for a in down)
    assert all(a.retry_after == "30" for a in down)
    assert all("We’ll be back shortly".encode() in a.body for a in down if "HX" not in a.path)
    assert stopped - stopping < 10

    status, headers, body = editor
    assert status == 503
    assert headers["Retry-After"] == "30"
    assert b"The newsroom database is unavailable" in body

    assert recovered - restarted < 20
    after = readers.between(recovered, time.monotonic())
    assert len(after) >= 10
    assert all(a.status == 200 for a in after)

    # gunicorn was never restarted, and no worker was killed for hanging.
    assert web_alive
    assert "WORKER TIMEOUT" not in log
    # One JSON line per request, the outage's with the database's error, and no error flood.
    logged = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    requests = [entry for entry in logged if entry["logger"] == "dashboard.requests"]
    # The readers' answers, the start-up health check, signing in (2) and the editor's visit.
    assert len(requests) == len(answers) + 4
    unavailable = [entry for entry in requests if entry["status"] == 503]
    assert len(unavailable) == sum(a.status == 503 for a in answers) + 1
    assert all("OperationalError" in entry["database_unavailable"] for entry in unavailable)
    assert not [entry for entry in logged if entry["logger"] == "django.request"]
