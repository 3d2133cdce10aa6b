"""Editorial writes that touch many rows at once, each as one transaction."""

from django.db import transaction

from .models import Status


@transaction.atomic
def publish(queryset, user):
    """Publish the drafts among `queryset`, stamping who and when; returns how many."""
    return set_status(queryset, Status.PUBLISHED, user)


@transaction.atomic
def unpublish(queryset, user):
    """Take the published items among `queryset` off every public page; returns how many."""
    return set_status(queryset, Status.DRAFT, user)


def set_status(queryset, status, user):
    # Each row is saved on its own (not queryset.update()) so that its history, version and
    # the story's change stamp follow, exactly as for an edit in the form.
    changed = 0
    for item in queryset.select_for_update(of=("self",)).exclude(status=status):
        was_published = item.is_published
        item.status = status
        item.stamp_publication(user, was_published)
        item._history_user = user
        item.save()
        changed += 1
    return changed
