# Two commands do all set-up: `make run` serves the site with the Hitachi story loaded,
# `make test` runs the whole suite on a throwaway PostgreSQL server.
PYTHON := $(shell scripts/find-python)
VENV := .venv
PORT ?= 8000

.PHONY: run test test-quick bench venv lint lock screenshots

$(VENV)/.installed: requirements-dev.txt
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is needed." >&2; exit 1; }
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

run: venv
	$(VENV)/bin/python manage.py migrate --noinput
	$(VENV)/bin/python manage.py load_story hitachi-newton-aycliffe
	$(VENV)/bin/python manage.py create_editor editor
	$(VENV)/bin/python manage.py runserver 127.0.0.1:$(PORT)

test: venv
	scripts/system-packages
	scripts/with-postgres $(VENV)/bin/pytest $(PYTEST_ARGS)

# The quick run while working: everything but the tests that start servers or a browser.
test-quick: venv
	scripts/system-packages
	scripts/with-postgres $(VENV)/bin/pytest -m "not slow" $(PYTEST_ARGS)

# Benchmarks at newsroom scale on a throwaway PostgreSQL server (bench/README.md).
bench: venv
	scripts/system-packages wrk redis-server
	PG_PORT=$${PG_PORT:-54339} scripts/with-postgres $(VENV)/bin/python bench/run.py

# Refresh docs/screenshots/ (the README's pictures) in headless Chromium.
screenshots: venv
	scripts/screenshots

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Re-pin dependencies after editing pyproject.toml (needs uv: pip install uv).
lock:
	uv pip compile pyproject.toml --quiet --generate-hashes -p 3.13 -o requirements.txt
	uv pip compile pyproject.toml --quiet --group dev --generate-hashes -p 3.13 -o requirements-dev.txt
