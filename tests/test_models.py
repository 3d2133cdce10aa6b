"""Each rule is enforced by the database itself, not only by forms."""

import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.db.models import FETCH_PEERS, Model, ProtectedError, signals

from stories.dates import Precision
from stories.models import DataPoint, Order, QuickLoad, Stakeholder, Statement
from stories.timeline import key_figures
from tests import factories

pytestmark = pytest.mark.django_db


def refused(save):
    with pytest.raises(IntegrityError), transaction.atomic():
        save()


def test_story_slugs_are_unique(story):
    refused(lambda: factories.story(slug=story.slug))


def test_stakeholder_slugs_are_unique():
    factories.stakeholder(slug="same")
    refused(lambda: factories.stakeholder(slug="same"))


def test_series_slugs_are_unique_within_a_story(story):
    factories.series(story, slug="workforce")
    refused(lambda: factories.series(story, slug="workforce"))
    factories.series(factories.story(), slug="workforce")


def test_source_urls_must_be_http_or_https():
    refused(lambda: factories.source(url="javascript:alert(1)"))
    refused(lambda: factories.source(url="ftp://example.test/file"))
    assert factories.source(url="http://example.test/a").pk


def test_two_sources_cannot_share_a_url_but_many_may_have_none():
    factories.source(url="https://example.test/same")
    refused(lambda: factories.source(url="https://example.test/same"))
    factories.source(url="")
    assert factories.source(url="").pk


def test_several_sources_may_give_figures_for_the_same_date_and_all_are_kept(story):
    series = factories.series(story)
    factories.point(series, as_of=datetime.date(2024, 9, 27), value=700)
    factories.point(series, as_of=datetime.date(2024, 9, 27), value=750)

    assert list(series.points.values_list("value", flat=True)) == [700, 750]


def test_range_low_cannot_be_above_the_value(story):
    series = factories.series(story)
    refused(lambda: factories.point(series, value=Decimal(100), low=Decimal(101)))


def test_range_high_cannot_be_below_the_value(story):
    series = factories.series(story)
    refused(lambda: factories.point(series, value=Decimal(100), high=Decimal(99)))


def test_a_consistent_range_is_accepted(story):
    series = factories.series(story)
    point = factories.point(series, value=Decimal(500), low=Decimal(200), high=Decimal(900))
    assert DataPoint.objects.get(pk=point.pk).high == Decimal(900)


def test_a_month_precise_date_must_be_stored_as_the_first_of_the_month(story):
    refused(
        lambda: factories.statement(
            story, said_on=datetime.date(2024, 3, 15), said_on_precision=Precision.MONTH
        )
    )
    assert factories.statement(
        story, said_on=datetime.date(2024, 3, 1), said_on_precision=Precision.MONTH
    ).pk


def test_a_week_precise_date_must_be_a_monday(story):
    refused(
        lambda: factories.event(
            story, happened_on=datetime.date(2024, 9, 27), happened_on_precision=Precision.WEEK
        )
    )
    assert factories.event(
        story, happened_on=datetime.date(2024, 9, 23), happened_on_precision=Precision.WEEK
    ).pk


def test_a_year_precise_date_must_be_the_first_of_january(story):
    refused(
        lambda: factories.point(
            factories.series(story),
            as_of=datetime.date(2015, 6, 1),
            as_of_precision=Precision.YEAR,
        )
    )


def test_an_empty_or_blank_quote_is_refused(story):
    refused(lambda: factories.statement(story, quote=""))
    refused(lambda: factories.statement(story, quote="  \n "))


def test_an_event_needs_a_title(story):
    refused(lambda: factories.event(story, title=" "))


def test_a_stakeholder_who_has_statements_cannot_be_deleted(story):
    speaker = factories.stakeholder()
    factories.statement(story, speaker=speaker)
    with pytest.raises(ProtectedError):
        speaker.delete()
    assert Stakeholder.objects.filter(pk=speaker.pk).exists()
    assert Statement.objects.filter(speaker=speaker).count() == 1


