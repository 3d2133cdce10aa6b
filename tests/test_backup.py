"""scripts/backup and scripts/restore: a round trip gives back the same content."""

import subprocess

import psycopg
import pytest

from stories.loading import data_file, read_story_data
from tests import servers

pytestmark = pytest.mark.slow  # real servers in subprocesses

HITACHI_STATEMENTS = """
    select speaker.name, statement.speaker_role, statement.quote, statement.said_on,
           source.url
    from stories_statement statement
    join stories_story story on story.id = statement.story_id
    join stories_stakeholder speaker on speaker.id = statement.speaker_id
    join stories_source source on source.id = statement.source_id
    where story.slug = 'hitachi-newton-aycliffe'
    order by statement.said_on, statement.quote
"""


def script(name, *args, env=None):
    return subprocess.run(
        [str(servers.ROOT / "scripts" / name), *map(str, args)],
        env={**servers.base_env(), **(env or {})},
        capture_output=True,
        text=True,
    )


def row_counts(url):
    with psycopg.connect(url) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "select tablename from pg_tables where schemaname = 'public' order by 1"
            )
        ]
        return {
            table: connection.execute(f'select count(*) from "{table}"').fetchone()[0]
            for table in tables
        }


def rows(url, query):
    with psycopg.connect(url) as connection:
        return connection.execute(query).fetchall()


@pytest.fixture(scope="module")
def live_database():
    """A database like production's: migrated, with the Hitachi story loaded."""
    with servers.scratch_database("backup_source") as url:
        env = {**servers.base_env(), "DATABASE_URL": url}
        servers.manage(env, "migrate", "--noinput")
        servers.manage(env, "load_story", "hitachi-newton-aycliffe")
        yield url


def test_a_backup_restored_into_an_empty_database_has_the_same_content(live_database, tmp_path):
    dump = tmp_path / "nightly.dump"

    backup = script("backup", dump, env={"DATABASE_URL": live_database})
    assert backup.returncode == 0, backup.stderr
    assert backup.stdout.strip() == str(dump)
    assert dump.read_bytes().startswith(b"PGDMP")

    with servers.scratch_database("backup_restored") as empty:
        restore = script("restore", dump, empty)
        assert restore.returncode == 0, restore.stderr

        counts = row_counts(empty)
        assert counts == row_counts(live_database)
        hitachi = read_story_data(data_file("hitachi-newton-aycliffe"))
        assert counts["stories_statement"] == len(hitachi["statements"])
        assert counts["stories_order"] == len(hitachi["orders"])
        assert counts["django_migrations"] > 0
        statements = rows(empty, HITACHI_STATEMENTS)
        assert statements == rows(live_database, HITACHI_STATEMENTS)
        assert len(statements) == len(hitachi["statements"])


def test_restore_refuses_a_database_that_is_not_empty(live_database, tmp_path):
    dump = tmp_path / "nightly.dump"
    assert script("backup", dump, env={"DATABASE_URL": live_database}).returncode == 0
    before = row_counts(live_database)

    restore = script("restore", dump, live_database)

    assert restore.returncode == 1
    assert "Refusing to restore" in restore.stderr
    assert row_counts(live_database) == before


def test_backup_without_a_postgresql_database_says_why(tmp_path):
    result = script("backup", tmp_path / "x.dump", env={"DATABASE_URL": "sqlite:///db.sqlite3"})

    assert result.returncode == 2
    assert "not a PostgreSQL database" in result.stderr
    assert not (tmp_path / "x.dump").exists()


def test_a_failed_backup_leaves_no_file_behind(tmp_path):
    unreachable = f"postgres://postgres@127.0.0.1:{servers.free_port()}/postgres"

    result = script("backup", tmp_path / "x.dump", env={"DATABASE_URL": unreachable})

    assert result.returncode != 0
    assert list(tmp_path.iterdir()) == []
