"""
A read replica that lags, for real: a PostgreSQL primary of the test's own streams to a replica
that applies each commit 3 seconds late, and the site's web process (scripts/web) reads public
pages from the replica. While the replica lags, readers get the old content under the old
version; once it catches up, the new content under the new version; never one with the other.
"""

import re
import time

import pytest

from tests import servers

pytestmark = pytest.mark.slow  # real servers in subprocesses

STORY = "/stories/hitachi-newton-aycliffe/"
LAG = 3  # seconds


@pytest.fixture
def primary_and_replica():
    primary = servers.ThrowawayPostgres().init().allow_replication()
    replica = None
    try:
        primary.start("wal_level=replica")
        replica = servers.ThrowawayReplica(primary, delay=f"{LAG}s").init()
        replica.start()
        yield primary, replica
    finally:
        if replica is not None:
            replica.remove()
        primary.remove()


@pytest.fixture
def site(primary_and_replica, tmp_path):
    primary, replica = primary_and_replica
    env = servers.production_env(
        primary.url,
        servers.free_port(),
        tmp_path / "static",
        DATABASE_REPLICA_URL=replica.url,
        STORY_VERSION_SECONDS="0",
    )
    servers.manage(env, "migrate", "--noinput")
    servers.manage(env, "load_story", "hitachi-newton-aycliffe")
    web = servers.WebServer(env, tmp_path / "web.log").start()
    try:
        # The replica has the story once its delay has passed.
        servers.eventually(lambda: servers.get(web.base_url + STORY)[0] == 200, LAG + 10)
        yield web, env
    finally:
        web.stop()


def shown(base_url):
    """(the version the page says it shows, the version in its ETag, the page)."""
    status, headers, body = servers.get(base_url + STORY)
    assert status == 200
    since = int(re.search(rb"updates/\?since=(\d+)", body)[1])
    etag_version = int(re.search(r'-(\d+)-page"$', headers["ETag"])[1])
    return since, etag_version, body


def test_a_lagging_replica_serves_old_content_under_the_old_version_never_a_mix(site):
    web, env = site
    version_before, _, page = shown(web.base_url)
    # The newest statement on the page, withdrawn on the primary.
    withdrawn, quote = re.search(
        rb'<article class="item statement" id="statement-(\d+)">.*?<blockquote>\s*<p>([^<]{20,60})',
        page,
        re.S,
    ).groups()
    withdrawn = withdrawn.decode()
    servers.manage(
        env,
        "shell",
        "-c",
        "from stories.models import Statement; from stories import services; "
        f"services.unpublish(Statement.objects.filter(pk={withdrawn}), None, note='Test: lag.')",
    )

    # During the lag and after it, every answer is one consistent version.
    seen = set()
    deadline = time.monotonic() + LAG + 10
    while time.monotonic() < deadline:
        since, etag_version, page = shown(web.base_url)
        assert since == etag_version, "the ETag names another version than the page shows"
        if since == version_before:
            assert quote in page, "old version without its content"
        else:
            assert since > version_before
            assert quote not in page, "new version with old content"
        seen.add(since == version_before)
        if since != version_before:
            break
        time.sleep(0.2)

    assert seen == {True, False}, "expected to see the lag, then the change"
    # The open page's poll now learns of the withdrawal.
    status, _, answer = servers.get(
        f"{web.base_url}{STORY}updates/?since={version_before}", {"HX-Request": "true"}
    )
    assert status == 200
    assert f'id="statement-{withdrawn}" data-withdrawn'.encode() in answer