def test_a_source_that_backs_statements_cannot_be_deleted(story):
    statement = factories.statement(story)
    with pytest.raises(ProtectedError):
        statement.source.delete()


def test_the_key_figures_give_the_newest_published_figure_of_each_series(story):
    workforce = factories.series(story, name="Workforce")
    orders = factories.series(story, name="Trains", unit="trains")
    factories.point(workforce, as_of=datetime.date(2024, 3, 1), value=800)
    factories.point(workforce, as_of=datetime.date(2024, 9, 27), value=750)
    factories.point(workforce, as_of=datetime.date(2024, 10, 1), value=700, status="draft")
    factories.point(orders, as_of=datetime.date(2024, 1, 1), value=12)

    latest = {
        series.name: [point.value for point in shown.points]
        for series, shown, _ in key_figures(story)
    }

    assert latest == {"Workforce": [750], "Trains": [12]}


def test_points_on_a_date_are_every_published_figure_of_that_date(story):
    workforce = factories.series(story, name="Workforce")
    other = factories.series(story, name="Other")
    factories.point(workforce, as_of=datetime.date(2024, 3, 1), value=800)
    factories.point(workforce, as_of=datetime.date(2024, 9, 27), value=700)
    factories.point(workforce, as_of=datetime.date(2024, 9, 27), value=750)
    factories.point(workforce, as_of=datetime.date(2024, 9, 27), value=760, status="draft")
    factories.point(other, as_of=datetime.date(2024, 9, 27), value=5)

    points = DataPoint.objects.on_dates({workforce.pk: datetime.date(2024, 9, 27)})

    assert [point.value for point in points] == [700, 750]
    assert not DataPoint.objects.on_dates({}).exists()


def test_a_period_needs_an_end_after_its_start(story):
    july = datetime.date(2024, 7, 1)
    refused(lambda: factories.statement(story, said_on=july, said_on_precision=Precision.PERIOD))
    refused(
        lambda: factories.statement(
            story, said_on=july, said_on_precision=Precision.PERIOD, said_on_end=july
        )
    )
    assert factories.statement(
        story,
        said_on=july,
        said_on_precision=Precision.PERIOD,
        said_on_end=datetime.date(2024, 9, 30),
    ).pk


def test_only_a_period_has_an_end(story):
    refused(
        lambda: factories.event(
            story,
            happened_on=datetime.date(2024, 7, 1),
            happened_on_precision=Precision.MONTH,
            happened_on_end=datetime.date(2024, 9, 30),
        )
    )


def test_a_source_date_cannot_be_a_period():
    # Its precision column is too short to hold "period" at all.
    with pytest.raises(DataError), transaction.atomic():
        factories.source(
            published_on=datetime.date(2024, 7, 1), published_on_precision=Precision.PERIOD
        )


def test_an_editor_is_told_what_a_period_needs(story):
    statement = factories.statement(story)
    statement.said_on_precision = Precision.PERIOD

    with pytest.raises(ValidationError) as missing_end:
        statement.full_clean()
    statement.said_on_precision = Precision.MONTH
    statement.said_on_end = datetime.date(2024, 9, 30)
    with pytest.raises(ValidationError) as end_without_period:
        statement.full_clean()

    assert "said_on_end" in missing_end.value.message_dict
    assert "Only a period has an end" in end_without_period.value.message_dict["said_on_end"][0]


def test_a_new_order_changes_no_other_and_a_development_names_its_order(story):
    order = factories.order(story)
    refused(lambda: factories.order(story, changes=order))
    refused(lambda: factories.order(story, development="lapsed"))
    assert factories.order(story, development="lapsed", changes=order, trains=None).pk


def test_an_order_needs_a_customer_and_no_negative_value(story):
    refused(lambda: factories.order(story, customer=" "))
    refused(lambda: factories.order(story, value=-1))


