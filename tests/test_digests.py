"""
Digests, read off a real SMTP server on loopback: one email per follower per run, made from the
change log, never naming a draft, never sending an item twice, with one-click unsubscribe.
"""

import datetime
import io
import re
from html.parser import HTMLParser

import pytest
from django.core.mail.backends.smtp import EmailBackend
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alerts import services
from alerts.digests import Run
from alerts.models import Follow, Follower
from stories import services as editorial
from stories.models import Statement, Status
from tests import factories
from tests.mail import html_of, link_in, text_of

pytestmark = pytest.mark.django_db


def follower_of(story, email="reader@example.test", stakeholder=None):
    """A confirmed follower, as after the reader clicked the link."""
    services.sign_up(email, story, stakeholder)
    follow = Follow.objects.get(follower__email=email, story=story, stakeholder=stakeholder)
    return services.confirm(follow)


def send():
    call_command("send_digests", stdout=io.StringIO())


def test_a_digest_lists_what_was_published_since_confirming(story, inbox):
    factories.statement(story, quote="Test: said before following.")
    follower_of(story)
    speaker = factories.stakeholder(name="Test Alice Speaker")
    factories.statement(
        story, speaker=speaker, speaker_role="Test Secretary", quote="Test: the new quote."
    )
    factories.event(story, title="Test talks at the factory")

    send()

    (message,) = inbox.messages
    text = text_of(message)
    assert "Test: the new quote." in text
    assert "Test Alice Speaker, Test Secretary" in text
    assert "Test talks at the factory" in text
    assert "said before following" not in text
    assert message["Subject"] == f"2 updates: {story.title}"
    html = html_of(message)
    assert "Test: the new quote." in html
    assert 'class="item statement"' in html  # the site's own statement partial


def test_every_link_in_a_digest_is_absolute_and_the_items_link_to_their_permalinks(
    story, inbox, settings
):
    settings.SITE_URL = "https://news.example.test"
    follower_of(story)
    statement = factories.statement(story, quote="Test: linked.")

    send()

    html = html_of(inbox.messages[0])
    hrefs = re.findall(r'href="([^"]+)"', html)
    assert hrefs and all(href.startswith(("https://", "mailto:")) for href in hrefs), hrefs
    permalink = f"https://news.example.test/stories/{story.slug}/statements/{statement.pk}/"
    assert permalink in hrefs
    assert permalink in text_of(inbox.messages[0])


def test_nothing_is_sent_when_nothing_changed(story, inbox):
    follower_of(story)

    send()

    assert inbox.messages == []


def test_a_draft_edit_sends_nothing_and_a_draft_is_never_named(story, inbox):
    follower_of(story)
    draft = factories.statement(story, quote="Test: secret draft words.", status=Status.DRAFT)
    draft.quote = "Test: still a secret draft."
    draft.save()

    send()

    assert inbox.messages == []


def test_a_second_run_sends_nothing_new(story, inbox):
    follower_of(story)
    factories.statement(story, quote="Test: once only.")
    send()

    send()

    assert len(inbox.messages) == 1


def test_the_next_digest_has_only_what_came_after_the_last(story, inbox):
    follower_of(story)
    factories.statement(story, quote="Test: first.")
    send()
    factories.statement(story, quote="Test: second.")

    send()

    assert "Test: first." not in text_of(inbox.messages[1])
    assert "Test: second." in text_of(inbox.messages[1])


def test_a_correction_comes_with_its_note(story, inbox):
    statement = factories.statement(story, quote="Test: wrong words.")
    follower_of(story)
    statement.quote = "Test: right words."
    statement.corrected_at = timezone.now()
    statement.correction_note = "Test: the quote was misheard."
    statement.save()

    send()

    text, html = text_of(inbox.messages[0]), html_of(inbox.messages[0])
    assert "CORRECTED" in text and "Test: right words." in text
    assert "Test: the quote was misheard." in text
    assert "Test: the quote was misheard." in html


def test_a_withdrawal_names_the_item_as_readers_saw_it_with_the_note(story, inbox):
    statement = factories.statement(story, quote="Test: will go.")
    follower_of(story)
    editorial.unpublish(Statement.objects.filter(pk=statement.pk), None, note="Test: wrong person.")
    Statement.objects.filter(pk=statement.pk).update(quote="Test: secret draft rewrite.")

    send()

    text = text_of(inbox.messages[0])
    assert "WITHDRAWN" in text and "Test: wrong person." in text
    assert "secret draft rewrite" not in text + html_of(inbox.messages[0])


