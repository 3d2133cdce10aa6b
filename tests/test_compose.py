"""
The deployment files say what they run, and every setting is written down.

docker-compose.yml is also checked by Debian's docker-compose (1.29, which scripts/system-packages
installs): `docker-compose config` validates the file and fills it in from an example .env
without a Docker engine. Images cannot be pulled here, so nothing more of compose can run.
"""

import os
import re
import shutil
import subprocess

import pytest

from tests.servers import ROOT

COMPOSE = (ROOT / "docker-compose.yml").read_text()
DOCKERFILE = (ROOT / "Dockerfile").read_text()
TESTS = "\n".join(path.read_text() for path in (ROOT / "tests").glob("test_*.py"))


def scripts_run_by(text):
    return set(re.findall(r"scripts/([a-z-]+)", text))


def test_compose_and_the_image_run_only_repo_scripts_that_the_tests_run_too():
    scripts = scripts_run_by(COMPOSE) | scripts_run_by(DOCKERFILE)

    assert {"web", "healthcheck", "backup", "scheduler"} <= scripts
    for name in scripts:
        path = ROOT / "scripts" / name
        assert path.is_file() and os.access(path, os.X_OK), name
        assert f'"{name}"' in TESTS or f'"scripts" / "{name}"' in TESTS, f"no test runs {name}"


def test_compose_runs_postgresql_redis_the_web_service_and_the_scheduler():
    for service in ("db", "redis", "web", "scheduler"):
        assert re.search(rf"^  {service}:\n", COMPOSE, re.M), service
    assert COMPOSE.count("healthcheck:") >= 3
    assert 'test: ["CMD", "scripts/healthcheck"]' in COMPOSE
    assert "REDIS_URL: redis://redis:6379/0" in COMPOSE
    assert "postgres-data:/var/lib/postgresql/data" in COMPOSE


def settings_read_from_the_environment():
    code = (ROOT / "dashboard" / "settings.py").read_text()
    names = set(re.findall(r'(?:environ\.get|environ\[|env_bool|env_list)\(?\s*"([A-Z_]+)"', code))
    for script in ("web", "scheduler"):
        names |= set(re.findall(r"\$\{([A-Z_]+)", (ROOT / "scripts" / script).read_text()))
    return names - {"PYTHON"}


def test_every_setting_is_in_the_example_environment_and_the_settings_reference():
    example = (ROOT / ".env.example").read_text()
    reference = (ROOT / "docs" / "settings.md").read_text()
    names = settings_read_from_the_environment()

    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DATABASE_REPLICA_URL"} <= names
    assert not [name for name in names if f"\n{name}=" not in example]
    assert not [name for name in names if f"`{name}`" not in reference]


def compose_config(tmp_path, compose=COMPOSE, env=None):
    """`docker-compose config` of this compose file beside this .env (default: .env.example)."""
    if shutil.which("docker-compose") is None:
        pytest.skip("needs docker-compose, which scripts/system-packages (make test) installs")
    (tmp_path / "docker-compose.yml").write_text(compose)
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text() if env is None else env)
    return subprocess.run(
        ["docker-compose", "config"],
        cwd=tmp_path,
        # Only .env fills the file in, not whatever the test run has in its environment.
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_compose_validates_the_file_with_the_example_environment(tmp_path):
    result = compose_config(tmp_path)

    assert result.returncode == 0, result.stderr
    # Filled in from .env: the password in the database URL, and the web service's env_file.
    assert "DATABASE_URL: postgres://dashboard:change-me-too@db:5432/dashboard" in result.stdout
    assert "ADMIN_PATH: newsroom/" in result.stdout


def test_compose_refuses_an_unknown_key(tmp_path):
    typo = COMPOSE.replace("    image: redis:7\n", "    image: redis:7\n    helthcheck: {}\n", 1)
    assert typo != COMPOSE

    result = compose_config(tmp_path, compose=typo)

    assert result.returncode != 0
    assert "Unsupported config option for services.redis: 'helthcheck'" in result.stderr


def test_compose_refuses_to_run_without_a_database_password(tmp_path):
    example = (ROOT / ".env.example").read_text()
    without = re.sub(r"^POSTGRES_PASSWORD=.*\n", "", example, flags=re.M)
    assert without != example

    result = compose_config(tmp_path, env=without)

    assert result.returncode != 0
    assert "Set POSTGRES_PASSWORD in .env" in result.stderr
