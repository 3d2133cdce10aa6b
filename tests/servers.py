"""
Real servers for tests that need them: the production web process (scripts/web, gunicorn) on a
scratch database, and a throwaway PostgreSQL server of a test's own.
"""

import contextlib
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "a-test-secret-key-that-is-long-enough-for-the-deploy-check-0123456789"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def suite_database_url():
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("needs the suite's PostgreSQL server, which make test provides")
    return os.environ["DATABASE_URL"]


@contextlib.contextmanager
def scratch_database(name):
    """An empty database on the suite's own PostgreSQL server, dropped afterwards."""
    url = suite_database_url()
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"drop database if exists {name} with (force)")
        admin.execute(f"create database {name}")
        try:
            yield url.rsplit("/", 1)[0] + f"/{name}"
        finally:
            admin.execute(f"drop database if exists {name} with (force)")


def base_env():
    """This process's environment without what only the test process should have."""
    # tests/conftest.py allows the ORM in Playwright's event loop; a deployment never does.
    return {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}


def production_env(database_url, port, static_root, **extra):
    """The environment a production web container gets, on loopback and without TLS."""
    return {
        **base_env(),
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": str(static_root),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        **extra,
    }


def manage(env, *args):
    return subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )


class WebServer:
    """scripts/web, exactly as the compose web service runs it, with its output in a file."""

    def __init__(self, env, log_path):
        self.env = env
        self.base_url = f"http://127.0.0.1:{env['PORT']}"
        self.log_path = Path(log_path)
        self.process = None

    def start(self, timeout=90):
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [str(ROOT / "scripts" / "web")], env=self.env, stdout=self.log, stderr=self.log
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"scripts/web exited:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.base_url + "/healthz", timeout=5):
                    return self
            except (OSError, urllib.error.HTTPError):
                time.sleep(0.3)
        raise AssertionError(f"scripts/web did not answer within {timeout} s:\n{self.output()}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.log.close()

    def output(self):
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text()


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


no_redirects = urllib.request.build_opener(NoRedirects)


def get(url, headers=None, timeout=10):
    """GET without following redirects or raising for error statuses: (status, headers, body)."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with no_redirects.open(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def sign_in(base_url, username, password):
    """Sign in through the admin's login form. Returns the answer and the cookies it set."""
    login = f"{base_url}/{settings.ADMIN_PATH}login/"
    status, headers, body = get(login)
    assert status == 200, body[:300]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)[1].decode()
    cookies = cookies_from(headers)
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": password}
    ).encode()
    request = urllib.request.Request(login, data=form, headers={"Cookie": cookie_header(cookies)})
    try:
        with no_redirects.open(request, timeout=15) as response:
            answer = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        answer = error.code, error.headers, error.read()
    return answer, {**cookies, **cookies_from(answer[1])}


def post_form(base_url, path, cookies, data, token_from=None):
    """
    POST `data` as the signed-in user of `cookies`, with the CSRF token of the form page
    `token_from` (default: `path` itself). Returns (status, headers, body).
    """
    status, _, body = get(base_url + (token_from or path), {"Cookie": cookie_header(cookies)})
    assert status == 200, body[:300]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)[1].decode()
    form = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}, doseq=True).encode()
    request = urllib.request.Request(
        base_url + path,
        data=form,
        headers={"Cookie": cookie_header(cookies), "Referer": base_url + path},
    )
    try:
        with no_redirects.open(request, timeout=15) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def eventually(check, timeout=10, interval=0.1):
    """Call `check` until it returns something true, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            assert result, f"not true within {timeout} s"
            return result
        time.sleep(interval)


def cookies_from(headers):
    cookies = {}
    for header in headers.get_all("Set-Cookie") or []:
        name, _, value = header.split(";", 1)[0].partition("=")
        cookies[name.strip()] = value
    return cookies


def cookie_header(cookies):
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


class ThrowawayPostgres:
    """A PostgreSQL server of the test's own (initdb in a temporary directory), like
    scripts/with-postgres, so a test may stop and start it without touching the suite's."""

    def __init__(self):
        self.bin = os.environ.get("PG_BIN")
        if not self.bin:
            pytest.skip("needs PG_BIN from scripts/with-postgres (make test)")
        self.port = free_port()
        self.data = Path(tempfile.mkdtemp(prefix="story-dashboard-pg-own-"))
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def run(self, *command):
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(
            [*prefix, f"{self.bin}/{command[0]}", *command[1:]], check=True, capture_output=True
        )

    def init(self):
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres")
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres")
        return self

    def start(self, *settings):
        """Start the server, with extra `-c name=value` settings if given."""
        options = " ".join(
            [
                f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off",
                *(f"-c {setting}" for setting in settings),
            ]
        )
        self.run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.data / "log"),
            "-w",
            "start",
            "-o",
            options,
        )

    def allow_replication(self):
        """Let a replica on loopback stream from this server (before it starts)."""
        with (self.data / "pg_hba.conf").open("a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")
        return self

    def stop(self, mode="fast"):
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self):
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.data, ignore_errors=True)


class ThrowawayReplica(ThrowawayPostgres):
    """
    A streaming replica of a ThrowawayPostgres primary (started with wal_level=replica and
    `allow_replication()`), applying each commit `delay` after the primary made it: a read
    replica that lags, on demand.
    """

    def __init__(self, primary, delay="3s"):
        super().__init__()
        self.primary = primary
        self.delay = delay

    def init(self):
        shutil.rmtree(self.data)  # pg_basebackup makes the directory itself
        self.run(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.primary.port),
            "-U",
            "postgres",
            "-D",
            str(self.data),
            "-R",
            "-X",
            "stream",
        )
        return self

    def start(self):
        super().start("hot_standby=on", f"recovery_min_apply_delay={self.delay}")


class ThrowawayRedis:
    """A Redis server of the test's own, without persistence, like the compose redis service."""

    def __init__(self):
        self.binary = shutil.which("redis-server")
        if not self.binary:
            pytest.skip("needs redis-server, which scripts/system-packages (make test) installs")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self, timeout=10):
        import redis

        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                client.ping()
                return self
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        raise AssertionError(f"redis-server did not answer within {timeout} s")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
