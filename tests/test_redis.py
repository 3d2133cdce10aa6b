"""
The shared cache, on a real Redis server of the test's own: what several web containers share
(change stamps and sessions), and what happens when Redis goes away and comes back.
"""

import re

import pytest
import redis
from django.conf import settings

from tests import servers


@pytest.fixture
def own_redis():
    server = servers.ThrowawayRedis().start()
    try:
        yield server
    finally:
        server.stop()


def last_line(result):
    return result.stdout.strip().splitlines()[-1]


def test_a_change_stamp_set_by_one_web_process_is_seen_by_another(own_redis):
    env = {**servers.base_env(), "REDIS_URL": own_redis.url}

    touched = servers.manage(
        env, "shell", "-c", "from stories import changes; print(changes.touch(7))"
    )
    seen = servers.manage(
        env, "shell", "-c", "from stories import changes; print(changes.current_stamp(7))"
    )

    assert last_line(seen) == last_line(touched)


@pytest.fixture
def site_with_redis(own_redis, tmp_path):
    with servers.scratch_database("redis_check") as url:
        env = servers.production_env(
            url, servers.free_port(), tmp_path / "static", REDIS_URL=own_redis.url
        )
        web = servers.WebServer(env, tmp_path / "web.log").start()
        try:
            created = servers.manage(env, "create_editor", "test-editor")
            password = re.search(r"password: (\S+)", created.stdout)[1]
            yield web, password
        finally:
            web.stop()


def test_sessions_live_in_redis_and_survive_redis_going_away_and_coming_back(
    own_redis, site_with_redis
):
    web, password = site_with_redis
    (status, _, _), cookies = servers.sign_in(web.base_url, "test-editor", password)
    assert status == 302
    signed_in = {"Cookie": servers.cookie_header(cookies)}
    admin = f"{web.base_url}/{settings.ADMIN_PATH}"

    # Both gunicorn workers know the editor; the session is in Redis.
    assert [servers.get(admin, signed_in)[0] for _ in range(6)] == [200] * 6
    keys = redis.Redis.from_url(own_redis.url).keys("*sessions.cached_db*")
    assert len(keys) == 1

    # Redis goes away: the editor is told, readers do not notice.
    own_redis.stop()
    status, headers, body = servers.get(admin, signed_in)
    assert status == 503
    assert headers["Retry-After"] == "30"
    assert b"The newsroom database is unavailable" in body
    assert servers.get(web.base_url + "/")[0] == 200

    # Redis comes back empty: the session is read back from PostgreSQL, no restart needed.
    own_redis.start()
    assert servers.get(admin, signed_in)[0] == 200
    assert web.process.poll() is None
