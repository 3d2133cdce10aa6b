"""The newsroom's roles, as Django groups."""

from django.contrib.auth.models import Group, Permission

EDITORS = "Editors"
EDITORIAL_MODELS = [
    "story",
    "stakeholder",
    "source",
    "statement",
    "negotiationevent",
    "series",
    "datapoint",
]


def editors_group():
    """The Editors group: add, change and view every editorial model; no delete, no accounts."""
    group, _ = Group.objects.get_or_create(name=EDITORS)
    permissions = Permission.objects.filter(
        content_type__app_label="stories",
        content_type__model__in=EDITORIAL_MODELS,
        codename__regex=r"^(add|change|view)_",
    )
    group.permissions.set(permissions)
    return group