def test_an_item_published_and_withdrawn_between_two_digests_is_not_mentioned(story, inbox):
    follower_of(story)
    statement = factories.statement(story, quote="Test: brief.")
    editorial.unpublish(Statement.objects.filter(pk=statement.pk), None, note="Test: oops.")
    factories.statement(story, quote="Test: stays.")

    send()

    text = text_of(inbox.messages[0])
    assert "Test: stays." in text
    assert "brief" not in text and "oops" not in text


def test_new_figures_are_listed_with_a_link_to_their_chart(story, inbox):
    series = factories.series(story, name="Test workforce", unit="jobs")
    follower_of(story)
    factories.point(series, value=750, as_of=datetime.date(2024, 9, 1))

    send()

    text = text_of(inbox.messages[0])
    assert "Test workforce: 750 jobs" in text
    assert f"/stories/{story.slug}/figures/{series.slug}/" in text


def test_a_person_follower_gets_only_that_persons_items(story, inbox):
    alice = factories.stakeholder(name="Test Alice")
    factories.statement(story, speaker=alice, quote="Test: Alice before.")
    follower_of(story, stakeholder=alice)
    factories.statement(story, speaker=alice, quote="Test: Alice speaks.")
    factories.statement(story, quote="Test: someone else speaks.")
    factories.event(story, participants=[alice], title="Test: Alice meets them")

    send()

    text = text_of(inbox.messages[0])
    assert "Test: Alice speaks." in text and "Test: Alice meets them" in text
    assert "someone else" not in text and "Alice before" not in text


def test_one_email_per_follower_whatever_they_follow(story, inbox):
    other = factories.story()
    alice = factories.stakeholder(name="Test Alice")
    factories.statement(story, speaker=alice)
    follower_of(story)
    follower_of(story, stakeholder=alice)
    follower_of(other)
    factories.statement(story, speaker=alice, quote="Test: in both follows.")
    factories.statement(other, quote="Test: in the other story.")

    send()

    (message,) = inbox.messages
    text = text_of(message)
    assert text.count("Test: in both follows.") == 1
    assert "Test: in the other story." in text
    assert message["Subject"] == "2 updates in 2 stories you follow"


def test_unconfirmed_sign_ups_get_no_digest(story, inbox):
    services.sign_up("pending@example.test", story)
    factories.statement(story)

    send()

    assert inbox.messages == []


def test_every_digest_has_one_click_unsubscribe_headers_and_links(story, inbox):
    follower_of(story)
    factories.statement(story)

    send()

    message = inbox.messages[0]
    unsubscribe = message["List-Unsubscribe"]
    assert re.fullmatch(r"<https?://[^>]+/follow/unsubscribe/\?t=[^>]+>", unsubscribe)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.strip("<>") in text_of(message)
    assert unsubscribe.strip("<>").replace("&", "&amp;") in html_of(message)
    assert "/follow/manage/?t=" in text_of(message)
    assert message["Message-ID"]


