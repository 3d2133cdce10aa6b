import datetime
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.serializers import serialize

from stories.loading import data_file, read_story_data
from stories.models import (
    DataPoint,
    NegotiationEvent,
    Order,
    Role,
    Series,
    Source,
    Stakeholder,
    Statement,
    Story,
)

pytestmark = pytest.mark.django_db

HITACHI = "hitachi-newton-aycliffe"


def hitachi_data():
    return read_story_data(data_file(HITACHI))


def snapshot():
    models = [
        Story,
        Source,
        Stakeholder,
        Role,
        NegotiationEvent,
        Statement,
        Series,
        DataPoint,
        Order,
    ]
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
    assert story.orders.published().count() == len(data["orders"])
    assert Stakeholder.objects.count() == len(data["stakeholders"])
    assert Role.objects.published().count() == len(data["roles"])
    assert Source.objects.count() == len(data["sources"])
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


def test_a_folder_and_a_single_file_of_the_same_data_load_the_same(tmp_path):
    path = tmp_path / "hitachi.json"
    path.write_text(json.dumps(hitachi_data()), encoding="utf-8")
    call_command("load_story", HITACHI)
    before = snapshot()

    call_command("load_story", str(path))

    assert snapshot() == before


def test_every_statement_event_figure_order_and_role_is_attributed_to_its_source():
    call_command("load_story", HITACHI)

    for model in (Statement, NegotiationEvent, DataPoint, Order, Role):
        for item in model.objects.select_related("source"):
            assert item.source.publication and item.source.url.startswith("http"), item
    for statement in Statement.objects.all():
        assert statement.speaker_role, statement


def test_the_workforce_figures_are_every_one_the_sources_give():
    call_command("load_story", HITACHI)
    workforce = DataPoint.objects.filter(series__slug="workforce")

    assert workforce.get(as_of__year=2024, as_of__month=9).value == 750  # the first article's
    assert set(workforce.values_list("value", flat=True)) == {700, 750}
    assert workforce.first().series.unit == "jobs"


def test_the_order_book_is_built_from_orders_and_has_no_figures_of_its_own():
    call_command("load_story", HITACHI)
    order_book = Series.objects.get(slug="order-book")

    assert order_book.is_order_book
    assert not order_book.points.exists()
    assert Order.objects.filter(story=order_book.story, development="new").count() == 3


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


def test_a_figure_the_data_withdraws_is_unpublished_with_its_public_note(client):
    call_command("load_story", HITACHI)
    workforce = Series.objects.get(story__slug=HITACHI, slug="workforce")
    source = Source.objects.get(url__contains="srmtoday.com")
    dated_too_closely = DataPoint.objects.create(
        series=workforce,
        as_of=datetime.date(2025, 3, 31),
        as_of_precision="week",
        value=750,
        source=source,
        status="published",
    )

    call_command("load_story", HITACHI)

    dated_too_closely.refresh_from_db()
    assert dated_too_closely.status == "draft"
    # The same figure, at the date its report allows, is the one readers see.
    shown = DataPoint.objects.published().filter(series=workforce, source=source)
    assert list(shown.values_list("as_of", "as_of_precision")) == [
        (datetime.date(2025, 4, 1), "month")
    ]
    log = client.get(f"/stories/{HITACHI}/corrections/")
    assert "more precisely than its report allows" in log.content.decode()


def test_a_file_that_is_not_json_is_a_clear_error(tmp_path):
    path = tmp_path / "story.json"
    path.write_bytes(b"\xff\xfe not json")

    with pytest.raises(CommandError, match="not UTF-8 JSON"):
        call_command("load_story", str(path))


def test_a_statement_the_data_withdraws_is_unpublished_with_its_public_note(client):
    call_command("load_story", HITACHI)
    story = Story.objects.get(slug=HITACHI)
    mcdonald = Stakeholder.objects.get(slug="chris-mcdonald")
    earlier = Statement.objects.create(
        story=story,
        speaker=mcdonald,
        speaker_role="MP for Stockton South",
        quote="corridors of power … a gap in the order book.",
        said_on=datetime.date(2024, 9, 23),
        said_on_precision="week",
        method="unspecified",
        source=Source.objects.get(url__contains="24614724"),
        status="published",
    )

    call_command("load_story", HITACHI)

    earlier.refresh_from_db()
    assert earlier.status == "draft"
    log = client.get(f"/stories/{HITACHI}/corrections/")
    assert "Two phrases joined as one quote" in log.content.decode()
