"""Keep each story's change stamp (stories.changes) fresh when its content changes."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from . import changes
from .models import DataPoint, NegotiationEvent, Series, Statement, Story


def story_id_of(instance):
    if isinstance(instance, Story):
        return instance.pk
    if isinstance(instance, DataPoint):
        return (
            Series.objects.filter(pk=instance.series_id).values_list("story_id", flat=True).first()
        )
    return instance.story_id


def content_changed(sender, instance, **kwargs):
    story_id = story_id_of(instance)
    if story_id is not None:
        transaction.on_commit(lambda: changes.touch(story_id))


def connect():
    for model in (Story, Statement, NegotiationEvent, Series, DataPoint):
        post_save.connect(
            content_changed, sender=model, dispatch_uid=f"stamp-save-{model.__name__}"
        )
        post_delete.connect(
            content_changed, sender=model, dispatch_uid=f"stamp-delete-{model.__name__}"
        )
    m2m_changed.connect(
        content_changed,
        sender=NegotiationEvent.participants.through,
        dispatch_uid="stamp-participants",
    )
