"""The deployment files say what they run, and every setting is written down."""

import os
import re

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
