"""
A web worker warms up before its first reader (dashboard.wsgi): it serves the newest story's
page to itself and keeps nothing of it, so the first reader's page is still read and rendered
afresh, at the version that reader asks at.
"""

import datetime
import gc
import logging

import pytest

from dashboard import reading
from stories.models import Status
from tests import factories


def served(caplog):
    """(path, status, shared) of each request the site logged."""
    return [
        (record.path, record.status, getattr(record, "shared", None))
        for record in caplog.records
        if record.name == "dashboard.requests"
    ]


@pytest.fixture
def serve_a_story_page(in_process):
    from dashboard.wsgi import serve_a_story_page

    return serve_a_story_page


def test_a_worker_serves_itself_the_newest_published_story(serve_a_story_page, caplog):
    factories.story(started_on=datetime.date(2023, 5, 1))
    newest = factories.story(started_on=datetime.date(2024, 9, 1))
    factories.story(started_on=datetime.date(2025, 1, 1), status=Status.DRAFT)

    with caplog.at_level(logging.INFO, logger="dashboard.requests"):
        serve_a_story_page()

    assert served(caplog) == [(newest.get_absolute_url(), 200, "miss")]


def test_nothing_it_served_is_kept_for_a_reader(
    serve_a_story_page, client, story, caplog, settings
):
    settings.STORY_VERSION_SECONDS = 60  # as in production, where a version is remembered
    serve_a_story_page()
    assert reading._seen == {}

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="dashboard.requests"):
        client.get(story.get_absolute_url())
        client.get(story.get_absolute_url())
    # The first reader's page is read afresh; the caches work again for the second.
    url = story.get_absolute_url()
    assert served(caplog) == [(url, 200, "miss"), (url, 200, "hit")]


def test_with_no_published_story_it_serves_nothing(serve_a_story_page, caplog):
    factories.story(status=Status.DRAFT)

    with caplog.at_level(logging.INFO, logger="dashboard.requests"):
        serve_a_story_page()

    assert served(caplog) == []


def test_what_a_worker_built_while_warming_up_is_left_out_of_later_collections(in_process):
    from dashboard.wsgi import warm_up

    gc.unfreeze()
    warm_up()
    try:
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
