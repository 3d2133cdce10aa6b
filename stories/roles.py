"""
The newsroom's roles.

- Readers need no account.
- Editors (staff in the "Editors" group) add, change and view every editorial model, publish
  and unpublish, and may delete drafts of statements, events and figures; they cannot delete
  anything published, nor see or manage accounts.
- Administrators (superusers) can do everything.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

EDITORS = "Editors"
EDITORIAL_MODELS = [
    "story",
    "stakeholder",
    "source",
    "statement",
    "negotiationevent",
    "series",
    "datapoint",
    "order",
    "role",
]
# Editors may delete these while they are drafts (stories.admin.PublishableAdmin checks).
DELETABLE_DRAFTS = ["statement", "negotiationevent", "datapoint", "order", "role"]


def editors_group():
    """The Editors group with exactly its permissions; safe to call again."""
    group, _ = Group.objects.get_or_create(name=EDITORS)
    permissions = Permission.objects.filter(
        Q(content_type__model__in=EDITORIAL_MODELS, codename__regex=r"^(add|change|view)_")
        | Q(content_type__model__in=DELETABLE_DRAFTS, codename__startswith="delete_"),
        content_type__app_label="stories",
    )
    group.permissions.set(permissions)
    return group


def may_delete_published(user):
    """Only administrators delete what readers have seen."""
    return user.is_active and user.is_superuser
