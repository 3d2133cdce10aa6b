"""
Security headers on every kind of page, the production settings' deploy check, and the refusal
to start with a published secret key.
"""

import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from tests import factories, servers
from tests.outages import database_down

STRICT_REFERRER_POLICIES = {
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
}


def home(client, story):
    return client.get("/")


def story_page(client, story):
    return client.get(story.get_absolute_url())


def story_fragment(client, story):
    return client.get(story.get_absolute_url(), headers={"HX-Request": "true"})


def admin_login(client, story):
    return client.get(f"/{settings.ADMIN_PATH}login/")


def admin_change_list(client, story):
    client.force_login(User.objects.create_superuser("test-editor", password=None))
    return client.get(f"/{settings.ADMIN_PATH}stories/story/")


def not_found(client, story):
    return client.get("/no-such-page/")


def database_unavailable(client, story):
    with database_down():
        return client.get(story.get_absolute_url())


def health(client, story):
    return client.get("/healthz")


def statement_permalink(client, story):
    statement = factories.statement(story)
    return client.get(f"/stories/{story.slug}/statements/{statement.pk}/")


def stakeholder_page(client, story):
    statement = factories.statement(story)
    return client.get(f"/stories/{story.slug}/people/{statement.speaker.slug}/")


def figure_page(client, story):
    series = factories.series(story)
    factories.point(series)
    return client.get(f"/stories/{story.slug}/figures/{series.slug}/")


def figure_csv(client, story):
    series = factories.series(story)
    return client.get(f"/stories/{story.slug}/figures/{series.slug}.csv")


def live_poll(client, story):
    return client.get(f"/stories/{story.slug}/updates/?since=0", headers={"HX-Request": "true"})


def correction_log(client, story):
    return client.get(f"/stories/{story.slug}/corrections/")


def atom_feed(client, story):
    return client.get(f"/stories/{story.slug}/feed/")


def csv_export(client, story):
    return client.get(f"/stories/{story.slug}/export/statements.csv")


def api(client, story):
    return client.get(f"/api/stories/{story.slug}/statements/")


def api_docs(client, story):
    return client.get("/api/docs")


def oembed(client, story):
    return client.get("/oembed/", {"url": f"http://testserver/stories/{story.slug}/"})


def sitemap(client, story):
    return client.get("/sitemap.xml")


def figure_embed(client, story):
    series = factories.series(story)
    factories.point(series)
    return client.get(f"/embed/stories/{story.slug}/figures/{series.slug}/")


def timeline_embed(client, story):
    factories.statement(story)
    return client.get(f"/embed/stories/{story.slug}/timeline/")


def statement_embed(client, story):
    statement = factories.statement(story)
    return client.get(f"/embed/stories/{story.slug}/statements/{statement.pk}/")


# Every kind of page the site serves. Add new surfaces here (feeds, API, charts...): each must
# send the full set of headers and refuse to be framed.
PAGES = [
    (home, 200),
    (story_page, 200),
    (story_fragment, 200),
    (admin_login, 200),
    (admin_change_list, 200),
    (not_found, 404),
    (database_unavailable, 503),
    (health, 200),
    (statement_permalink, 200),
    (stakeholder_page, 200),
    (figure_page, 200),
    (figure_csv, 200),
    (live_poll, 200),
    (correction_log, 200),
    (atom_feed, 200),
    (csv_export, 200),
    (api, 200),
    (api_docs, 200),
    (oembed, 200),
    (sitemap, 200),
]

# Pages other sites may frame (the embeds). Each needs frame-ancestors opened by its own view
# (django.views.decorators.csp.csp_override) and no X-Frame-Options: DENY.
EMBED_PAGES = [figure_embed, timeline_embed, statement_embed]


def csp_directives(response):
    policy = response["Content-Security-Policy"]
    directives = {}
    for directive in policy.split(";"):
        name, *values = directive.split()
        directives[name] = values
    return directives