def test_a_development_must_name_the_order_itself_in_the_same_story(story):
    order = factories.order(story)
    update = factories.order(story, development="update", changes=order)
    elsewhere = factories.order(factories.story())
    development = Order(
        story=story,
        development="reduced",
        changes=update,
        customer="Test Rail Co",
        commitment="firm",
        announced_on=datetime.date(2025, 1, 6),
        source=order.source,
    )

    with pytest.raises(ValidationError) as of_a_development:
        development.full_clean()
    development.changes = elsewhere
    with pytest.raises(ValidationError) as of_another_story:
        development.full_clean()

    assert "its first row" in of_a_development.value.message_dict["changes"][0]
    assert "another story" in of_another_story.value.message_dict["changes"][0]


def test_an_order_book_takes_orders_not_figures(story):
    book = factories.series(story, kind="order_book")
    point = DataPoint(
        series=book, as_of=datetime.date(2024, 12, 6), value=14, source=factories.source()
    )

    with pytest.raises(ValidationError, match="add an order instead"):
        point.full_clean()


def test_a_story_has_one_order_book_at_most(story):
    factories.series(story, kind="order_book")
    refused(lambda: factories.series(story, kind="order_book"))


def one_row_of_each_kind(story):
    """A row of every model readers see, so a test over them all cannot pass by having none."""
    person = factories.stakeholder()
    statement = factories.statement(story, speaker=person, corrected_at=None)
    factories.event(story, participants=[person])
    factories.point(factories.series(story), low=90, high=110, note="A test note.")
    factories.order(story)
    factories.role(person)
    factories.pledge_update(factories.pledge(story))
    factories.part(story, person)
    return statement


def built_by_django(model, row, fetch_mode):
    """`row` (a loaded instance) as Django's own `Model.from_db` builds it from its values."""
    names = [field.attname for field in model._meta.concrete_fields]
    values = model._base_manager.filter(pk=row.pk).values_list(*names).get()
    return Model.from_db.__func__(model, row._state.db, names, values, fetch_mode=fetch_mode)


def state(row):
    """
    What a row's `_state` holds, but its peers (set by the queryset, after loading), with its
    cache of related rows made as the first look at it makes it.
    """
    held = {name: value for name, value in vars(row._state).items() if name != "peers"}
    return {**held, "fields_cache": row._state.fields_cache}


def test_rows_read_quickly_are_the_rows_django_would_build(story):
    """stories.models.QuickLoad skips Model.__init__: what it builds must not differ at all."""
    one_row_of_each_kind(story)
    models = [
        model
        for model in apps.get_app_config("stories").get_models()
        if issubclass(model, QuickLoad)
    ]
    assert {"DataPoint", "Source", "Statement", "Stakeholder", "Story"} <= {
        m.__name__ for m in models
    }
    for model in models:
        rows = list(model._base_manager.fetch_mode(FETCH_PEERS))
        assert rows, f"no {model.__name__} to compare"
        for row in rows:
            expected = built_by_django(model, row, FETCH_PEERS)
            assert {**vars(row), "_state": None} == {**vars(expected), "_state": None}
            assert state(row) == state(expected)
            assert row._state.fetch_mode is FETCH_PEERS
            assert row.get_deferred_fields() == set()


def test_a_field_left_out_of_a_quick_read_is_deferred_and_loads_when_read(story):
    statement = one_row_of_each_kind(story)

    loaded = Statement.objects.only("pk", "quote").get(pk=statement.pk)

    assert "speaker_role" in loaded.get_deferred_fields()
    assert "quote" not in loaded.get_deferred_fields()
    assert loaded.speaker_role == statement.speaker_role


def test_a_quickly_read_row_saves_as_an_update(story):
    statement = one_row_of_each_kind(story)
    loaded = Statement.objects.get(pk=statement.pk)

    loaded.quote = "A corrected test quote."
    loaded.save()

    assert Statement.objects.count() == 1
    assert Statement.objects.get(pk=statement.pk).version == statement.version + 1


def test_no_receiver_listens_to_the_init_signals_quick_loading_skips():
    for model in apps.get_app_config("stories").get_models():
        if issubclass(model, QuickLoad):
            assert not signals.pre_init.has_listeners(model), model
            assert not signals.post_init.has_listeners(model), model
