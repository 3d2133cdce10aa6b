"""Pages a reader can link to: a statement, an event, a person in a story."""

import datetime

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from stories.models import Statement, Status
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def speaker():
    return factories.stakeholder(name="Test Speaker", slug="test-speaker", role="Test Minister")


@pytest.fixture
def statement(story, speaker):
    source = factories.source(
        publication="The Test Gazette", headline="Test headline", url="https://example.test/q"
    )
    meeting = factories.event(story, title="Test summit", participants=[speaker])
    return factories.statement(
        story,
        speaker=speaker,
        speaker_role="Test Junior Minister",
        quote="Test line one.\nTest line two.",
        said_on=datetime.date(2024, 9, 27),
        method=Statement.Method.INTERVIEW,
        source=source,
        event=meeting,
    )


def statement_url(statement):
    return f"/stories/{statement.story.slug}/statements/{statement.pk}/"


def test_a_statement_page_shows_the_quote_and_full_attribution(client, statement):
    response = client.get(statement_url(statement))

    assertContains(response, "<p>Test line one.</p><p>Test line two.</p>")
    assertContains(
        response, f'<a href="/stories/{statement.story.slug}/people/test-speaker/">Test Speaker</a>'
    )
    assertContains(response, "<dd>Test Junior Minister</dd>")
    assertContains(response, "<dd>Interview</dd>")
    assertContains(response, ">Test summit</a>")
    assertContains(response, '<a href="https://example.test/q" rel="noopener">')


def test_a_statement_page_offers_a_ready_to_copy_citation(client, statement):
    response = client.get(statement_url(statement))

    citation = response.context["citation"]
    assert citation.startswith(
        "Test Speaker (Test Junior Minister), 27 September 2024, interview: "
        "“Test line one. Test line two.”"
    )
    assert (
        "The Test Gazette, “Test headline”, 27 September 2024. https://example.test/q" in citation
    )
    assert citation.endswith(f"http://testserver{statement_url(statement)}")
    assertContains(response, 'readonly rows="5">Test Speaker (Test Junior Minister)')


def test_a_statement_page_previews_well_when_shared(client, statement):
    response = client.get(statement_url(statement))

    url = f"http://testserver{statement_url(statement)}"
    assertContains(response, f'<meta property="og:url" content="{url}">')
    assertContains(response, '<meta property="og:title" content="Test Speaker on Test story')
    assertContains(response, '<meta property="og:description" content="“Test line one.')
    assertContains(response, '<meta name="twitter:card" content="summary">')
    assertContains(response, f'<link rel="canonical" href="{url}">')


def test_a_draft_statement_is_not_found(client, story):
    draft = factories.statement(story, status=Status.DRAFT)

    assert client.get(statement_url(draft)).status_code == 404


def test_a_statement_is_not_found_under_another_story(client, statement):
    other = factories.story()

    response = client.get(f"/stories/{other.slug}/statements/{statement.pk}/")

    assert response.status_code == 404


def test_a_statement_in_a_draft_story_is_not_found(client):
    draft_story = factories.story(status=Status.DRAFT)
    statement = factories.statement(draft_story)

    assert client.get(statement_url(statement)).status_code == 404


@pytest.mark.parametrize("pk", ["0", "999999", "99999999999999999999999"])
def test_unknown_statements_and_events_are_not_found(client, story, pk):
    assert client.get(f"/stories/{story.slug}/statements/{pk}/").status_code == 404
    assert client.get(f"/stories/{story.slug}/events/{pk}/").status_code == 404


def test_an_event_page_shows_what_happened_who_took_part_and_what_was_said(client, statement):
    event = statement.event

    response = client.get(f"/stories/{event.story.slug}/events/{event.pk}/")

    assertContains(response, "<h1>Test summit</h1>")
    assertContains(response, ">Test Speaker</a>")
    assertContains(response, "Test line one.")
    assertContains(response, f'href="{statement_url(statement)}"')
    assertContains(response, '<meta property="og:title" content="Test summit">')
    assert response.context["citation"].startswith("Test summit (meeting, 20 September 2024).")


def test_a_draft_event_is_not_found(client, story):
    draft = factories.event(story, status=Status.DRAFT)

    assert client.get(f"/stories/{story.slug}/events/{draft.pk}/").status_code == 404


def test_a_statement_does_not_link_a_draft_event(client, story):
    draft = factories.event(story, title="Test draft event", status=Status.DRAFT)
    statement = factories.statement(story, event=draft)

    response = client.get(statement_url(statement))

    assertNotContains(response, "Test draft event")


def test_a_person_page_shows_their_role_over_time_and_their_items(client, story, speaker):
    factories.statement(
        story,
        speaker=speaker,
        speaker_role="Test Shadow Minister",
        said_on=datetime.date(2023, 5, 1),
    )
    factories.statement(
        story,
        speaker=speaker,
        speaker_role="Test Shadow Minister",
        said_on=datetime.date(2023, 9, 1),
    )
    factories.statement(
        story, speaker=speaker, speaker_role="Test Minister", said_on=datetime.date(2024, 7, 10)
    )
    factories.event(story, title="Test visit", participants=[speaker])

    response = client.get(f"/stories/{story.slug}/people/test-speaker/")

    assertContains(response, "<h1>Test Speaker</h1>")
    roles = response.context["roles"]
    assert [role["role"] for role in roles] == ["Test Shadow Minister", "Test Minister"]
    assertContains(response, '<time datetime="2023-05-01">1 May 2023</time> to <time')
    assertContains(response, "Test visit")
    assertContains(response, f'href="{story.get_absolute_url()}?who=test-speaker"')


def test_a_person_with_only_an_event_in_the_story_has_a_page(client, story):
    person = factories.stakeholder(slug="test-participant")
    factories.event(story, participants=[person])

    assert client.get(f"/stories/{story.slug}/people/test-participant/").status_code == 200


def test_a_person_with_nothing_published_in_the_story_is_not_found(client, story, speaker):
    factories.statement(story, speaker=speaker, status=Status.DRAFT)
    factories.statement(factories.story(), speaker=speaker)

    assert client.get(f"/stories/{story.slug}/people/test-speaker/").status_code == 404
    assert client.get(f"/stories/{story.slug}/people/nobody/").status_code == 404


def test_a_person_page_pages_through_their_items(client, story, speaker):
    for day in range(1, 26):
        factories.statement(story, speaker=speaker, said_on=datetime.date(2024, 5, day))

    response = client.get(f"/stories/{story.slug}/people/test-speaker/")
    older = client.get(
        f"/stories/{story.slug}/people/test-speaker/",
        {"before": "2024-05-06.s.999999999"},
        headers={"HX-Request": "true"},
    )
    bad = client.get(f"/stories/{story.slug}/people/test-speaker/", {"before": "rubbish"})

    assertContains(response, "?before=2024-05-06.s.")
    assertNotContains(older, "<html")
    assertContains(older, "5 May 2024")
    assert bad.status_code == 400


def test_a_missing_page_says_so_in_the_site_layout(client, settings):
    settings.DEBUG = False

    response = client.get("/stories/no-such-story/statements/1/")

    assertContains(response, "<h1>Not found</h1>", status_code=404)
    assertContains(response, 'href="/"', status_code=404)
