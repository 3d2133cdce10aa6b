"""
Send public reads to an optional read replica (DATABASE_REPLICA_URL).

Writes go to the primary. So do reads inside a transaction, and every read of a request pinned
to the primary (PrimaryDatabaseMiddleware pins the admin, unsafe methods and anyone with a
session), so an editor always sees what they have just saved, whatever the replica's lag.
"""

import contextlib
import contextvars

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"

pinned_to_primary = contextvars.ContextVar("pinned_to_primary", default=False)


@contextlib.contextmanager
def primary():
    """Within this block every read goes to the primary."""
    token = pinned_to_primary.set(True)
    try:
        yield
    finally:
        pinned_to_primary.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if pinned_to_primary.get() or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same rows.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
