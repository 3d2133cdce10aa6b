"""
The story's published version and change log: they move, in the writer's transaction, with
every change readers can see, and never with one they cannot.
"""

import pytest
from django.db import transaction

from stories import changes, services
from stories.models import (
    Change,
    FormerSlug,
    NegotiationEvent,
    Order,
    Statement,
    Status,
    Story,
)
from tests import factories

pytestmark = pytest.mark.django_db


def version(story):
    return Story.objects.values_list("published_version", flat=True).get(pk=story.pk)


def log(story):
    return list(
        Change.objects.filter(story=story).values_list("action", "subject", "object_id", "note")
    )


def test_publishing_a_statement_moves_the_version_and_logs_it_as_added(story):
    before = version(story)

    statement = factories.statement(story)

    assert version(story) == before + 1
    assert log(story)[-1] == ("added", "statement", statement.pk, "")


def test_a_draft_moves_nothing_and_is_not_in_the_log(story):
    before, logged = version(story), log(story)

    draft = factories.statement(story, status=Status.DRAFT, quote="Test draft words.")
    draft.quote = "Test draft words, edited."
    draft.save()
    factories.event(story, status=Status.DRAFT)

    assert version(story) == before
    assert log(story) == logged


def test_editing_a_published_statement_logs_a_change_and_a_correction_its_note(story):
    statement = factories.statement(story)
    statement.context = "Test context added."
    statement.save()
    statement.quote = "Test quote, corrected."
    statement.correction_note = "Test note: the quote was misheard."
    statement.corrected_at = statement.updated_at
    statement.save()

    assert log(story)[-2:] == [
        ("changed", "statement", statement.pk, ""),
        ("changed", "statement", statement.pk, "Test note: the quote was misheard."),
    ]


def test_unpublishing_logs_a_withdrawal_with_its_note(story, admin_user):
    statement = factories.statement(story)

    services.unpublish(Statement.objects.filter(pk=statement.pk), admin_user, note="Test: wrong.")

    entry = Change.objects.filter(story=story).last()
    assert (entry.action, entry.object_id, entry.note) == (
        "withdrawn",
        statement.pk,
        "Test: wrong.",
    )
    assert entry.summary.startswith(f"Statement by {statement.speaker.name}")


def test_deleting_a_published_item_logs_a_withdrawal_and_a_draft_nothing(story):
    published = factories.event(story)
    draft = factories.event(story, status=Status.DRAFT)
    before = version(story)

    NegotiationEvent.objects.filter(pk__in=[published.pk, draft.pk]).delete()

    assert version(story) == before + 1
    assert log(story)[-1] == ("withdrawn", "event", published.pk, "")
    assert draft.pk not in [object_id for _, _, object_id, _ in log(story)]


def test_a_save_that_changes_nothing_readers_see_leaves_the_version(story):
    statement = factories.statement(story)
    before = version(story)

    statement.save()

    assert version(story) == before


def test_the_version_moves_in_the_writers_transaction_and_not_after_a_rollback(story):
    before, logged = version(story), log(story)

    with pytest.raises(RuntimeError), transaction.atomic():
        factories.statement(story)
        assert version(story) == before + 1  # seen inside the same transaction
        raise RuntimeError("the editor's save fails after the insert")

    assert version(story) == before
    assert log(story) == logged


def test_a_story_save_never_writes_back_a_version_it_read(story):
    stale = Story.objects.get(pk=story.pk)
    factories.statement(story)  # moves the version after `stale` was read
    moved = version(story)

    stale.standfirst = "Test standfirst, edited."
    stale.save()

    assert version(story) == moved + 1  # the edit moves it on, never back


def test_a_draft_story_has_no_readers_so_its_items_move_nothing(story):
    draft_story = factories.story(status=Status.DRAFT)
    before = version(draft_story)

    factories.statement(draft_story)

    assert version(draft_story) == before
    assert log(draft_story) == []


def test_a_series_is_a_draft_until_published_and_so_are_its_figures(story):
    series = factories.series(story, status=Status.DRAFT)
    before = version(story)

    factories.point(series)

    assert version(story) == before
    series.status = Status.PUBLISHED
    series.save()
    assert log(story)[-1] == ("added", "series", series.pk, "")


def test_an_order_and_each_development_of_it_are_logged_and_a_draft_is_not(story):
    option = factories.order(story, commitment="option", trains=13)
    taken_up = factories.order(
        story, development="exercised", changes=option, trains=8, commitment="firm"
    )
    before, logged = version(story), log(story)
    factories.order(story, development="lapsed", changes=option, trains=None, status="draft")

    assert logged[-2:] == [
        ("added", "order", option.pk, ""),
        ("added", "order", taken_up.pk, ""),
    ]
    assert (version(story), log(story)) == (before, logged)
    assert Change.objects.filter(story=story).last().summary == (
        "Option taken up: Test Rail Co, 8 trains, firm order"
    )


def test_correcting_a_published_order_logs_its_note_and_deleting_it_a_withdrawal(story):
    order = factories.order(story)
    order.value = 120_000_000
    order.correction_note = "Test: the value was misread."
    order.corrected_at = order.updated_at
    order.save()
    Order.objects.filter(pk=order.pk).delete()

    assert log(story)[-2:] == [
        ("changed", "order", order.pk, "Test: the value was misread."),
        ("withdrawn", "order", order.pk, ""),
    ]