def test_the_one_click_post_unsubscribes_without_a_session_or_csrf_token(story, inbox):
    follower_of(story)
    factories.statement(story)
    send()
    url = inbox.messages[0]["List-Unsubscribe"].strip("<>")

    response = Client(enforce_csrf_checks=True).post(
        url.split("://", 1)[1].split("/", 1)[1].join(["/", ""]),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert not Follower.objects.exists()
    factories.statement(story)
    send()
    assert len(inbox.messages) == 1


def followers(story, count):
    for n in range(count):
        follower_of(story, email=f"reader{n}@example.test")


def test_a_mail_server_failure_mid_run_sends_nobody_anything_twice_and_skips_nobody(
    story, smtp_server
):
    inbox = smtp_server.inbox
    followers(story, 5)
    factories.statement(story, quote="Test: news.")
    inbox.refuse = {3}  # the third digest of the run is refused: the run stops there

    with pytest.raises(Exception, match="try again later"):
        send()
    assert len(inbox.messages) == 2
    inbox.refuse = set()
    send()

    recipients = [message.envelope_to[0] for message in inbox.messages]
    assert sorted(recipients) == [f"reader{n}@example.test" for n in range(5)]


def test_a_crash_mid_run_sends_nobody_anything_twice_and_skips_nobody(story, inbox, monkeypatch):
    followers(story, 5)
    factories.statement(story, quote="Test: news.")
    sent = []
    real_send = EmailBackend.send_messages

    def send_then_crash(self, messages):
        if len(sent) == 2:
            raise SystemExit("Test: the process is told to stop (SIGTERM)")
        sent.extend(messages)
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", send_then_crash)
    with pytest.raises(SystemExit):
        send()
    monkeypatch.setattr(EmailBackend, "send_messages", real_send)
    send()

    recipients = [message.envelope_to[0] for message in inbox.messages]
    assert sorted(recipients) == [f"reader{n}@example.test" for n in range(5)]


def test_batches_cover_every_follower_once(story, inbox, settings):
    settings.DIGEST_BATCH_SIZE = 2
    followers(story, 5)
    factories.statement(story)

    run = Run()()

    assert run.sent == 5
    assert sorted(m.envelope_to[0] for m in inbox.messages) == [
        f"reader{n}@example.test" for n in range(5)
    ]


def test_a_digest_runs_in_the_same_number_of_queries_per_batch(story, settings, mailoutbox):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    settings.DIGEST_BATCH_SIZE = 10

    def queries_for(count):
        Follower.objects.all().delete()
        for n in range(count):
            follower_of(story, email=f"q{count}-{n}@example.test")
        factories.statement(story)
        factories.event(story, participants=[factories.stakeholder()])
        with CaptureQueriesContext(connection) as queries:
            run = Run()()
        assert run.sent == count
        return len(queries)

    assert queries_for(20) - queries_for(10) == queries_for(30) - queries_for(20)
    assert queries_for(20) - queries_for(10) <= 6  # one batch's worth, not one per follower


def test_expired_sign_ups_are_deleted_by_the_run(story, settings, inbox):
    services.sign_up("late@example.test", story)
    Follow.objects.update(
        requested_at=timezone.now() - datetime.timedelta(hours=settings.FOLLOW_CONFIRM_HOURS + 1)
    )

    send()

    assert not Follower.objects.exists()


class Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.bad = []

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "img", "iframe", "svg"}:
            self.bad.append(tag)
        self.bad += [name for name, _ in attrs if name.startswith("on")]


@pytest.mark.parametrize(
    "payload",
    ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "<svg onload=alert(1)>"],
)
def test_hostile_text_is_inert_in_both_parts(story, inbox, payload):
    with transaction.atomic():
        story.title = f"Test {payload}"
        story.save()
    follower_of(story)
    speaker = factories.stakeholder(name=f"Test {payload}")
    factories.statement(
        story,
        speaker=speaker,
        speaker_role=payload,
        quote=f"Test quote {payload}",
        context=payload,
        source=factories.source(publication=payload, headline=payload),
    )
    factories.event(story, title=payload, description=payload, place=payload)

    send()

    message = inbox.messages[0]
    html = html_of(message)
    assert payload not in html
    parser = Elements()
    parser.feed(html)
    assert parser.bad == []
    assert "&lt;" in html
    # Plain text is never rendered as markup: the words arrive as they were written.
    assert message.get_body(preferencelist=("plain",)).get_content_type() == "text/plain"
    assert f"Test quote {payload}" in text_of(message)
    assert "\n" not in message["Subject"]


def test_the_management_command_reports_what_it_did(story, inbox, capsys):
    follower_of(story)
    factories.statement(story)

    call_command("send_digests")

    assert "Sent 1 digest(s)" in capsys.readouterr().out


def test_confirmation_mail_arrives_on_the_smtp_server(story, inbox):
    services.sign_up("new@example.test", story).send()

    (message,) = inbox.to("new@example.test")
    assert "/follow/confirm/?t=" in link_in(message, "/follow/confirm/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_run_by_hand_the_command_shows_a_progress_bar(story, inbox):
    follower_of(story)
    factories.statement(story)
    terminal = Terminal()

    call_command("send_digests", stdout=terminal)

    assert "[" + "#" * 30 + "] 1/1 followers" in terminal.getvalue()


def test_in_a_log_the_command_writes_no_progress_bar(story, inbox):
    follower_of(story)
    factories.statement(story)
    log = io.StringIO()

    call_command("send_digests", stdout=log)

    assert "#" not in log.getvalue()
