"""
The pledge tracker: pledges and their dated, sourced status changes, on the story page, the
tracker, each pledge's page, a person's page, the API, the feeds, JSON-LD, the change log and
the email digests; and how editors add them.
"""

import datetime
import io
import json
import re

import pytest
from django.core.management import call_command
from pytest_django.asserts import assertContains, assertNotContains

from alerts import services as following
from alerts.models import Follow
from stories.models import Change, Pledge, PledgeUpdate, Story
from tests import factories
from tests.editorial import editor
from tests.mail import html_of, text_of
from tests.test_feeds import ATOM, atom, entries

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def pledger():
    return factories.stakeholder(name="Test Pledger", slug="test-pledger", role="Test MP")


@pytest.fixture
def pledge(story, pledger):
    """A pledge whose newsroom status is "in progress", with a later claim by its pledger."""
    made = factories.pledge(
        story,
        pledger=pledger,
        promise="Test: protect the factory",
        words="Test: I will protect the factory.",
    )
    factories.pledge_update(
        made, verdict="in_progress", as_of=datetime.date(2024, 10, 21), evidence="Test: talks."
    )
    factories.pledge_update(
        made,
        verdict="kept",
        as_of=datetime.date(2025, 1, 1),
        claimed_by=pledger,
        evidence="Test: he says he kept it.",
    )
    return made


def version_of(story):
    return Story.objects.values_list("published_version", flat=True).get(pk=story.pk)


# Where a pledge stands


def test_the_status_is_the_newsrooms_latest_and_a_claim_is_shown_as_a_claim(pledge, pledger):
    pledge = Pledge.objects.for_story(pledge.story).get(pk=pledge.pk)

    assert pledge.standing.verdict == "in_progress"
    assert pledge.latest_claim.claimed_by == pledger
    assert pledge.latest_claim.verdict_text == "Kept, says Test Pledger"


def test_a_pledge_with_only_a_claim_has_no_status_yet(client, story, pledger):
    made = factories.pledge(story, pledger=pledger)
    factories.pledge_update(made, verdict="kept", claimed_by=pledger)

    response = client.get(made.get_absolute_url())

    assertContains(response, '<span class="verdict verdict-none">No status yet</span>')
    assertContains(response, '<span class="verdict verdict-claim">Kept, says Test Pledger</span>')


def test_a_status_change_moves_the_version_and_is_logged(story, pledge):
    before = version_of(story)

    update = factories.pledge_update(pledge, verdict="broken", evidence="Test: closed.")

    assert version_of(story) == before + 1
    change = Change.objects.filter(story=story).latest("version")
    assert (change.subject, change.object_id, change.action) == (
        "pledge_update",
        update.pk,
        "added",
    )
    assert "broken" in change.summary


def test_a_draft_pledge_and_its_status_changes_move_nothing(story, pledger):
    before = version_of(story)

    draft = factories.pledge(story, pledger=pledger, status="draft")
    factories.pledge_update(draft)

    assert version_of(story) == before
    assert not Change.objects.filter(story=story, subject__startswith="pledge").exists()


def test_deleting_a_published_status_change_is_logged_as_a_withdrawal(story, pledge):
    update = pledge.updates.get(claimed_by__isnull=True)
    pk = update.pk

    update.delete()

    change = Change.objects.filter(story=story).latest("version")
    assert (change.subject, change.object_id, change.action) == ("pledge_update", pk, "withdrawn")


def test_a_whos_who_entry_knows_its_address(story, pledger):
    part = factories.part(story, pledger)

    assert part.get_absolute_url() == story.get_person_url(pledger)


def test_publishing_a_pledge_later_shows_its_published_status_changes(client, story, pledger):
    draft = factories.pledge(story, pledger=pledger, promise="Test: later", status="draft")
    factories.pledge_update(draft, evidence="Test: waiting status.")
    assert client.get(draft.get_absolute_url()).status_code == 404

    draft.status = "published"
    draft.save()

    assertContains(client.get(draft.get_absolute_url()), "Test: waiting status.")


def test_editing_a_pledge_keeps_its_history(pledge):
    pledge.promise = "Test: protect the factory and its jobs"
    pledge.save()

    assert [each.promise for each in pledge.history.all()][:2] == [
        "Test: protect the factory and its jobs",
        "Test: protect the factory",
    ]


# Pages


def test_the_pledge_page_gives_words_source_status_and_every_status_change(client, pledge):
    html = client.get(pledge.get_absolute_url()).text

    assert "Test: I will protect the factory." in html
    assert '<span class="verdict verdict-in_progress">In progress</span>' in html
    history = html[html.index('id="history"') :]
    assert history.index("Test: talks.") < history.index("Test: he says he kept it.")
    for update in pledge.updates.all():
        assert f'id="pledge-update-{update.pk}"' in history
        assert update.source.url in history


