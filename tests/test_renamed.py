"""
A renamed story: every public address under its old slug answers 301 to the same address
under the new one, for as long as no other story takes the old slug; nothing cached under the
old address outlives the rename.
"""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def renamed(client, story):
    """A story with every kind of item, read under its old slug (so caches hold it), renamed."""
    speaker = factories.stakeholder()
    statement = factories.statement(story, speaker=speaker)
    event = factories.event(story, participants=[speaker])
    series = factories.series(story)
    factories.point(series)
    old = story.slug
    client.get(story.get_absolute_url())
    story.slug = "test-story-new-name"
    story.save()
    return old, story, speaker, statement, event, series


def addresses(slug, speaker, statement, event, series):
    """Every public address of a story, as (URL name, kwargs beside the slug)."""
    return [
        reverse("story", kwargs={"slug": slug}),
        reverse("story-updates", kwargs={"slug": slug}) + "?since=1",
        reverse("people-filter", kwargs={"slug": slug}) + "?q=test",
        reverse("stakeholder", kwargs={"slug": slug, "stakeholder_slug": speaker.slug}),
        reverse("statement", kwargs={"slug": slug, "pk": statement.pk}),
        reverse("event", kwargs={"slug": slug, "pk": event.pk}),
        reverse("story-corrections", kwargs={"slug": slug}),
        reverse("figure", kwargs={"slug": slug, "series_slug": series.slug}),
        reverse("figure-csv", kwargs={"slug": slug, "series_slug": series.slug}),
        reverse("figure-embed", kwargs={"slug": slug, "series_slug": series.slug}),
        reverse("story-feed", kwargs={"slug": slug}),
        reverse("stakeholder-feed", kwargs={"slug": slug, "stakeholder": speaker.slug}),
        reverse("export-statements", kwargs={"slug": slug}),
        reverse("export-events", kwargs={"slug": slug}),
        reverse("export-figures", kwargs={"slug": slug}),
        reverse("embed-timeline", kwargs={"slug": slug}),
        reverse("embed-statement", kwargs={"slug": slug, "pk": statement.pk}),
        f"/api/stories/{slug}/",
        f"/api/stories/{slug}/stakeholders/",
        f"/api/stories/{slug}/statements/",
        f"/api/stories/{slug}/events/",
        f"/api/stories/{slug}/timeline/?q=test",
        f"/api/stories/{slug}/series/",
    ]


def test_every_public_address_under_the_old_slug_redirects_to_the_new_one(client, renamed):
    old, story, *items = renamed

    for old_address, new_address in zip(
        addresses(old, *items), addresses(story.slug, *items), strict=True
    ):
        response = client.get(old_address)
        assert response.status_code == 301, old_address
        assert response["Location"] == new_address, old_address
        assert client.get(new_address).status_code in {200, 204}, new_address


def test_a_new_story_given_the_old_slug_gets_its_address_and_the_cache_forgets_the_old_one(
    client, renamed
):
    old, story, *_ = renamed
    newcomer = factories.story(slug=old, title="Test story that took the old name")

    response = client.get(newcomer.get_absolute_url())

    assert response.status_code == 200
    assertContains(response, "Test story that took the old name")
    assert story.title not in response.text
