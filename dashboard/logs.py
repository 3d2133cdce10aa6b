"""Log records as one JSON object per line, for production log collectors, and a filter."""

import datetime
import json
import logging

# Attributes every LogRecord has; anything else on a record came from `extra=` and is logged.
STANDARD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JSONFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in vars(record).items():
            if name not in STANDARD_ATTRIBUTES and not name.startswith("_"):
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class SkipDatabaseUnavailable(logging.Filter):
    """
    Drop Django's "Service Unavailable" error for the 503s the site answers on purpose while
    the database is down: the request log line already says so, with the database's error.
    """

    def filter(self, record):
        request = getattr(record, "request", None)
        return not getattr(request, "database_unavailable", None)