def test_the_pledge_page_has_json_ld_naming_whose_each_status_is(client, pledge):
    html = client.get(pledge.get_absolute_url()).text

    data = json.loads(
        re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html).group(1)
    )
    assert data["@type"] == "Claim"
    assert data["author"]["name"] == "Test Pledger"
    ratings = [
        (review["reviewRating"]["alternateName"], review["author"]["name"])
        for review in data["review"]
    ]
    assert ratings == [("In progress", "Story dashboard"), ("Kept", "Test Pledger")]


def test_a_pledge_of_another_story_or_none_is_not_found(client, story, pledge):
    other = factories.story()

    assert client.get(f"/stories/{other.slug}/pledges/{pledge.pk}/").status_code == 404
    assert client.get(f"/stories/{story.slug}/pledges/99999999/").status_code == 404
    assert client.get(f"/stories/{story.slug}/pledges/99999999999999999999999/").status_code == 404


def test_the_story_page_tracks_each_pledge(client, story, pledge):
    html = client.get(story.get_absolute_url()).text
    tracker = html[html.index('id="pledges"') : html.index('id="timeline"')]

    assert "Test: protect the factory" in tracker
    assert "In progress" in tracker and "Kept, says Test Pledger" in tracker
    assert f'href="{pledge.get_absolute_url()}#history"' in tracker


def test_the_tracker_filters_by_who_made_them_and_where_they_stand(client, story, pledge):
    other = factories.pledge(story, promise="Test: another pledge")
    factories.pledge_update(other, verdict="broken")
    url = story.get_pledges_url()

    by_person = client.get(url, {"by": "test-pledger"})
    broken = client.get(url, {"status": "broken"})
    without = client.get(url, {"status": "none"})

    assertContains(by_person, "Test: protect the factory")
    assertNotContains(by_person, "Test: another pledge")
    assertContains(broken, "Test: another pledge")
    assertNotContains(broken, "Test: protect the factory")
    assertContains(without, "No pledge matches.")


def test_the_tracker_counts_the_pledges_by_status(client, story, pledge):
    factories.pledge_update(factories.pledge(story, promise="Test: second"), verdict="broken")

    html = client.get(story.get_pledges_url()).text
    tally = html[html.index('<ul class="tally"') : html.index("</ul>", html.index('class="tally"'))]

    words = re.sub(r"<[^>]+>", " ", tally).split()
    assert words == ["In", "progress", "1", "Broken", "1"]


@pytest.mark.parametrize("query", [{"by": "nobody"}, {"status": "glorious"}, {"by": "x" * 5000}])
def test_a_filter_it_cannot_use_answers_400_with_every_pledge_and_why(client, story, pledge, query):
    response = client.get(story.get_pledges_url(), query)

    assert response.status_code == 400
    assertContains(response, "that is not one of the choices", status_code=400)
    assertContains(response, "Test: protect the factory", status_code=400)


def test_htmx_gets_the_list_only(client, story, pledge):
    response = client.get(story.get_pledges_url(), {"by": "test-pledger"}, headers=HTMX)

    assertContains(response, '<section id="pledge-list"')
    assertNotContains(response, "<html")
    assert "HX-Request" in response["Vary"]


def test_a_persons_page_has_their_pledges_and_their_claims(client, story, pledge, pledger):
    someone = factories.stakeholder(name="Test Claimant", slug="test-claimant")
    factories.pledge_update(pledge, verdict="kept", claimed_by=someone, evidence="Test: claimed.")

    pledger_page = client.get(story.get_person_url(pledger))
    claimant_page = client.get(story.get_person_url(someone))

    assertContains(pledger_page, "Test: protect the factory")
    assertContains(pledger_page, f"{story.get_pledges_url()}?by=test-pledger")
    assertContains(claimant_page, "What they have claimed about pledges")
    assertContains(claimant_page, "Test: claimed.")


def test_a_corrected_status_change_is_in_the_correction_log_with_its_card(client, story, pledge):
    update = pledge.updates.get(claimed_by__isnull=True)
    update.evidence = "Test: talks, corrected."
    update.correction_note = "Test: the evidence misread the source."
    update.corrected_at = datetime.datetime.now(datetime.UTC)
    update.save()

    response = client.get(f"/stories/{story.slug}/corrections/")

    assertContains(response, "Test: the evidence misread the source.")
    assertContains(response, f'id="pledge-update-{update.pk}"')
    assertContains(response, "Test: talks, corrected.")


# Open data


def test_the_api_gives_each_pledge_its_status_claim_and_history(client, story, pledge):
    (item,) = client.get(f"/api/stories/{story.slug}/pledges/").json()

    assert item["promise"] == "Test: protect the factory"
    assert item["status"]["status"] == "in_progress" and item["status"]["claimed_by"] is None
    assert item["latest_claim"]["claimed_by"]["slug"] == "test-pledger"
    assert [each["status"] for each in item["history"]] == ["in_progress", "kept"]
    assert item["history"][0]["source"]["url"].startswith("https://example.test/")
    one = client.get(f"/api/stories/{story.slug}/pledges/{pledge.pk}/").json()
    assert one == item