def test_renaming_a_speaker_logs_a_change_in_every_story_quoting_them(story):
    speaker = factories.stakeholder()
    factories.statement(story, speaker=speaker)
    other = factories.story()
    only_in_a_draft = factories.story()
    factories.statement(only_in_a_draft, speaker=speaker, status=Status.DRAFT)
    untouched = (version(other), version(only_in_a_draft))

    speaker.name = "Test Person Renamed"
    speaker.save()

    assert log(story)[-1] == ("changed", "stakeholder", speaker.pk, "")
    assert (version(other), version(only_in_a_draft)) == untouched


def test_adding_someone_to_an_event_from_either_side_logs_a_change(story):
    event = factories.event(story)
    person = factories.stakeholder()
    before = version(story)

    event.participants.add(person)
    person.events.remove(event)  # the reverse side has no story of its own to read
    person.events.add(event)

    assert version(story) == before + 3
    assert {entry[:3] for entry in log(story)[-3:]} == {("changed", "event", event.pk)}


def people(story):
    """The ids of the people readers can filter the story's timeline by, as stored."""
    return set(Story.objects.get(pk=story.pk).people.values_list("pk", flat=True))


def test_the_people_readers_filter_by_follow_every_change_to_what_they_said_or_took_part_in(
    story,
):
    speaker, drafter, member, other = (factories.stakeholder() for _ in range(4))

    said = factories.statement(story, speaker=speaker)
    factories.statement(story, speaker=drafter, status=Status.DRAFT)
    assert people(story) == {speaker.pk}

    meeting = factories.event(story, participants=[member])
    assert people(story) == {speaker.pk, member.pk}
    meeting.participants.remove(member)
    assert people(story) == {speaker.pk}
    member.events.add(meeting)  # from the person's side
    assert people(story) == {speaker.pk, member.pk}
    meeting.status = Status.DRAFT
    meeting.save()
    assert people(story) == {speaker.pk}
    meeting.status = Status.PUBLISHED
    meeting.save()
    assert people(story) == {speaker.pk, member.pk}
    member.events.clear()
    assert people(story) == {speaker.pk}

    said.speaker = other
    said.save()
    assert people(story) == {other.pk}
    said.status = Status.DRAFT
    said.save()
    assert people(story) == set()
    said.status = Status.PUBLISHED
    said.save()
    assert people(story) == {other.pk}
    said.delete()
    assert people(story) == set()


def test_a_draft_storys_people_are_found_when_it_is_published():
    draft_story = factories.story(status=Status.DRAFT)
    speaker = factories.stakeholder()
    factories.statement(draft_story, speaker=speaker)
    assert people(draft_story) == set()  # nobody reads a draft story's list

    draft_story.status = Status.PUBLISHED
    draft_story.save()

    assert people(draft_story) == {speaker.pk}


def test_the_people_move_in_the_writers_transaction_and_not_after_a_rollback(story):
    speaker = factories.stakeholder()

    with pytest.raises(RuntimeError), transaction.atomic():
        factories.statement(story, speaker=speaker)
        assert people(story) == {speaker.pk}  # seen inside the same transaction
        raise RuntimeError("the editor's save fails after the insert")

    assert people(story) == set()


def test_deleting_someone_who_took_part_in_an_event_logs_the_event_and_drops_them(story):
    member, speaker = factories.stakeholder(), factories.stakeholder()
    event = factories.event(story, participants=[member])
    factories.statement(story, speaker=speaker)
    before = version(story)

    member.delete()  # an administrator's deletion: their part in the event goes with them

    assert version(story) == before + 1
    assert log(story)[-1][:3] == ("changed", "event", event.pk)
    assert people(story) == {speaker.pk}


def test_renaming_a_story_keeps_its_old_slug_until_another_story_takes_it(story):
    old = story.slug
    story.slug = "test-story-renamed"
    story.save()

    assert FormerSlug.objects.get(slug=old).story == story
    factories.story(slug=old)
    assert not FormerSlug.objects.filter(slug=old).exists()


# The difference a poll answers with


def test_the_difference_names_new_changed_and_withdrawn_items_once(story):
    kept = factories.statement(story, quote="Test kept.")
    corrected = factories.statement(story, quote="Test to correct.")
    withdrawn = factories.event(story)
    since = version(story)
    new = factories.statement(story, quote="Test new.")
    corrected.quote = "Test corrected."
    corrected.save()
    withdrawn.status = Status.DRAFT
    withdrawn.save()
    factories.statement(story, status=Status.DRAFT, quote="Test draft never published.")
    story.refresh_from_db()

    result = changes.difference(
        story,
        since,
        Statement.objects.for_timeline(story),
        NegotiationEvent.objects.for_timeline(story),
    )

    assert [item.pk for item in result.new] == [new.pk]
    assert [item.pk for item in result.changed] == [corrected.pk]
    assert result.withdrawn == [("event", withdrawn.pk)]
    assert kept.pk not in [item.pk for item in result.new + result.changed]


def test_an_item_published_and_withdrawn_since_is_withdrawn_not_new(story):
    since = version(story)
    statement = factories.statement(story)
    statement.status = Status.DRAFT
    statement.save()

    result = changes.difference(
        story,
        since,
        Statement.objects.for_timeline(story),
        NegotiationEvent.objects.for_timeline(story),
    )

    assert result.new == []
    assert result.withdrawn == [("statement", statement.pk)]


def test_a_reader_far_behind_is_told_to_reload(story, monkeypatch):
    monkeypatch.setattr(changes, "MOST_CHANGES", 3)
    since = version(story)
    for n in range(4):
        factories.event(story, title=f"Test event {n}")

    result = changes.difference(
        story,
        since,
        Statement.objects.for_timeline(story),
        NegotiationEvent.objects.for_timeline(story),
    )

    assert result.too_many
