"""/healthz, the compose health check script, and static files as production serves them."""

import re
import subprocess
import sys

import pytest

from tests import servers
from tests.outages import database_down


@pytest.mark.django_db
def test_health_is_ok_when_the_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "databases": {"default": "ok"}, "cache": "local"}


@pytest.mark.django_db
def test_health_is_unavailable_when_the_database_does_not_answer(client):
    with database_down():
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "databases": {"default": "unreachable"},
        "cache": "local",
    }


@pytest.mark.django_db
def test_health_is_never_cached(client):
    response = client.get("/healthz")

    assert "no-store" in response["Cache-Control"]


@pytest.fixture(scope="module")
def production_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("health-site")
    with servers.scratch_database("health_check") as url:
        env = servers.production_env(
            url,
            servers.free_port(),
            tmp / "static",
            SECURE_SSL_REDIRECT="true",
            ALLOWED_HOSTS="news.test,127.0.0.1",
            WEB_CONCURRENCY="3",
        )
        server = servers.WebServer(env, tmp / "web.log").start()
        try:
            yield server
        finally:
            server.stop()


def healthcheck(env):
    return subprocess.run(
        [sys.executable, str(servers.ROOT / "scripts" / "healthcheck")],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_the_compose_health_check_passes_over_plain_http_with_the_site_host(production_site):
    result = healthcheck(production_site.env)

    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_the_compose_health_check_fails_when_nothing_answers(production_site):
    result = healthcheck({**production_site.env, "PORT": str(servers.free_port())})

    assert result.returncode == 1
    assert "/healthz" in result.stderr


@pytest.mark.slow
def test_health_is_not_redirected_to_https(production_site):
    status, _, body = servers.get(production_site.base_url + "/healthz")

    assert status == 200
    assert b'"status": "ok"' in body


@pytest.mark.slow
def test_static_files_have_hashed_names_far_future_caching_and_compression(production_site):
    _, _, page = servers.get(production_site.base_url + "/", {"X-Forwarded-Proto": "https"})
    stylesheet = re.search(rb'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, page[:500]

    status, headers, _ = servers.get(
        production_site.base_url + stylesheet[1].decode(),
        {"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip"},
    )

    assert status == 200
    assert headers["Cache-Control"] == "max-age=315360000, public, immutable"
    assert headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in headers["Vary"]


def test_the_web_process_runs_as_many_workers_as_the_environment_says(production_site):
    assert production_site.output().count("Booting worker with pid") == 3
