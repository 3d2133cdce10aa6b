"""
The shared cache, on a real Redis server of the test's own, under the site's real web process
(scripts/web, gunicorn): Redis only caches, so when it stalls at commit time or goes away the
site keeps serving the truth from PostgreSQL, and editors are never told a saved change failed.
"""

import re

import psycopg
import pytest
import redis
from django.conf import settings

from tests import servers

pytestmark = pytest.mark.slow  # real servers in subprocesses

STORY = "/stories/hitachi-newton-aycliffe/"


@pytest.fixture
def own_redis():
    server = servers.ThrowawayRedis().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def site(own_redis, tmp_path):
    """The Hitachi story served by scripts/web with Redis, and a signed-in editor's cookies."""
    with servers.scratch_database("redis_check") as url:
        env = servers.production_env(
            url, servers.free_port(), tmp_path / "static", REDIS_URL=own_redis.url
        )
        servers.manage(env, "migrate", "--noinput")
        servers.manage(env, "load_story", "hitachi-newton-aycliffe")
        created = servers.manage(env, "create_editor", "test-editor")
        password = re.search(r"password: (\S+)", created.stdout)[1]
        web = servers.WebServer(env, tmp_path / "web.log").start()
        try:
            (status, _, _), cookies = servers.sign_in(web.base_url, "test-editor", password)
            assert status == 302
            yield web, url, cookies
        finally:
            web.stop()


def a_published_statement(database_url):
    with psycopg.connect(database_url) as connection:
        return connection.execute(
            "select id, quote from stories_statement where status = 'published' "
            "order by said_on desc, id desc limit 1"
        ).fetchone()


def poll_url(html):
    return (
        re.search(rb'id="live"[^>]*hx-get="([^"]+)"', html, re.S)[1].decode().replace("&amp;", "&")
    )


def test_redis_stalling_at_commit_time_loses_nothing_and_tells_the_truth(own_redis, site):
    web, database_url, cookies = site
    statement_id, quote = a_published_statement(database_url)
    first_words = quote.split("\n")[0][:40].encode()
    status, _, page = servers.get(web.base_url + STORY)
    assert status == 200 and first_words in page
    poll = web.base_url + poll_url(page)
    _, feed_headers, _ = servers.get(f"{web.base_url}{STORY}feed/")
    feed_etag = feed_headers["ETag"]

    # The review's case: Redis refuses writes for 4 s, just as an editor unpublishes.
    redis.Redis.from_url(own_redis.url).execute_command("CLIENT", "PAUSE", "4000", "WRITE")
    status, headers, body = servers.post_form(
        web.base_url,
        f"/{settings.ADMIN_PATH}stories/statement/",
        cookies,
        {
            "action": "unpublish",
            "_selected_action": statement_id,
            "confirm": "yes",
            "note": "Test: withdrawn while Redis stalls.",
        },
    )

    assert status == 302, body[:500]  # saved, and the editor is told so
    assert b"nothing you submitted" not in body
    # Readers see the truth within the version's short memory, Redis or not.
    servers.eventually(lambda: first_words not in servers.get(web.base_url + STORY)[2], 5)
    assert servers.get(f"{web.base_url}{STORY}feed/", {"If-None-Match": feed_etag})[0] == 200
    status, _, answer = servers.get(poll, {"HX-Request": "true"})
    assert status == 200
    assert f'id="statement-{statement_id}" data-withdrawn'.encode() in answer
    corrections = servers.get(f"{web.base_url}{STORY}corrections/")[2]
    assert b"Test: withdrawn while Redis stalls." in corrections


def test_with_redis_stopped_every_public_surface_answers_and_health_says_degraded(own_redis, site):
    web, database_url, cookies = site
    statement_id, _ = a_published_statement(database_url)
    status, _, page = servers.get(web.base_url + STORY)
    poll = web.base_url + poll_url(page)
    signed_in = {"Cookie": servers.cookie_header(cookies)}
    admin = f"{web.base_url}/{settings.ADMIN_PATH}"
    assert servers.get(admin, signed_in)[0] == 200
    keys = redis.Redis.from_url(own_redis.url).keys("*sessions.cached_db*")
    assert len(keys) == 1  # the session lives in Redis too

    own_redis.stop()

    for path in [
        "/",
        STORY,
        f"{STORY}statements/{statement_id}/",
        f"{STORY}feed/",
        f"{STORY}export/statements.csv",
        f"{STORY}corrections/",
        "/api/stories/hitachi-newton-aycliffe/timeline/",
        "/sitemap.xml",
    ]:
        assert servers.get(web.base_url + path)[0] == 200, path
    assert servers.get(poll, {"HX-Request": "true"})[0] == 204
    # The editor's session comes back from PostgreSQL: no 503, no new login.
    assert servers.get(admin, signed_in)[0] == 200
    status, _, health = servers.get(web.base_url + "/healthz")
    assert status == 200
    assert b'"status": "degraded"' in health and b'"cache": "unreachable"' in health

    own_redis.start()

    servers.eventually(lambda: b'"cache": "ok"' in servers.get(web.base_url + "/healthz")[2])
    assert web.process.poll() is None
