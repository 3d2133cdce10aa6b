"""
Send public reads to an optional read replica (DATABASE_REPLICA_URL).

Writes go to the primary. So do reads inside a transaction, and every read of a request pinned
to the primary (PrimaryDatabaseMiddleware pins the admin, unsafe methods and anyone with a
session), so an editor always sees what they have just saved, whatever the replica's lag.
A public page read in one snapshot (dashboard.reading.snapshot) pins its reads to the database
the snapshot is on, so the story's version and its content come from the same server.
"""

import contextlib
import contextvars

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"

pinned_alias = contextvars.ContextVar("pinned_alias", default=None)


@contextlib.contextmanager
def pinned(alias):
    """Within this block every read goes to the database `alias`."""
    token = pinned_alias.set(alias)
    try:
        yield
    finally:
        pinned_alias.reset(token)


def primary():
    """Within this block every read goes to the primary."""
    return pinned(DEFAULT_DB_ALIAS)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if alias := pinned_alias.get():
            return alias
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same rows.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
