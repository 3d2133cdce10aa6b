"""Keep each story's change stamp (stories.changes) fresh when its content changes."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from . import changes
from .models import DataPoint, NegotiationEvent, Series, Source, Stakeholder, Statement, Story


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


def stories_citing(instance):
    """The stories whose pages show this stakeholder or source: a rename changes them all."""
    if isinstance(instance, Stakeholder):
        return {
            *Statement.objects.filter(speaker=instance).values_list("story_id", flat=True),
            *NegotiationEvent.objects.filter(participants=instance).values_list(
                "story_id", flat=True
            ),
        }
    return {
        *Statement.objects.filter(source=instance).values_list("story_id", flat=True),
        *NegotiationEvent.objects.filter(source=instance).values_list("story_id", flat=True),
        *DataPoint.objects.filter(source=instance).values_list("series__story_id", flat=True),
    }


def shared_record_changed(sender, instance, created=False, **kwargs):
    if created:
        return  # nothing cites a new record yet
    story_ids = stories_citing(instance)
    if story_ids:
        transaction.on_commit(lambda: [changes.touch(story_id) for story_id in story_ids])


def connect():
    for model in (Stakeholder, Source):
        post_save.connect(
            shared_record_changed, sender=model, dispatch_uid=f"stamp-save-{model.__name__}"
        )
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
