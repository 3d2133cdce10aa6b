import pytest

from stories import changes
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_publishing_a_statement_gives_its_story_a_new_stamp(story):
    before = changes.current_stamp(story.pk)

    factories.statement(story)

    assert changes.current_stamp(story.pk) != before


def test_a_new_figure_gives_its_story_a_new_stamp(story):
    series = factories.series(story)
    before = changes.current_stamp(story.pk)

    factories.point(series)

    assert changes.current_stamp(story.pk) != before


def test_changes_to_one_story_leave_another_story_stamp_alone(story):
    other = factories.story()
    before = changes.current_stamp(other.pk)

    factories.event(story)

    assert changes.current_stamp(other.pk) == before


def test_reading_the_stamp_costs_no_query(story, django_assert_num_queries):
    changes.current_stamp(story.pk)

    with django_assert_num_queries(0):
        changes.current_stamp(story.pk)


def test_renaming_a_speaker_gives_every_story_quoting_them_a_new_stamp(story):
    speaker = factories.stakeholder()
    factories.statement(story, speaker=speaker)
    before = changes.current_stamp(story.pk)

    speaker.name = "Test Person Renamed"
    speaker.save()

    assert changes.current_stamp(story.pk) != before


def test_correcting_a_source_gives_the_stories_citing_it_a_new_stamp(story):
    statement = factories.statement(story)
    untouched = factories.story()
    before, other_before = changes.current_stamp(story.pk), changes.current_stamp(untouched.pk)

    statement.source.headline = "Test headline, corrected"
    statement.source.save()

    assert changes.current_stamp(story.pk) != before
    assert changes.current_stamp(untouched.pk) == other_before


def test_several_stamps_are_read_together_and_match_each_story(story):
    other = factories.story()

    stamps = changes.current_stamps([story.pk, other.pk])

    assert stamps == {
        story.pk: changes.current_stamp(story.pk),
        other.pk: changes.current_stamp(other.pk),
    }
    assert stamps[story.pk] != stamps[other.pk]
