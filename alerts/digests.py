"""
Digests: one email per follower per run, listing what readers of the stories they follow can
see now that they could not at the follower's last digest.

What goes in comes from each story's change log (stories.models.Change) between the version
the follower was last sent (`Follow.sent_version`) and the story's current published version,
and each item is read again through the published querysets: the log says what changed, the
querysets say whether readers may still see it. A draft never appears in the log, so no email
names anything a draft held.

- **New**: statements and events published in the range (first published, or published again
  after a withdrawal) that readers still see; figures, charts, pledges and pledges' status
  changes likewise.
- **Corrected**: items readers had seen, changed with a public correction note.
- **Withdrawn**: items readers had seen and no longer do, named as readers saw them, with the
  note; story followers only (the log names a withdrawn item as readers saw it, not who it
  involved, and the draft it went back to may have changed since).

A person's followers get the new and corrected statements of that person, the events they
take part in, their pledges and the status changes of those pledges (and their own claims).
A change readers see but no one would call news (a typo fixed in a person's role, a figure's
series renamed) moves the follower on without an email.

Idempotency. Followers go out in batches of DIGEST_BATCH_SIZE. A batch is one transaction: its
followers' rows are locked (FOR UPDATE SKIP LOCKED, so two runs never take the same follower,
and an unsubscribe waits until the batch is done rather than be followed by one more email),
each digest is sent over SMTP, and then, in the same transaction, each follow that was sent is
moved on to the version its digest covered. Any failure that Python sees (the mail server
refusing or going away, a bug, SIGTERM from `docker compose stop`) stops the sending, commits
what was sent and re-raises: the next run starts with the first follower not yet sent, and no
one gets an item twice or misses one.

The residual window: an SMTP server's acceptance and our database commit cannot be one atomic
step. If the process dies without running Python's cleanup (SIGKILL, the machine lost) or the
database is lost mid-batch, the batch's transaction rolls back: the followers of that batch
who had already been sent their digest get it again on the next run (at most
DIGEST_BATCH_SIZE of them; nobody is skipped). Marking each follower in its own transaction
would shrink that to one email at the cost of a query per follower (DIGEST_BATCH_SIZE=1 does
exactly that). A repeated digest carries the same Message-ID, so mail systems that drop
duplicates by Message-ID drop it.
"""

import hashlib
import logging
import smtplib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import mailers
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from stories.models import (
    Change,
    DataPoint,
    NegotiationEvent,
    Pledge,
    PledgeUpdate,
    Series,
    Statement,
)

from . import mail, services
from .models import Follow, Follower

log = logging.getLogger(__name__)


class Kind:
    NEW = "new"
    CORRECTED = "corrected"
    WITHDRAWN = "withdrawn"


SUBJECTS = {
    Change.Subject.STATEMENT,
    Change.Subject.EVENT,
    Change.Subject.POINT,
    Change.Subject.SERIES,
    Change.Subject.PLEDGE,
    Change.Subject.PLEDGE_UPDATE,
}


class Line(NamedTuple):
    """A change-log line, as much of it as a digest needs."""

    pk: int
    subject: str
    object_id: int
    action: str
    summary: str
    note: str


@dataclass
class Entry:
    """One line of a digest: an item, what happened to it, and who it involves."""

    kind: str
    subject: str
    object_id: int
    item: object = None  # as readers see it now; None for a withdrawn item
    summary: str = ""  # as the change log names it (what readers saw)
    note: str = ""  # the public correction or withdrawal note
    change_id: int = None  # the change-log line, for the correction log's anchor
    people: frozenset = frozenset()  # stakeholder ids the item involves


@dataclass
class News:
    """What changed in one story between two published versions, ready to render."""

    story: object
    since: int
    until: int
    entries: list = field(default_factory=list)
    rendered: dict = field(default_factory=dict)  # frozenset of people (or None) -> Section


@dataclass(frozen=True)
class Section:
    """A story's part of a digest, in both formats."""

    html: str
    text: str
    count: int


