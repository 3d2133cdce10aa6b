"""
GIN indexes for the reader's full-text search (stories/search.py), on PostgreSQL only.

Each indexes the same expression stories.search.document() builds (tests/test_filters.py
checks that the planner uses them), written out here so that this migration keeps its meaning
whatever the search code becomes: a new document needs a new migration. They are created here
rather than in the models' Meta because SQLite (used by `make run`) has no GIN indexes;
migration state is untouched, so makemigrations never tries to drop them.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

# model name: (index name, {field: weight})
INDEXES = {
    "statement": ("statement_search_idx", {"quote": "A", "context": "B"}),
    "negotiationevent": ("event_search_idx", {"title": "A", "description": "B", "place": "C"}),
}


def index_for(model_name, apps):
    model = apps.get_model("stories", model_name)
    name, weights = INDEXES[model_name]
    vectors = [
        SearchVector(field, weight=weight, config="english") for field, weight in weights.items()
    ]
    document = vectors[0]
    for vector in vectors[1:]:
        document = document + vector
    return model, GinIndex(document, name=name)


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
