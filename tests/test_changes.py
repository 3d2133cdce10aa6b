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
