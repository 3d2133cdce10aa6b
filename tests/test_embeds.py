import pytest
from pytest_django.asserts import assertContains, assertNotContains

from tests import factories

pytestmark = pytest.mark.django_db


def test_timeline_embed_shows_published_items_with_credit_and_link_back(client, story):
    factories.statement(story, quote="Embedded test quote.")
    factories.event(story, title="Embedded test meeting")
    factories.statement(story, quote="Draft embedded quote.", status="draft")

    response = client.get(f"/embed/stories/{story.slug}/timeline/")

    assertContains(response, "Embedded test quote.")
    assertContains(response, "Embedded test meeting")
    assertNotContains(response, "Draft embedded quote.")
    assertContains(response, f'href="http://testserver/stories/{story.slug}/"', count=2)
    assertContains(response, "Story dashboard</a>")


def test_timeline_embed_may_be_framed_by_any_site(client, story):
    response = client.get(f"/embed/stories/{story.slug}/timeline/")

    assert "X-Frame-Options" not in response
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors *" in policy
    assert "script-src 'self'" in policy  # the rest of the policy is unchanged
    assert "default-src 'self'" in policy


def test_other_pages_still_refuse_framing(client, story):
    response = client.get(f"/stories/{story.slug}/")

    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_embed_has_no_inline_scripts_or_styles(client, story):
    factories.statement(story)

    html = client.get(f"/embed/stories/{story.slug}/timeline/").content.decode()

    assert "<script" not in html
    assert "style=" not in html
    assert "<style" not in html


def test_statement_embed_shows_one_published_statement(client, story):
    statement = factories.statement(story, quote="The one embedded test quote.")
    factories.statement(story, quote="Another test quote.")

    response = client.get(f"/embed/stories/{story.slug}/statements/{statement.pk}/")

    assertContains(response, "The one embedded test quote.")
    assertNotContains(response, "Another test quote.")
    assert "X-Frame-Options" not in response


def test_draft_statement_and_draft_story_have_no_embed(client, story):
    draft_statement = factories.statement(story, status="draft")
    draft_story = factories.story(status="draft")

    assert (
        client.get(f"/embed/stories/{story.slug}/statements/{draft_statement.pk}/").status_code
        == 404
    )
    assert client.get(f"/embed/stories/{draft_story.slug}/timeline/").status_code == 404


def test_stored_markup_is_escaped_in_the_embed(client, story):
    factories.statement(story, quote="<script>alert('Test')</script>")

    response = client.get(f"/embed/stories/{story.slug}/timeline/")

    assertNotContains(response, "<script>alert")
    assertContains(response, "&lt;script&gt;")


def test_embed_answers_a_conditional_request_with_304_until_the_story_changes(client, story):
    url = f"/embed/stories/{story.slug}/timeline/"
    etag = client.get(url)["ETag"]

    assert client.get(url, headers={"if-none-match": etag}).status_code == 304

    factories.event(story, title="Test event published later")  # a change readers see
    assert client.get(url, headers={"if-none-match": etag}).status_code == 200


@pytest.mark.parametrize("items", [1, 25])
def test_embed_queries_do_not_grow_with_the_story(
    client, story, items, django_assert_max_num_queries
):
    for _ in range(items):
        factories.statement(story)
        factories.event(story, participants=[factories.stakeholder()])

    with django_assert_max_num_queries(5):
        response = client.get(f"/embed/stories/{story.slug}/timeline/")

    assert response.status_code == 200
