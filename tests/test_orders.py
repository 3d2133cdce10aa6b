"""Orders for trains: entered by editors as the reporting gives them, development by development."""

import pytest
from pytest_django.asserts import assertContains

from stories.models import Order, Status
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
