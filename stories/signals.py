"""
The change log's view of what model saves cannot see: deletions (the admin deletes in bulk,
through querysets) and who took part in an event (a many-to-many change, and the deletion of
someone who took part). Saves are logged by ReaderVisible.save itself.
"""

from django.db.models.signals import m2m_changed, post_delete, pre_delete

from .models import (
    Change,
    DataPoint,
    NegotiationEvent,
    Order,
    Part,
    Pledge,
    PledgeUpdate,
    Publishable,
    Role,
    Series,
    Stakeholder,
    Statement,
    Story,
)


def published_row_deleted(sender, instance, using, **kwargs):
    if isinstance(instance, Publishable) and not isinstance(instance, Story):
        instance.log_change(instance, None, using)


def remember_series_of_point(sender, instance, using, **kwargs):
    # A figure's deletion is logged once its row is gone, and the series may go in the same
    # cascade: load the series first, while it is still there.
    instance.series  # noqa: B018


def participants_changed(sender, instance, action, reverse, pk_set, using, **kwargs):
    """Someone joined or left an event: the event's card changes for readers if published."""
    if action == "pre_clear" and reverse:
        # Clearing a person's events: note which ones before the rows go.
        instance._cleared_event_ids = set(
            sender.objects.using(using)
            .filter(stakeholder_id=instance.pk)
            .values_list("negotiationevent_id", flat=True)
        )
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        events = [instance]
    else:
        ids = pk_set if action != "post_clear" else getattr(instance, "_cleared_event_ids", set())
        events = NegotiationEvent.objects.using(using).filter(pk__in=ids or [])
    for event in events:
        if event.is_published:
            event.log_as(Change.Action.CHANGED, using)


def person_deleted(sender, instance, using, signal, **kwargs):
    """
    Deleting someone deletes their part in every event (nothing protects a many-to-many row),
    as clearing their events does: noted before the rows go and logged after, the same way.
    """
    action = "pre_clear" if signal is pre_delete else "post_clear"
    through = NegotiationEvent.participants.through
    participants_changed(through, instance, action, reverse=True, pk_set=None, using=using)


def connect():
    models = (Story, Statement, NegotiationEvent, Series, DataPoint, Order, Role, Pledge)
    for model in (*models, PledgeUpdate, Part):
        post_delete.connect(
            published_row_deleted, sender=model, dispatch_uid=f"log-delete-{model.__name__}"
        )
    pre_delete.connect(remember_series_of_point, sender=DataPoint, dispatch_uid="point-series")
    for signal in (pre_delete, post_delete):
        signal.connect(person_deleted, sender=Stakeholder, dispatch_uid="person-deleted")
    m2m_changed.connect(
        participants_changed,
        sender=NegotiationEvent.participants.through,
        dispatch_uid="log-participants",
    )
