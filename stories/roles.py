"""
The newsroom's roles.

- Readers need no account.
- Editors (staff in the "Editors" group) add, change and view every editorial model, publish
  and unpublish, and may delete drafts of statements, events and figures that were never
  published; they cannot delete anything readers have seen (published now or before), nor see
  or manage accounts. They see how many readers follow each story and person by email, not
  their addresses.
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
    "pledge",
    "pledgeupdate",
    "part",
]
# Editors may delete these while they are drafts never published (stories.admin.PublishableAdmin
# checks Publishable.was_ever_published).
DELETABLE_DRAFTS = [
    "statement",
    "negotiationevent",
    "datapoint",
    "order",
    "role",
    "pledge",
    "pledgeupdate",
    "part",
]


def editors_group():
    """The Editors group with exactly its permissions; safe to call again."""
    group, _ = Group.objects.get_or_create(name=EDITORS)
    permissions = Permission.objects.filter(
        (
            Q(content_type__model__in=EDITORIAL_MODELS, codename__regex=r"^(add|change|view)_")
            | Q(content_type__model__in=DELETABLE_DRAFTS, codename__startswith="delete_")
        )
        & Q(content_type__app_label="stories")
        # How many readers follow what by email (counts only: alerts/admin.py).
        | Q(content_type__app_label="alerts", codename="view_follow")
    )
    group.permissions.set(permissions)
    return group


def may_delete_published(user):
    """Only administrators delete what readers have seen, even once it is unpublished."""
    return user.is_active and user.is_superuser
