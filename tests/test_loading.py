import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.serializers import serialize

from stories.loading import data_file
from stories.models import (
    DataPoint,
    NegotiationEvent,
    Series,
    Source,
    Stakeholder,
    Statement,
    Story,
)

pytestmark = pytest.mark.django_db

HITACHI = "hitachi-newton-aycliffe"


def hitachi_data():
    return json.loads(data_file(HITACHI).read_text(encoding="utf-8"))


def snapshot():
    models = [Story, Source, Stakeholder, NegotiationEvent, Statement, Series, DataPoint]
    return {model.__name__: serialize("json", model.objects.order_by("pk")) for model in models}


def test_loading_the_story_twice_changes_nothing():
    call_command("load_story", HITACHI)
    before = snapshot()

    call_command("load_story", HITACHI)

    assert snapshot() == before


def test_the_story_is_published_with_everything_in_its_data_file():
    call_command("load_story", HITACHI)
    data = hitachi_data()
    story = Story.objects.published().get(slug=HITACHI)

    assert story.statements.published().count() == len(data["statements"])
    assert story.events.published().count() == len(data["events"])
    assert Stakeholder.objects.count() == len(data["stakeholders"])
    assert set(story.series.values_list("slug", flat=True)) >= {"workforce", "order-book"}


def test_quotes_are_stored_verbatim_one_paragraph_per_line():
    call_command("load_story", HITACHI)
    healey = Statement.objects.get(speaker__slug="john-healey")

    assert healey.paragraphs == [
        "I really feel for the workforce there because this has been going on for months, "
        "if not years, that uncertainty.",
        "So there is a new government, we are 10 weeks into office, and there are really "
        "active negotiations now going on led by the Department of Transport.",
    ]
    assert healey.speaker_role == "Defence Secretary"
    assert str(healey.when) == "27 September 2024"


def test_every_statement_event_and_figure_is_attributed_to_its_source():
    call_command("load_story", HITACHI)

    for statement in Statement.objects.all():
        assert statement.speaker_role, statement
        assert statement.source.publication == "The Northern Echo"
    for event in NegotiationEvent.objects.all():
        assert event.source.publication == "The Northern Echo"
    for point in DataPoint.objects.all():
        assert point.source.publication == "The Northern Echo"


def test_the_workforce_figure_is_the_one_the_article_gives():
    call_command("load_story", HITACHI)
    (workforce,) = DataPoint.objects.filter(series__slug="workforce")

    assert workforce.value == 750
    assert workforce.series.unit == "jobs"


def test_the_order_book_has_no_invented_figures():
    call_command("load_story", HITACHI)

    assert not DataPoint.objects.filter(series__slug="order-book").exists()


def test_an_unknown_story_is_a_clear_error():
    with pytest.raises(CommandError, match="No data file"):
        call_command("load_story", "no-such-story")


def test_a_broken_file_writes_nothing(tmp_path):
    data = hitachi_data()
    data["statements"][-1]["quote"] = [""]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(CommandError, match="Statement"):
        call_command("load_story", str(path))

    assert not Story.objects.exists()
    assert not Statement.objects.exists()


def test_a_file_that_is_not_json_is_a_clear_error(tmp_path):
    path = tmp_path / "story.json"
    path.write_bytes(b"\xff\xfe not json")

    with pytest.raises(CommandError, match="not UTF-8 JSON"):
        call_command("load_story", str(path))