def test_the_api_filters_pledges_and_refuses_unknown_statuses(client, story, pledge):
    url = f"/api/stories/{story.slug}/pledges/"

    assert client.get(url, {"status": "broken"}).json() == []
    assert len(client.get(url, {"status": "in_progress", "pledger": "test-pledger"}).json()) == 1
    assert client.get(url, {"status": "glorious"}).status_code == 422
    assert client.get(f"{url}424242/").status_code == 404


def test_the_api_gives_the_summary_and_key_moments(client):
    story = factories.story(summary="Test: the summary.", summary_as_of=datetime.date(2025, 5, 12))
    key = factories.statement(story, key_moment="Test: key")
    factories.statement(story)

    data = client.get(f"/api/stories/{story.slug}/").json()
    (moment,) = client.get(f"/api/stories/{story.slug}/key-moments/").json()

    assert data["summary"] == "Test: the summary."
    assert data["summary_as_of"]["iso"] == "2025-05-12"
    assert (moment["id"], moment["key_moment"]) == (key.pk, "Test: key")
    assert moment["timeline_url"] == f"http://testserver{key.get_timeline_url()}"


def test_the_api_says_each_stakeholders_part_in_the_story(client, story, pledger):
    factories.part(story, pledger, group="parliament", part="Test: the local MP.")

    (person,) = client.get(f"/api/stories/{story.slug}/stakeholders/").json()

    assert (person["group"], person["part"]) == ("parliament", "Test: the local MP.")


def test_the_story_feed_has_a_pledge_and_each_status_change(client, story, pledge):
    feed = atom(client.get(f"/stories/{story.slug}/feed/"))

    titles = [entry.find(f"{ATOM}title").text for entry in entries(feed)]
    assert "Test Pledger: Test: protect the factory (promise, 5 July 2024)" in titles
    assert (
        "Kept, says Test Pledger: Test Pledger, “Test: protect the factory” (1 January 2025)"
        in titles
    )
    categories = {
        cat.get("term") for entry in entries(feed) for cat in entry.findall(f"{ATOM}category")
    }
    assert {"pledge", "pledge-status", "kept", "in_progress"} <= categories


def test_a_persons_feed_has_their_pledges(client, story, pledge, pledger):
    feed = atom(client.get(f"/stories/{story.slug}/people/{pledger.slug}/feed/"))

    assert len(entries(feed)) == 3  # the pledge and its two status changes


def test_the_sitemap_lists_pledges_the_tracker_and_whos_who(client, story, pledge):
    xml = client.get("/sitemap.xml").text

    for path in (pledge.get_absolute_url(), story.get_pledges_url(), story.get_whos_who_url()):
        assert f"http://testserver{path}" in xml


# Email digests


def test_a_digest_carries_a_new_status_change(story, pledge, inbox):
    following.sign_up("reader@example.test", story, None)
    following.confirm(Follow.objects.get(follower__email="reader@example.test"))
    factories.pledge_update(pledge, verdict="broken", evidence="Test: the factory closed.")

    call_command("send_digests", stdout=io.StringIO())

    (message,) = inbox.messages
    assert "PLEDGE STATUS: Broken" in text_of(message)
    assert "Test: the factory closed." in text_of(message)
    assert 'class="item pledge-update"' in html_of(message)


def test_a_persons_digest_carries_their_pledges_status(story, pledge, pledger, inbox):
    following.sign_up("reader@example.test", story, pledger)
    following.confirm(Follow.objects.get(follower__email="reader@example.test"))
    factories.pledge_update(pledge, verdict="broken", evidence="Test: the factory closed.")
    factories.pledge_update(factories.pledge(story), evidence="Test: someone else's pledge.")

    call_command("send_digests", stdout=io.StringIO())

    (message,) = inbox.messages
    assert "Test: the factory closed." in text_of(message)
    assert "someone else" not in text_of(message)


# Editors


def test_an_editor_adds_a_pledge_with_its_first_status_in_one_form(client, story, pledger):
    client.force_login(editor())
    source = factories.source()
    prefix = "updates"

    response = client.post(
        "/admin/stories/pledge/add/",
        {
            "story": story.pk,
            "kind": "promise",
            "pledger": pledger.pk,
            "pledger_role": "Test MP",
            "promise": "Test: a promise from the admin",
            "words": "",
            "context": "",
            "made_on": "2024-07-05",
            "made_on_precision": "day",
            "source": source.pk,
            "status": "published",
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-0-verdict": "in_progress",
            f"{prefix}-0-as_of": "2024-10-21",
            f"{prefix}-0-as_of_precision": "week",
            f"{prefix}-0-evidence": "Test: talks go on.",
            f"{prefix}-0-source": source.pk,
            f"{prefix}-0-status": "published",
        },
    )

    assert response.status_code == 302, response.content[:2000]
    made = Pledge.objects.get(promise="Test: a promise from the admin")
    (update,) = PledgeUpdate.objects.filter(pledge=made)
    assert made.published_by.username == "test-editor"
    assert update.as_of == datetime.date(2024, 10, 21)  # a Monday: the week starts there
    assert update.published_by.username == "test-editor"
