"""A person's roles over time: dated, sourced, shown on their page, and logged like any change."""

import datetime

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from stories.dates import PreciseDate, Precision
from stories.models import Change, Role, Statement, Status
from tests import factories
from tests.editorial import admin_url, editor

pytestmark = pytest.mark.django_db


def day(*args):
    return PreciseDate(datetime.date(*args), Precision.DAY)


@pytest.fixture
def secretary(story):
    """A person quoted in the story who held a post from July 2024 until 29 November 2024."""
    person = factories.stakeholder(name="Test Secretary Person", slug="test-secretary")
    factories.statement(story, speaker=person)
    factories.role(
        person,
        title="Test Transport Secretary",
        started_on=datetime.date(2024, 7, 1),
        started_on_precision=Precision.MONTH,
        ended_on=datetime.date(2024, 11, 29),
        source=factories.source(publication="Test Gazette", url="https://example.test/resigns"),
    )
    return person


def test_a_role_is_held_only_between_its_dates(secretary):
    role = Role.objects.get(stakeholder=secretary)

    assert role.held_at(day(2024, 10, 17))
    assert role.held_at(day(2024, 11, 29))
    assert not role.held_at(day(2024, 12, 2))  # after she resigned
    assert not role.held_at(day(2024, 6, 30))  # before the month it began
    summer_to_autumn = PreciseDate(datetime.date(2024, 7, 1), Precision.PERIOD)
    assert role.held_at(
        PreciseDate(summer_to_autumn.date, Precision.PERIOD, datetime.date(2024, 11, 30))
    )


def test_the_person_page_shows_each_role_with_its_dates_and_source(client, story, secretary):
    factories.role(secretary, title="TEST-DRAFT-ROLE", status="draft")

    response = client.get(f"/stories/{story.slug}/people/{secretary.slug}/")

    assertContains(response, "<strong>Test Transport Secretary</strong>")
    assertContains(
        response,
        'from <time datetime="2024-07">July 2024</time> until '
        '<time datetime="2024-11-29">29 November 2024</time>',
    )
    assertContains(response, '<a href="https://example.test/resigns" rel="noopener">Test Gazette')
    assertNotContains(response, "TEST-DRAFT-ROLE")


def test_publishing_a_role_logs_it_in_every_story_quoting_the_person(story, secretary):
    other = factories.story()
    factories.statement(other, speaker=secretary)
    draft = factories.role(secretary, title="Test MP", status="draft")
    assert not Change.objects.filter(subject="role", object_id=draft.pk).exists()

    draft.status = "published"
    draft.save()

    logged = Change.objects.filter(subject="role", object_id=draft.pk)
    assert sorted(logged.values_list("story_id", flat=True)) == sorted([story.pk, other.pk])
    assert {entry.action for entry in logged} == {"added"}
    assert logged.first().summary == "Test Secretary Person: Test MP (from July 2024)"


def test_deleting_a_published_role_logs_a_withdrawal(story, secretary):
    role = Role.objects.get(stakeholder=secretary)

    Role.objects.filter(pk=role.pk).delete()

    assert Change.objects.filter(story=story).last().action == "withdrawn"


def test_a_role_cannot_end_before_it_starts(secretary):
    role = Role.objects.get(stakeholder=secretary)
    role.ended_on = datetime.date(2024, 1, 1)

    with pytest.raises(Exception, match="cannot end before it starts"):
        role.full_clean()


def test_the_statement_form_offers_the_role_held_on_the_day_said(client, secretary):
    factories.role(
        secretary,
        title="Test Shadow Secretary",
        started_on=None,
        ended_on=datetime.date(2024, 7, 5),
    )
    client.force_login(editor())
    url = admin_url("statement", "speaker_role")

    during = client.get(url, {"speaker": secretary.pk, "on": "2024-10-17"}).json()
    before = client.get(url, {"speaker": secretary.pk, "on": "2024-03-01"}).json()
    after = client.get(url, {"speaker": secretary.pk, "on": "2025-04-03"}).json()

    assert during["role"] == "Test Transport Secretary"
    assert before["role"] == "Test Shadow Secretary"
    assert after["role"] == secretary.role  # no recorded role then: their current role
    assert client.get(url, {"speaker": secretary.pk, "on": "17/10/2024"}).status_code == 400


def test_editors_keep_roles_with_history(client, secretary):
    user = editor()
    client.force_login(user)
    role = Role.objects.get(stakeholder=secretary)

    response = client.get(admin_url("role", "history", role.pk))

    assert response.status_code == 200
    assert client.get(admin_url("role", "add")).status_code == 200


def test_the_roles_a_persons_statements_give_them_come_in_order_with_their_spans(
    story, django_assert_num_queries
):
    person = factories.stakeholder(name="Test Spokesperson", slug="test-spokesperson")
    for said_on, role in [
        (datetime.date(2024, 1, 1), "Test Candidate"),
        (datetime.date(2024, 3, 1), "Test Shadow Secretary"),
        (datetime.date(2024, 4, 1), "Test Shadow Secretary"),
        (datetime.date(2024, 5, 1), "Test Shadow Secretary"),
        (datetime.date(2024, 9, 1), "Test Secretary"),
    ]:
        factories.statement(story, speaker=person, speaker_role=role, said_on=said_on)
    factories.statement(
        story,
        speaker=person,
        speaker_role="Test Secretary",
        said_on=datetime.date(2024, 10, 1),
        said_on_precision=Precision.PERIOD,
        said_on_end=datetime.date(2024, 11, 30),
    )
    factories.statement(story, speaker=person, speaker_role="", said_on=datetime.date(2025, 1, 1))
    factories.statement(
        story,
        speaker=person,
        speaker_role="Test Draft Role",
        said_on=datetime.date(2024, 12, 1),
        status=Status.DRAFT,
    )

    with django_assert_num_queries(1):
        roles = Statement.objects.roles_given(story, person)

    assert [(role["role"], role["first"], role["last"]) for role in roles] == [
        ("Test Candidate", day(2024, 1, 1), day(2024, 1, 1)),
        ("Test Shadow Secretary", day(2024, 3, 1), day(2024, 5, 1)),
        (
            "Test Secretary",
            day(2024, 9, 1),
            PreciseDate(datetime.date(2024, 10, 1), Precision.PERIOD, datetime.date(2024, 11, 30)),
        ),
        ("No role given by the source", day(2025, 1, 1), day(2025, 1, 1)),
    ]


def test_checking_a_role_without_an_end_raises_no_database_error(secretary, caplog):
    role = factories.role(secretary, title="Test Member of Parliament", ended_on=None)

    role.full_clean()

    assert not [record for record in caplog.records if record.levelname != "DEBUG"]
