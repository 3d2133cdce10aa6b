"""Editorial writes that touch many rows at once, each as one transaction."""

from django.db import transaction

from .models import Status


@transaction.atomic
def publish(queryset, user):
    """Publish the drafts among `queryset`, stamping who and when; returns how many."""
    return set_status(queryset, Status.PUBLISHED, user)


@transaction.atomic
def unpublish(queryset, user, note=""):
    """
    Take the published items among `queryset` off every public page; returns how many. The
    note says why, publicly: the story's correction log lists each withdrawal with it.
    """
    return set_status(queryset, Status.DRAFT, user, note=note)


def set_status(queryset, status, user, note=""):
    # Each row is saved on its own (not queryset.update()) so that its history, version and
    # the story's change stamp follow, exactly as for an edit in the form.
    changed = 0
    for item in queryset.select_for_update(of=("self",)).exclude(status=status):
        item.status = status
        item.publisher = user
        item._history_user = user
        item.withdrawal_note = note
        item.save()
        changed += 1
    return changed
