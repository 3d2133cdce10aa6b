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

# What each model is searched by, most telling field first.
FIELDS = {
    "statement": ("quote", "context"),
    "negotiationevent": ("title", "description", "place"),
}


def document(model):
    """The search vector of a model's rows (also the GIN index expression)."""
    from django.contrib.postgres.search import SearchVector

    return SearchVector(*FIELDS[model._meta.model_name], config=CONFIG)


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
