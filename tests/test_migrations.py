"""Data migrations do what they say on the rows production already has."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("stories", "0004_live_version")]
AFTER = [("stories", "0005_first_published_at")]


def migrate(targets):
    """Migrate the test database to `targets`; the apps (historical models) as they are there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def row(apps, model_name, **fields):
    return apps.get_model("stories", model_name).objects.create(**fields)


def history(apps, item, when, **fields):
    """A history record of `item` as django-simple-history kept it at `when`."""
    model = apps.get_model("stories", f"historical{type(item).__name__.lower()}")
    copied = {field.attname: getattr(item, field.attname) for field in item._meta.concrete_fields}
    return model.objects.create(**{**copied, **fields}, history_date=when, history_type="~")


@pytest.mark.django_db(transaction=True)
def test_first_published_at_is_filled_from_the_stamp_or_the_history():
    first_publication = timezone.now() - datetime.timedelta(days=30)
    stamp = timezone.now() - datetime.timedelta(days=10)
    apps = migrate(BEFORE)
    try:
        story = row(
            apps,
            "story",
            title="Test story",
            slug="test-migrated",
            standfirst="Test.",
            started_on=datetime.date(2024, 3, 1),
            status="published",
            published_at=stamp,
        )
        source = row(
            apps,
            "source",
            publication="The Test Gazette",
            published_on=datetime.date(2024, 9, 27),
        )
        speaker = row(apps, "stakeholder", name="Test Person", slug="test-migrated-person")

        def statement(**fields):
            return row(
                apps,
                "statement",
                story=story,
                speaker=speaker,
                source=source,
                quote="Test quote.",
                said_on=datetime.date(2024, 9, 27),
                method="interview",
                **fields,
            )

        published = statement(status="published", published_at=stamp)
        withdrawn = statement(status="draft")
        history(apps, withdrawn, first_publication, status="published")
        history(apps, withdrawn, stamp, status="draft")
        never_published = statement(status="draft")
        history(apps, never_published, first_publication, status="draft")

        apps = migrate(AFTER)

        statements = apps.get_model("stories", "statement").objects
        assert statements.get(pk=published.pk).first_published_at == stamp
        assert statements.get(pk=withdrawn.pk).first_published_at == first_publication
        assert statements.get(pk=never_published.pk).first_published_at is None
        assert apps.get_model("stories", "story").objects.get().first_published_at == stamp
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
