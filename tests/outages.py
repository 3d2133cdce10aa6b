"""The database gone, in-process: for request tests of how the site answers an outage."""

from unittest import mock

from django.db import OperationalError
from django.db.backends.utils import CursorWrapper


def database_down(message="connection refused: is the server running? (test)"):
    """`with database_down():` every query fails as it does once PostgreSQL has stopped."""
    return mock.patch.object(CursorWrapper, "execute", side_effect=OperationalError(message))
