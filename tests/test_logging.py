"""One log line per request, with status and duration; JSON when DEBUG is off."""

import json
import logging
import subprocess
import sys

import pytest

from dashboard.logs import JSONFormatter
from tests import servers
from tests.outages import database_down


def request_records(caplog):
    return [record for record in caplog.records if record.name == "dashboard.requests"]


@pytest.mark.django_db
def test_each_request_is_logged_once_with_status_and_duration(client, story, caplog):
    with caplog.at_level(logging.INFO, logger="dashboard.requests"):
        client.get(story.get_absolute_url())
        client.get("/no-such-page/")

    first, second = request_records(caplog)
    assert (first.method, first.path, first.status) == ("GET", story.get_absolute_url(), 200)
    assert (second.method, second.path, second.status) == ("GET", "/no-such-page/", 404)
    assert first.duration_ms > 0
    assert first.getMessage().startswith(f"GET {story.get_absolute_url()} 200 ")


@pytest.mark.django_db
def test_each_line_counts_the_queries_and_says_whether_the_shared_cache_had_the_answer(
    client, story, caplog, django_assert_num_queries
):
    with caplog.at_level(logging.INFO, logger="dashboard.requests"):
        client.get(story.get_absolute_url())
        client.get(story.get_absolute_url())
        client.get(story.get_absolute_url(), {"q": "test"})

    rendered, shared, filtered = request_records(caplog)
    assert (rendered.shared, shared.shared, filtered.shared) == ("miss", "hit", "miss")
    assert rendered.queries > shared.queries >= 1  # the version is read; the page is not
    with django_assert_num_queries(shared.queries):  # the same filters again: shared too
        client.get(story.get_absolute_url(), {"q": "test"})


@pytest.mark.django_db
def test_the_request_log_leaves_out_the_query_string(client, caplog):
    with caplog.at_level(logging.INFO, logger="dashboard.requests"):
        client.get("/?email=reader@example.test")

    (record,) = request_records(caplog)
    assert record.path == "/"
    assert "example.test" not in record.getMessage()


@pytest.mark.django_db
def test_a_503_for_a_database_outage_is_one_line_naming_the_error(client, story, caplog):
    with (
        caplog.at_level(logging.INFO),
        database_down("connection refused (test)\nIs the server running?"),
    ):
        client.get(story.get_absolute_url())

    (record,) = caplog.records
    assert record.name == "dashboard.requests"
    assert record.status == 503
    assert record.database_unavailable == "OperationalError: connection refused (test)"


def test_the_json_formatter_writes_one_parseable_line_with_the_extra_fields():
    record = logging.makeLogRecord(
        {
            "name": "dashboard.requests",
            "levelname": "INFO",
            "msg": 'GET %s 200\nwith "quotes"',
            "args": ("/",),
            "status": 200,
            "duration_ms": 1.5,
        }
    )

    line = JSONFormatter().format(record)

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == 'GET / 200\nwith "quotes"'
    assert entry["status"] == 200
    assert entry["duration_ms"] == 1.5
    assert entry["level"] == "INFO"
    assert entry["time"].endswith("+00:00")


def log_of_one_request(static_root, **env):
    """
    What a fresh process with these settings writes for one request for /robots.txt (a page
    that needs neither the database nor collected static files).
    """
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.test import Client; Client().get('/robots.txt')",
        ],
        cwd=servers.ROOT,
        env={
            **servers.base_env(),
            "ALLOWED_HOSTS": "testserver",
            "STATIC_ROOT": str(static_root),
            **env,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stderr.splitlines()


@pytest.mark.slow
def test_production_logs_one_json_line_per_request(tmp_path):
    lines = log_of_one_request(
        tmp_path, DEBUG="false", SECRET_KEY=servers.SECRET_KEY, SECURE_SSL_REDIRECT="false"
    )

    assert len(lines) == 1, lines
    entry = json.loads(lines[0])
    assert entry["logger"] == "dashboard.requests"
    assert entry["method"] == "GET"
    assert entry["path"] == "/robots.txt"
    assert entry["status"] == 200
    assert isinstance(entry["duration_ms"], float)


def test_development_logs_a_readable_line(tmp_path):
    (line,) = log_of_one_request(tmp_path, DEBUG="true")

    assert "INFO dashboard.requests GET /robots.txt 200 " in line
