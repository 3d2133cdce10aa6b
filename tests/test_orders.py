"""Orders for trains: entered by editors as the reporting gives them, development by development."""

import datetime

import pytest
from pytest_django.asserts import assertContains

from stories.models import Order, Status
from stories.orders import order_book
from tests import factories
from tests.editorial import admin_url, editor

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client):
    user = editor()
    client.force_login(user)
    client.user = user
    return client


def order_data(story, **changes):
    data = {
        "story": story.pk,
        "development": Order.Development.NEW,
        "changes": "",
        "customer": "Test Rail Co",
        "trains": "13",
        "cars": "",
        "value": "460000000",
        "value_qualifier": "approximate",
        "commitment": Order.Commitment.OPTION,
        "condition": "Test: if the regulator approves",
        "delivery": "",
        "announced_on": "2024-12-06",
        "announced_on_precision": "day",
        "announced_on_end": "",
        "source": factories.source().pk,
        "note": "",
        "status": Status.DRAFT,
        "correction_note": "",
    }
    return {**data, **changes}


def test_an_editor_records_an_option_and_later_its_taking_up(editor_client, story):
    editor_client.post(admin_url("order", "add"), order_data(story))
    option = Order.objects.get()

    response = editor_client.post(
        admin_url("order", "add"),
        order_data(
            story,
            development=Order.Development.EXERCISED,
            changes=option.pk,
            trains="8",
            commitment=Order.Commitment.FIRM,
            announced_on="2025-10-28",
        ),
    )

    assert response.status_code == 302
    taken_up = Order.objects.get(development="exercised")
    assert (taken_up.changes, taken_up.trains, taken_up.status) == (option, 8, Status.DRAFT)
    assert option.history.count() == 1 and taken_up.history.latest().history_user


def test_a_development_without_its_order_is_explained(editor_client, story):
    response = editor_client.post(
        admin_url("order", "add"), order_data(story, development=Order.Development.LAPSED)
    )

    assertContains(response, "Choose the order this development changes.")
    assert not Order.objects.exists()


def test_changing_a_published_order_asks_for_a_correction_note(editor_client, story):
    order = factories.order(story)
    data = order_data(
        story,
        customer=order.customer,
        trains="11",
        commitment=order.commitment,
        value=str(order.value),
        value_qualifier=order.value_qualifier,
        condition="",
        source=order.source_id,
        status=Status.PUBLISHED,
        loaded_version=order.version,
    )

    response = editor_client.post(admin_url("order", "change", order.pk), data)

    assertContains(response, "say briefly what was corrected")
    order.refresh_from_db()
    assert order.trains == 10


# The order book built from orders


def book(story):
    return order_book(Order.objects.for_story(story))


def test_the_book_adds_each_new_order_and_keeps_disagreeing_values_as_a_range(story):
    firm = factories.order(story, customer="Test Open Access", trains=14, value=500_000_000)
    option = factories.order(
        story, customer="Test Open Access", trains=13, value=460_000_000, commitment="option"
    )
    factories.order(
        story,
        development="account",
        changes=option,
        trains=13,
        value=500_000_000,
        commitment="option",
        announced_on=datetime.date(2024, 12, 9),
    )
    factories.order(story, customer="Test Arriva", trains=9, announced_on=datetime.date(2025, 4, 3))

    steps = book(story)

    assert [str(step.when) for step in steps] == [
        "6 December 2024",
        "9 December 2024",
        "3 April 2025",
    ]
    assert [(s.trains("firm"), s.trains("option")) for s in steps] == [(14, 13), (14, 13), (23, 13)]
    assert steps[0].value_range("option") == (460_000_000, 460_000_000)
    assert steps[1].value_range("option") == (460_000_000, 500_000_000)
    assert steps[2].value_range("firm") == (600_000_000, 600_000_000)
    assert {row.pk for row in steps[0].rows} == {firm.pk, option.pk}


def test_taking_up_part_of_an_option_moves_those_trains_to_firm(story):
    option = factories.order(story, trains=13, commitment="option")
    factories.order(
        story,
        development="exercised",
        changes=option,
        trains=8,
        commitment="firm",
        announced_on=datetime.date(2025, 10, 28),
    )

    before, after = book(story)

    assert (before.trains("firm"), before.trains("option")) == (0, 13)
    assert (after.trains("firm"), after.trains("option")) == (8, 5)


def test_a_lapse_takes_the_line_out_and_an_update_changes_no_number(story):
    option = factories.order(story, trains=13, commitment="option")
    factories.order(
        story,
        development="update",
        changes=option,
        trains=8,
        commitment="conditional",
        announced_on=datetime.date(2025, 10, 28),
    )
    factories.order(
        story,
        development="lapsed",
        changes=option,
        trains=None,
        commitment="option",
        announced_on=datetime.date(2026, 1, 5),
    )

    steps = book(story)

    assert [step.trains("option") for step in steps] == [13, 13, 0]
    assert [step.trains("conditional") for step in steps] == [0, 0, 0]


def test_a_development_of_a_draft_order_is_not_in_the_book(story):
    draft = factories.order(story, status=Status.DRAFT)
    factories.order(story, development="reduced", changes=draft, trains=2)

    assert book(story) == []
