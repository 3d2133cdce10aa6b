"""
Following by email, through the pages a reader uses: sign up from the story or a person's page,
confirm from the email, change what they follow, unsubscribe. Emails are read off a real SMTP
server on loopback.
"""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core import signing
from django.test import Client
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from alerts import services
from alerts.models import Follow, Follower
from stories.roles import editors_group
from tests import factories
from tests.mail import link_in, text_of

pytestmark = pytest.mark.django_db

SENT = "Check your inbox."


def follow_url(story, person=None):
    if person:
        return f"/stories/{story.slug}/people/{person.slug}/follow/"
    return f"/stories/{story.slug}/follow/"


def local(url):
    """The path and query of an absolute link from an email, for the test client."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def sign_up(client, story, email="reader@example.test", person=None, **extra):
    return client.post(follow_url(story, person), {"email": email, "website": "", **extra})


def confirmed(client, story, inbox, email="reader@example.test"):
    sign_up(client, story, email)
    url = local(link_in(inbox.to(email)[-1], "/follow/confirm/"))
    client.post(url)
    return Follower.objects.get(email=email)


# The story page stays the same for every reader.


def test_the_story_page_links_to_the_form_and_carries_no_csrf_token(client, story):
    response = client.get(story.get_absolute_url())

    assertContains(response, f'href="{follow_url(story)}"')
    assertNotContains(response, "csrfmiddlewaretoken")
    assert "csrftoken" not in response.cookies
    assert "public" in response["Cache-Control"]


def test_a_persons_page_links_to_their_form(client, story):
    alice = factories.stakeholder(name="Test Alice")
    factories.statement(story, speaker=alice)

    response = client.get(f"/stories/{story.slug}/people/{alice.slug}/")

    assertContains(response, f'href="{follow_url(story, alice)}"')
    assertNotContains(response, "csrfmiddlewaretoken")


def test_everyone_with_a_page_in_the_story_can_be_followed_from_it(client, story):
    pledger = factories.stakeholder(name="Test Pledger")
    factories.pledge(story, pledger=pledger)
    listed = factories.stakeholder(name="Test Listed")
    factories.part(story, listed)

    for person in [pledger, listed]:
        page = client.get(story.get_person_url(person))
        form = client.get(follow_url(story, person))

        assertContains(page, f'href="{follow_url(story, person)}"')
        assert form.status_code == 200


def test_the_form_is_never_cached_and_answers_htmx_with_the_fragment(client, story):
    page = client.get(follow_url(story))
    fragment = client.get(follow_url(story), headers={"HX-Request": "true"})

    assert page.status_code == fragment.status_code == 200
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]
    assertContains(page, "<h1>")
    assertContains(fragment, 'name="csrfmiddlewaretoken"')
    assertNotContains(fragment, "<h1>")
    assert "HX-Request" in fragment["Vary"]


def test_the_form_needs_a_csrf_token(story):
    response = sign_up(Client(enforce_csrf_checks=True), story)

    assert response.status_code == 403


def test_a_draft_story_or_a_person_not_in_it_has_no_form(client, story):
    draft = factories.story(status="draft")
    stranger = factories.stakeholder()

    assert client.get(follow_url(draft)).status_code == 404
    assert client.get(follow_url(story, stranger)).status_code == 404


# Signing up.


def test_signing_up_sends_a_confirmation_and_nothing_else(client, story, inbox):
    response = sign_up(client, story)

    assertContains(response, SENT)
    (message,) = inbox.to("reader@example.test")
    assert story.title in message["Subject"]
    assert "/follow/confirm/?t=" in text_of(message)
    assert not Follow.objects.confirmed().exists()


def test_the_page_says_the_same_for_a_new_a_pending_and_a_following_address(client, story, inbox):
    confirmed(client, story, inbox, "following@example.test")
    sign_up(client, story, "pending@example.test")

    answers = [
        sign_up(Client(), story, email)
        for email in ("new@example.test", "pending@example.test", "following@example.test")
    ]

    assert len({answer.status_code for answer in answers}) == 1
    # The same page, but for the address typed and the nonce every page gets afresh.
    bodies = {
        re.sub(r'\w+@example\.test|nonce="[^"]+"', "", answer.content.decode())
        for answer in answers
    }
    assert len(bodies) == 1
    assert {cookie for answer in answers for cookie in answer.cookies} <= {"csrftoken"}


def test_an_address_already_following_is_told_so_by_email(client, story, inbox):
    confirmed(client, story, inbox)

    sign_up(client, story)

    assert "already" in inbox.to("reader@example.test")[-1]["Subject"]


def test_confirming_starts_the_emails(client, story, inbox):
    sign_up(client, story)
    url = local(link_in(inbox.messages[0], "/follow/confirm/"))

    shown = client.get(url)
    done = client.post(url)

    assertContains(shown, "Yes, send me these emails")
    assertContains(done, "You follow")
    follow = Follow.objects.get()
    assert follow.is_confirmed and follow.sent_version == story.published_version


def test_opening_the_confirmation_link_does_not_confirm(client, story, inbox):
    sign_up(client, story)

    client.get(local(link_in(inbox.messages[0], "/follow/confirm/")))

    assert not Follow.objects.confirmed().exists()


def test_a_confirmation_link_works_once(client, story, inbox):
    sign_up(client, story)
    url = local(link_in(inbox.messages[0], "/follow/confirm/"))
    client.post(url)

    again = client.post(url)

    assertContains(again, "already been used", status_code=410)


def test_an_expired_confirmation_link_is_refused(client, story, inbox, settings):
    sign_up(client, story)
    url = local(link_in(inbox.messages[0], "/follow/confirm/"))
    later = timezone.now() + datetime.timedelta(hours=settings.FOLLOW_CONFIRM_HOURS + 1)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(signing.time, "time", lambda: later.timestamp())
        response = client.post(url)

    assertContains(response, "expired", status_code=410)
    assert not Follow.objects.confirmed().exists()


@pytest.mark.parametrize(
    "query",
    ["", "?t=", "?t=nonsense", "?t=" + "x" * 10_000, "?t=MQ:1tAAAA:forged-signature"],
    ids=["missing", "empty", "nonsense", "10 kB", "forged"],
)
@pytest.mark.parametrize("path", ["/follow/confirm/", "/follow/manage/", "/follow/unsubscribe/"])
def test_a_bad_link_is_refused_with_a_clear_message(client, db, path, query):
    response = client.get(path + query)

    assertContains(response, "This link", status_code=400)


def test_a_confirmation_link_of_a_deleted_sign_up_is_gone(client, story, inbox):
    sign_up(client, story)
    url = local(link_in(inbox.messages[0], "/follow/confirm/"))
    Follower.objects.all().delete()

    assertContains(client.get(url), "no longer open", status_code=410)


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("not-an-address", "Enter an email address like name@example.com."),
        ("", "Enter your email address."),
        ("a" * 10_000 + "@example.test", "at most 254 characters"),
    ],
    ids=["malformed", "empty", "10 kB"],
)
def test_a_bad_address_is_refused_with_a_clear_message(client, story, inbox, email, message):
    response = sign_up(client, story, email)

    assertContains(response, message, status_code=400)
    assert inbox.messages == []
    assert not Follower.objects.exists()


def test_a_10_kb_honeypot_is_refused_too(client, story, inbox):
    response = sign_up(client, story, website="x" * 10_000)

    assert response.status_code in (200, 400)
    assert inbox.messages == []


def test_a_bot_that_fills_the_honeypot_is_told_the_same_and_nothing_is_sent(client, story, inbox):
    response = sign_up(client, story, website="https://spam.example.test")

    assertContains(response, SENT)
    assert inbox.messages == []
    assert not Follower.objects.exists()


def test_an_address_gets_no_more_than_its_hourly_sign_ups_and_the_page_does_not_say_so(
    story, inbox, settings
):
    settings.FOLLOW_LIMIT_PER_ADDRESS = 2
    answers = [
        sign_up(Client(REMOTE_ADDR=f"192.0.2.{n}"), story, "Victim@Example.test")
        for n in range(1, 5)
    ]

    assert [answer.status_code for answer in answers] == [200] * 4
    assert all(SENT in answer.content.decode() for answer in answers)
    assert len(inbox.messages) == 2


def test_a_client_address_is_limited_and_told_so(story, inbox, settings):
    settings.FOLLOW_LIMIT_PER_CLIENT = 2
    client = Client(REMOTE_ADDR="192.0.2.10")
    for n in range(2):
        assert sign_up(client, story, f"r{n}@example.test").status_code == 200

    response = sign_up(client, story, "r9@example.test")

    assertContains(response, "Too many sign-ups", status_code=429)
    assert len(inbox.messages) == 2
    assert sign_up(Client(REMOTE_ADDR="192.0.2.11"), story, "r9@example.test").status_code == 200


def test_behind_a_proxy_the_client_address_is_the_one_the_login_lockout_uses(
    story, inbox, settings
):
    # What dashboard/settings.py makes of PROXY_COUNT=1 (read once, from the environment).
    settings.AXES_IPWARE_PROXY_COUNT = 0
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    settings.FOLLOW_LIMIT_PER_CLIENT = 1
    proxy = "10.0.0.1"

    first = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.1")
    second = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.2")
    same = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.1")

    assert sign_up(first, story, "a@example.test").status_code == 200
    assert sign_up(second, story, "b@example.test").status_code == 200
    assert sign_up(same, story, "c@example.test").status_code == 429


def test_the_form_with_errors_answers_htmx_with_the_fragment(client, story):
    response = client.post(follow_url(story), {"email": "nope"}, headers={"HX-Request": "true"})

    assert response.status_code == 400
    assertContains(response, 'aria-invalid="true"', status_code=400)
    assertNotContains(response, "<h1>", status_code=400)


def test_following_a_person(client, story, inbox):
    alice = factories.stakeholder(name="Test Alice")
    factories.statement(story, speaker=alice)

    response = sign_up(client, story, person=alice)

    assertContains(response, SENT)
    assert "Test Alice" in inbox.messages[0]["Subject"]
    assert Follow.objects.get().stakeholder == alice


# Changing what one follows, and unsubscribing.


def test_the_manage_page_lists_what_the_address_follows(client, story, inbox):
    follower = confirmed(client, story, inbox)

    response = client.get(f"/follow/manage/?t={follower.token()}")

    assertContains(response, story.title)
    assertContains(response, "reader@example.test")
    assert "no-store" in response["Cache-Control"]


def test_stopping_one_follow_keeps_the_others(client, story, inbox):
    other = factories.story()
    follower = confirmed(client, story, inbox)
    sign_up(client, other)
    keep = Follow.objects.get(story=other)
    gone = Follow.objects.get(story=story)

    response = client.post(f"/follow/manage/?t={follower.token()}", {"follow": gone.pk})

    assertContains(response, "You no longer follow")
    assert list(Follow.objects.all()) == [keep]


def test_stopping_the_last_follow_deletes_the_address(client, story, inbox):
    follower = confirmed(client, story, inbox)

    response = client.post(
        f"/follow/manage/?t={follower.token()}", {"follow": follower.follows.get().pk}
    )

    assertContains(response, "deleted your address")
    assert not Follower.objects.exists()


@pytest.mark.parametrize("value", ["", "abc", "99999999", "1" * 10_000])
def test_stopping_something_not_followed_is_refused(client, story, inbox, value):
    follower = confirmed(client, story, inbox)
    other = confirmed(Client(), story, inbox, "other@example.test")

    response = client.post(
        f"/follow/manage/?t={follower.token()}",
        {"follow": other.follows.get().pk if value == "99999999" else value},
    )

    assertContains(response, "Choose one of the things listed", status_code=400)
    assert Follow.objects.count() == 2


def test_the_unsubscribe_link_asks_before_deleting(client, story, inbox):
    follower = confirmed(client, story, inbox)

    response = client.get(f"/follow/unsubscribe/?t={follower.token()}")

    assertContains(response, "Unsubscribe and delete my address")
    assert Follower.objects.exists()


def test_one_click_unsubscribe_deletes_the_address_and_its_pending_sign_ups(story, inbox):
    client = Client(enforce_csrf_checks=True)
    follower = confirmed(Client(), story, inbox)
    sign_up(Client(), factories.story())
    url = inbox.to("reader@example.test")[-1]["List-Unsubscribe"].strip("<>")

    response = client.post(
        local(url), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assertContains(response, "deleted your address")
    assert not Follower.objects.filter(pk=follower.pk).exists()
    assert not Follow.objects.exists()
    again = client.post(local(url), "List-Unsubscribe=One-Click", content_type="text/plain")
    assert again.status_code == 200


def test_every_email_carries_the_one_click_headers(client, story, inbox):
    sign_up(client, story)

    message = inbox.messages[0]

    assert message["List-Unsubscribe"].startswith(f"<{settings.SITE_URL}/follow/unsubscribe/?t=")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_request_log_never_holds_a_token(client, story, inbox, caplog):
    follower = confirmed(client, story, inbox)

    with caplog.at_level("INFO", logger="dashboard.requests"):
        client.get(f"/follow/manage/?t={follower.token()}")

    assert caplog.records
    assert follower.token() not in caplog.text


def test_unconfirmed_sign_ups_expire(story, settings):
    services.sign_up("late@example.test", story)
    later = timezone.now() + datetime.timedelta(hours=settings.FOLLOW_CONFIRM_HOURS + 1)

    services.remove_expired(later)

    assert not Follower.objects.exists()


# The admin: counts for editors, addresses for administrators.


def test_an_editor_sees_counts_not_addresses(client, story, inbox):
    confirmed(Client(), story, inbox, "secret-reader@example.test")
    editor = User.objects.create_user("test-editor", is_staff=True)
    editor.groups.add(editors_group())
    client.force_login(editor)

    listing = client.get(f"/{settings.ADMIN_PATH}alerts/follow/")
    followers = client.get(f"/{settings.ADMIN_PATH}alerts/follower/")
    detail = client.get(f"/{settings.ADMIN_PATH}alerts/follow/{Follow.objects.get().pk}/change/")

    assertContains(listing, story.title)
    assertNotContains(listing, "secret-reader")
    assert followers.status_code == 403
    assert detail.status_code in (302, 403)


def test_an_administrator_sees_addresses(client, story, inbox):
    confirmed(Client(), story, inbox, "secret-reader@example.test")
    client.force_login(User.objects.create_superuser("test-admin", password=None))

    assertContains(client.get(f"/{settings.ADMIN_PATH}alerts/follower/"), "secret-reader")
