"""Public pages carry cache headers a CDN can honour; editors' pages never do."""

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import RequestFactory

from dashboard.middleware import PublicCacheMiddleware
from tests import factories
from tests.outages import database_down

pytestmark = pytest.mark.django_db

# Short enough that a withdrawn item leaves a CDN within about two poll intervals, and never
# kept through an outage for longer than one.
PUBLIC = "public, max-age=10, stale-while-revalidate=10, stale-if-error=10"


def cache_control(response):
    return response.get("Cache-Control", "")


def test_the_home_page_may_be_kept_by_a_cdn_for_a_short_while(client):
    response = client.get("/")

    assert cache_control(response) == PUBLIC


def test_a_story_page_and_its_fragment_are_public_and_kept_apart(client, story):
    page = client.get(story.get_absolute_url())
    fragment = client.get(story.get_absolute_url(), headers={"HX-Request": "true"})

    assert cache_control(page) == PUBLIC
    assert cache_control(fragment) == PUBLIC
    # The filter form's fragment also sets the address bar, so HX-Trigger counts too.
    varies_on = {"HX-Request", "HX-History-Restore-Request", "HX-Trigger"}
    assert set(page["Vary"].split(", ")) == set(fragment["Vary"].split(", ")) == varies_on
    assert page["ETag"] != fragment["ETag"]


def test_stale_if_error_is_never_longer_than_a_poll_interval(settings):
    assert settings.PUBLIC_CACHE_STALE_IF_ERROR <= settings.TIMELINE_POLL_SECONDS


def test_a_missing_page_is_public_too(client):
    assert cache_control(client.get("/stories/no-such-story/")) == PUBLIC


def test_a_signed_in_editor_reading_a_public_page_gets_no_shared_cache(client, story):
    client.force_login(User.objects.create_user("test-editor", password="test-password-1"))

    response = client.get(story.get_absolute_url())

    assert "public" not in cache_control(response)


def test_admin_pages_are_never_public(client):
    response = client.get(f"/{settings.ADMIN_PATH}login/")

    assert "public" not in cache_control(response)
    assert headers_for(f"/{settings.ADMIN_PATH}") == ""
    assert headers_for(f"/{settings.ADMIN_PATH}stories/story/") == ""


def test_a_view_with_its_own_cache_headers_keeps_them(client):
    response = client.get("/healthz")

    assert "public" not in cache_control(response)
    assert "no-store" in cache_control(response)


def test_a_write_is_never_public(client, story):
    response = client.post(story.get_absolute_url())

    assert response.status_code == 405
    assert "public" not in cache_control(response)


def test_the_outage_page_is_not_stored_so_a_cdn_keeps_serving_the_last_good_page(client, story):
    with database_down():
        response = client.get(story.get_absolute_url())

    assert response.status_code == 503
    assert cache_control(response) == "no-store"


def headers_for(path, status=200):
    """The Cache-Control the middleware gives an anonymous GET of `path` answered with `status`."""
    middleware = PublicCacheMiddleware(lambda request: HttpResponse(status=status))
    return cache_control(middleware(RequestFactory().get(path)))


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", PUBLIC),
        ("/stories/x/", PUBLIC),
        ("/stories/x/statements/1/", PUBLIC),
        ("/embed/stories/x/timeline/", PUBLIC),
        ("/api/stories/", PUBLIC),
        ("/oembed/", PUBLIC),
        ("/sitemap.xml", PUBLIC),
        ("/healthz", ""),
        ("/other/", ""),
    ],
)
def test_only_paths_with_a_rule_get_cache_headers(path, expected):
    assert headers_for(path) == expected


@pytest.mark.django_db
def test_the_live_poll_may_be_shared_briefly_unchanged_and_for_a_poll_interval_changed(client):
    story = factories.story()
    version = story.published_version
    factories.statement(story)
    poll = f"/stories/{story.slug}/updates/"

    unchanged = client.get(f"{poll}?since={version + 1}", headers={"HX-Request": "true"})
    changed = client.get(f"{poll}?since={version}", headers={"HX-Request": "true"})

    assert unchanged.status_code == 204
    assert cache_control(unchanged) == "public, max-age=1"
    assert changed.status_code == 200
    assert cache_control(changed) == f"public, max-age={settings.TIMELINE_POLL_SECONDS}"
    assert changed["Vary"] == "HX-Request, HX-History-Restore-Request"


def test_an_answer_that_sets_a_cookie_is_never_shared():
    def view(request):
        response = HttpResponse()
        response.set_cookie("csrftoken", "x")
        return response

    response = PublicCacheMiddleware(view)(RequestFactory().get("/"))

    assert "Cache-Control" not in response


def test_an_error_is_never_shared():
    assert headers_for("/", status=500) == ""