def news(story, since, until):
    """The entries of `story`'s digest from version `since` to `until` (a few queries)."""
    lines = (
        Change.objects.since(story, since)
        .filter(version__lte=until, subject__in=SUBJECTS)
        .values_list(*Line._fields)
    )
    history = defaultdict(list)
    for row in lines:
        line = Line(*row)
        history[(line.subject, line.object_id)].append(line)

    def ids(subject):
        return [object_id for (kind, object_id) in history if kind == subject]

    shown = {}
    for subject, queryset in (
        (Change.Subject.STATEMENT, Statement.objects.for_timeline(story)),
        (Change.Subject.EVENT, NegotiationEvent.objects.for_timeline(story)),
        (
            Change.Subject.POINT,
            DataPoint.objects.published()
            .filter(series__story=story)
            .select_related("series", "source"),
        ),
        (Change.Subject.SERIES, Series.objects.published().filter(story=story)),
        (Change.Subject.PLEDGE, Pledge.objects.for_story(story)),
        (
            Change.Subject.PLEDGE_UPDATE,
            PledgeUpdate.objects.published()
            .filter(pledge__story=story)
            .select_related("pledge__pledger", "pledge__story", "source", "claimed_by"),
        ),
    ):
        wanted = ids(subject)
        if wanted:
            shown.update({(subject, item.pk): item for item in queryset.filter(pk__in=wanted)})

    entries = []
    for key, changes in history.items():
        entry = classify(key, changes, shown.get(key))
        if entry is not None:
            entries.append(entry)
    order = {Kind.NEW: 0, Kind.CORRECTED: 1, Kind.WITHDRAWN: 2}
    entries.sort(key=lambda entry: (order[entry.kind], -entry.change_id))
    return News(story, since, until, entries)


def classify(key, lines, item):
    """What a follower should be told about one item, given its log lines in the range, oldest
    first, and the item as readers see it now (None when they no longer do)."""
    subject, object_id = key
    actions = [line.action for line in lines]
    if item is not None:
        if Change.Action.ADDED in actions:
            line = lines[-1]
            return Entry(
                Kind.NEW, subject, object_id, item, line.summary, "", line.pk, involved(item)
            )
        noted = [line for line in lines if line.note]
        if not noted:
            return None  # changed, but not a correction readers are told about
        line = noted[-1]
        return Entry(
            Kind.CORRECTED,
            subject,
            object_id,
            item,
            line.summary,
            line.note,
            line.pk,
            involved(item),
        )
    if actions[0] == Change.Action.ADDED:
        return None  # published and withdrawn since the last digest: the follower never saw it
    withdrawn = [line for line in lines if line.action == Change.Action.WITHDRAWN]
    if not withdrawn:
        return None
    line = withdrawn[-1]
    return Entry(Kind.WITHDRAWN, subject, object_id, None, line.summary, line.note, line.pk)


def involved(item):
    if isinstance(item, Statement):
        return frozenset({item.speaker_id})
    if isinstance(item, NegotiationEvent):
        return frozenset(person.pk for person in item.participants.all())
    if isinstance(item, Pledge):
        return frozenset({item.pledger_id})
    if isinstance(item, PledgeUpdate):
        return frozenset({item.pledge.pledger_id, item.claimed_by_id} - {None})
    return frozenset()


def section(story_news, people):
    """The story's part of one follower's digest: everything (`people` None, a story follow)
    or what involves `people`. Rendered once per run for every follower who gets the same."""
    if people in story_news.rendered:
        return story_news.rendered[people]
    entries = [
        entry
        for entry in story_news.entries
        if people is None or (entry.kind != Kind.WITHDRAWN and entry.people & people)
    ]
    context = {"story": story_news.story, "entries": entries}
    with mail.site_addresses():
        rendered = Section(
            html=render_to_string("alerts/digest_section.html", context),
            text=render_to_string("alerts/digest_section.txt", context),
            count=len(entries),
        )
    story_news.rendered[people] = rendered
    return rendered


