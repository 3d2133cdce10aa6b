"""
Free-text search over quotes, event titles and descriptions.

On PostgreSQL this is its full-text search: English stemming, a web-search style query syntax
("quoted phrases", -excluded words, or), and a rank for each match. The documents are the same
expressions as the GIN indexes in migration 0002_reader_search, so the indexes serve them.
On SQLite (only `make run` uses it) every word must appear somewhere, in any case.
"""

from django.db import connection
from django.db.models import Q

CONFIG = "english"

# What each model is searched by, with the weight of each field in the rank (A counts most).
FIELDS = {
    "statement": {"quote": "A", "context": "B"},
    "negotiationevent": {"title": "A", "description": "B", "place": "C"},
}


def document(model):
    """The weighted search vector of a model's rows (also the GIN index expression)."""
    from django.contrib.postgres.search import SearchVector

    vectors = [
        SearchVector(name, weight=weight, config=CONFIG)
        for name, weight in FIELDS[model._meta.model_name].items()
    ]
    combined = vectors[0]
    for vector in vectors[1:]:
        combined = combined + vector
    return combined


def search(queryset, text):
    """Narrow `queryset` to rows matching `text`, annotated with `rank` (higher is better)."""
    text = " ".join(text.split())
    if not text:
        return queryset
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank

        query = SearchQuery(text, config=CONFIG, search_type="websearch")
        vector = document(queryset.model)
        return (
            queryset.alias(document=vector)
            .filter(document=query)
            .annotate(rank=SearchRank(vector, query))
        )
    fields = FIELDS[queryset.model._meta.model_name]
    for word in text.split():
        word = word.strip('"')
        if word:
            queryset = queryset.filter(
                Q(*[Q(**{f"{name}__icontains": word}) for name in fields], _connector=Q.OR)
            )
    return queryset
