"""
GIN indexes for the reader's full-text search (stories/search.py), on PostgreSQL only.

They index the same expressions stories.search.document() builds, so a search reads the index.
They are created here rather than in the models' Meta because SQLite (used by `make run`)
has no GIN indexes; migration state is untouched, so makemigrations never tries to drop them.
"""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations

from stories import search

INDEXES = {
    "statement": "statement_search_idx",
    "negotiationevent": "event_search_idx",
}


def index_for(model_name, apps):
    model = apps.get_model("stories", model_name)
    return model, GinIndex(search.document(model), name=INDEXES[model_name])


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name in INDEXES:
        schema_editor.add_index(*index_for(model_name, apps))


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name in INDEXES:
        schema_editor.remove_index(*index_for(model_name, apps))


class Migration(migrations.Migration):
    dependencies = [("stories", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