@dataclass
class Digest:
    """One follower's email, and the follows it moves on."""

    follower: object
    follows: list  # [(follow, version it covers)]
    sections: list  # [(story, Section)]

    @property
    def count(self):
        return sum(part.count for _, part in self.sections)

    def message(self):
        ranges = sorted((follow.story_id, follow.sent_version, until) for follow, until in self)
        digest_id = hashlib.sha256(repr((self.follower.pk, ranges)).encode()).hexdigest()[:24]
        domain = urlsplit(settings.SITE_URL).hostname
        stories = [story for story, _ in self.sections]
        subject = (
            f"{self.count} update{'s' if self.count != 1 else ''}: {stories[0].title}"
            if len(stories) == 1
            else f"{self.count} updates in {len(stories)} stories you follow"
        )
        return mail.compose(
            self.follower,
            subject,
            "digest",
            {"sections": self.sections, "count": self.count},
            message_id=f"<digest.{digest_id}@{domain}>",
        )

    def __iter__(self):
        return iter(self.follows)


class Run:
    """One run of the digests (manage.py send_digests)."""

    def __init__(self, batch_size=None, progress=None):
        self.batch_size = batch_size or settings.DIGEST_BATCH_SIZE
        self.progress = progress or (lambda done, total: None)
        self.news = {}  # (story id, since, until) -> News, shared by every batch
        self.sent = 0
        self.skipped = 0  # due, but nothing in it was news: moved on without an email

    def __call__(self):
        services.remove_expired()
        total = Follower.objects.due().count()
        self.progress(0, total)
        after = 0
        with mailers.default as connection:
            while True:
                done = self.batch(after, connection)
                if done is None:
                    break
                after = done
                self.progress(self.sent + self.skipped, total)
        return self

    def batch(self, after, connection):
        """Send one batch; returns the last follower id it took, or None when none was due."""
        with transaction.atomic():
            followers = list(
                Follower.objects.due()
                .filter(pk__gt=after)
                .select_for_update(skip_locked=True)[: self.batch_size]
            )
            if not followers:
                return None
            digests = self.digests(followers)
            sent, failure = [], None
            try:
                for digest in digests:
                    if digest.count:
                        try:
                            connection.send_messages([digest.message()])
                        except smtplib.SMTPRecipientsRefused:
                            # This one address is refused; the others still go. Left as it
                            # was, so the next run tries it again.
                            log.warning("Digest refused for follower %s", digest.follower.pk)
                            continue
                    sent.append(digest)
            except BaseException as error:  # noqa: B036 - record what was sent, then re-raise
                failure = error
            self.mark(sent)
        if failure is not None:
            log.error("Digest run stopped after %s followers: %r", self.sent, failure)
            raise failure
        return followers[-1].pk

    def digests(self, followers):
        """Each follower's digest, from a constant number of queries per batch."""
        follows = (
            Follow.objects.confirmed()
            .filter(follower__in=followers, story__status="published")
            .select_related("story")
            .order_by("story__title", "pk")
        )
        by_follower = defaultdict(list)
        for follow in follows:
            if follow.sent_version < follow.story.published_version:
                by_follower[follow.follower_id].append(follow)
        digests = []
        for follower in followers:
            own = by_follower.get(follower.pk, [])
            per_story = defaultdict(list)
            for follow in own:
                per_story[follow.story_id].append(follow)
            sections, covered = [], []
            for story_follows in per_story.values():
                story = story_follows[0].story
                since = min(follow.sent_version for follow in story_follows)
                until = story.published_version
                people = (
                    None
                    if any(follow.stakeholder_id is None for follow in story_follows)
                    else frozenset(follow.stakeholder_id for follow in story_follows)
                )
                part = section(self.story_news(story, since, until), people)
                if part.count:
                    sections.append((story, part))
                covered += [(follow, until) for follow in story_follows]
            digests.append(Digest(follower, covered, sections))
        return digests

    def story_news(self, story, since, until):
        key = (story.pk, since, until)
        if key not in self.news:
            self.news[key] = news(story, since, until)
        return self.news[key]

    def mark(self, digests):
        """Move each sent follow on to the version its digest covered (in the batch's
        transaction), and note when each address was last sent something."""
        by_version = defaultdict(list)
        for digest in digests:
            for follow, until in digest:
                by_version[until].append(follow.pk)
        for until, pks in by_version.items():
            Follow.objects.filter(pk__in=pks).update(sent_version=until)
        emailed = [digest.follower.pk for digest in digests if digest.count]
        if emailed:
            Follower.objects.filter(pk__in=emailed).update(last_sent_at=timezone.now())
        self.sent += len(emailed)
        self.skipped += len(digests) - len(emailed)
