import datetime

import pytest

from stories.dates import Precision
from tests import factories
from tests.test_dashboard_paging import timeline

pytestmark = pytest.mark.django_db


def test_timeline_merges_statements_and_events_newest_first(story):
    march = factories.event(
        story,
        title="March report",
        happened_on=datetime.date(2024, 3, 1),
        happened_on_precision=Precision.MONTH,
    )
    september = factories.statement(story, said_on=datetime.date(2024, 9, 27))
    july = factories.event(story, title="July visit", happened_on=datetime.date(2024, 7, 10))

    assert timeline(story) == [september, july, march]


def test_timeline_leaves_out_drafts_and_other_stories(story):
    published = factories.statement(story)
    factories.statement(story, status="draft")
    factories.event(story, status="draft")
    factories.statement(factories.story())

    assert timeline(story) == [published]
