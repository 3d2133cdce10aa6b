"""The set-up paths a newsroom relies on: the compose web script and the CI entry point."""

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

pytestmark = pytest.mark.slow  # real servers in subprocesses

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def empty_postgres_database():
    database = settings.DATABASES["default"]
    if not database["ENGINE"].endswith("postgresql"):
        pytest.skip("the web script is checked against PostgreSQL, which make test provides")
    url = os.environ["DATABASE_URL"]
    admin = psycopg.connect(url, autocommit=True)
    admin.execute("drop database if exists web_script_check")
    admin.execute("create database web_script_check")
    yield url.rsplit("/", 1)[0] + "/web_script_check"
    admin.execute("drop database web_script_check with (force)")
    admin.close()


def test_the_compose_web_script_migrates_and_serves_the_site(empty_postgres_database, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": empty_postgres_database,
        "DEBUG": "false",
        "SECRET_KEY": "a-test-secret-key-that-is-long-enough-for-the-check",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": str(tmp_path / "static"),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
    }
    server = subprocess.Popen(
        [str(ROOT / "scripts" / "web")], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        body = wait_for(f"http://127.0.0.1:{port}/", server)
        assert "<h1>Stories</h1>" in body
        assert (tmp_path / "static" / "staticfiles.json").exists()
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0].decode()
    assert "Applying stories.0001_initial" in output


def wait_for(url, server, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(server.stdout.read().decode())
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def test_ci_runs_make_test():
    script = (ROOT / ".ci" / "run").read_text()
    assert "exec make test" in script
