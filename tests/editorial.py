"""Helpers for the editorial tests: accounts per role and the admin's form data."""

from django.contrib.auth import get_user_model
from django.urls import reverse

from stories.roles import editors_group


def editor(username="test-editor"):
    user = get_user_model().objects.create_user(username=username, is_staff=True)
    user.groups.add(editors_group())
    return user


def administrator(username="test-admin"):
    return get_user_model().objects.create_superuser(username=username, email="", password=None)


def admin_url(model, action, *args):
    return reverse(f"admin:stories_{model}_{action}", args=args)


def statement_data(statement, **changes):
    """The statement change form as an editor who loaded it now would post it."""
    data = {
        "story": statement.story_id,
        "speaker": statement.speaker_id,
        "speaker_role": statement.speaker_role,
        "quote": statement.quote,
        "context": statement.context,
        "said_on": statement.said_on.isoformat(),
        "said_on_precision": statement.said_on_precision,
        "method": statement.method,
        "source": statement.source_id,
        "event": statement.event_id or "",
        "status": statement.status,
        "correction_note": statement.correction_note,
        "loaded_version": statement.version,
    }
    return {**data, **changes}