@pytest.mark.django_db
@pytest.mark.parametrize(("page", "status"), PAGES, ids=[page.__name__ for page, _ in PAGES])
def test_every_page_sends_the_security_headers(client, page, status):
    response = page(client, factories.story())

    assert response.status_code == status
    directives = csp_directives(response)
    assert directives["default-src"] == ["'self'"]
    # Our origin, plus this response's nonce when the page has a script that uses it.
    assert directives["script-src"][0] == "'self'"
    assert all(value.startswith("'nonce-") for value in directives["script-src"][1:])
    assert len(directives["script-src"]) <= 2
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert "unsafe" not in response["Content-Security-Policy"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] in STRICT_REFERRER_POLICIES
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize("page", EMBED_PAGES, ids=[page.__name__ for page in EMBED_PAGES])
def test_embed_pages_may_be_framed_by_other_sites(client, page):
    response = page(client, factories.story())

    assert response.status_code == 200
    assert csp_directives(response)["frame-ancestors"] != ["'none'"]
    assert response.get("X-Frame-Options") != "DENY"
    assert "unsafe" not in response["Content-Security-Policy"]


# Production, as compose runs it: scripts/web with DEBUG off behind a TLS-terminating proxy.


@pytest.fixture(scope="module")
def production_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("headers-site")
    with servers.scratch_database("headers_check") as url:
        env = servers.production_env(
            url, servers.free_port(), tmp / "static", SECURE_SSL_REDIRECT="true"
        )
        server = servers.WebServer(env, tmp / "web.log").start()
        try:
            servers.manage(env, "load_story", "hitachi-newton-aycliffe")
            yield server
        finally:
            server.stop()


HTTPS = {"X-Forwarded-Proto": "https"}


@pytest.mark.slow
@pytest.mark.parametrize("path", ["/", "/stories/hitachi-newton-aycliffe/", "/no-such-page/"])
def test_production_pages_send_hsts_and_the_other_headers(production_site, path):
    status, headers, _ = servers.get(production_site.base_url + path, HTTPS)

    assert status in {200, 404}
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Permissions-Policy"]


@pytest.mark.slow
def test_production_redirects_plain_http_to_https(production_site):
    status, headers, _ = servers.get(production_site.base_url + "/")

    assert status == 301
    assert headers["Location"].startswith("https://127.0.0.1")


@pytest.mark.slow
def test_production_session_and_csrf_cookies_are_secure(production_site):
    status, headers, _ = servers.get(
        production_site.base_url + f"/{settings.ADMIN_PATH}login/", HTTPS
    )

    assert status == 200
    cookie = headers["Set-Cookie"]
    assert "csrftoken=" in cookie
    assert "Secure" in cookie


# Settings a deployment cannot get wrong silently.


def run_settings(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=servers.ROOT,
        env={**servers.base_env(), **env},
        capture_output=True,
        text=True,
    )


PRODUCTION = {"DEBUG": "false", "SECRET_KEY": servers.SECRET_KEY, "ALLOWED_HOSTS": "news.test"}


def test_the_deploy_check_finds_nothing_with_production_settings():
    result = run_settings(PRODUCTION, "check", "--deploy", "--fail-level", "DEBUG")

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_deploy_check_would_catch_a_weak_setting():
    result = run_settings({**PRODUCTION, "SECRET_KEY": "short"}, "check", "--deploy")

    assert "security.W009" in result.stderr


@pytest.mark.parametrize(
    "secret_key",
    [
        None,
        "",
        "development-only-secret-key-never-use-in-production",
        "change-me-to-a-long-random-string",
        "django-insecure-abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnop",
    ],
)
@pytest.mark.slow
def test_production_refuses_to_start_with_a_published_secret_key(secret_key):
    env = {**PRODUCTION, "SECRET_KEY": secret_key}
    if secret_key is None:
        del env["SECRET_KEY"]
    clean = {key: value for key, value in servers.base_env().items() if key != "SECRET_KEY"}

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=servers.ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured: Set SECRET_KEY" in result.stderr
