"""
What readers of a story can see differently between two of its published versions.

Every change readers can see moves the story's version and writes a line to its change log
(Story.log_changes, models.Change), in the writer's own transaction. An open page knows the
version it shows; the live poll asks for the difference from that version to the current one,
and `difference` answers it from the log: the same answer for every reader who holds that
version with the same filters, so it can be shared. A returning reader's browser asks the
same question with the version it saw last ("since your last visit").
"""

from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import Q

from .models import Change, Pledge, PledgeUpdate
from .timeline import sort_key

# A page further behind than this many log lines reloads its timeline instead of patching it.
MOST_CHANGES = 200

ITEM_SUBJECTS = {Change.Subject.STATEMENT, Change.Subject.EVENT}
FIGURE_SUBJECTS = {Change.Subject.SERIES, Change.Subject.POINT, Change.Subject.ORDER}
PLEDGE_SUBJECTS = {Change.Subject.PLEDGE, Change.Subject.PLEDGE_UPDATE}


class Mark(NamedTuple):
    """An item a returning reader has not seen as it is now: its element id on a page, the
    address that shows it wherever it is, and what happened to it ("new", "corrected" or, for
    a pledge, "status")."""

    element_id: str
    url: str
    what: str


@dataclass
class Difference:
    """From one version to another, for one reader's filtered timeline."""

    new: list = field(default_factory=list)  # published since, matching the filters
    changed: list = field(default_factory=list)  # shown before and still shown, but different
    corrected: list = field(default_factory=list)  # of `changed`: corrected with a public note
    withdrawn: list = field(default_factory=list)  # (subject, id) of items no longer shown
    pledges: list = field(default_factory=list)  # (pledge, "new"|"corrected"|"status")
    figures_changed: bool = False
    story_changed: bool = False  # the story itself: its title, standfirst or summary
    pledges_changed: bool = False  # a pledge or status change published, changed or withdrawn
    too_many: bool = False  # too far behind to patch: reload the timeline

    @property
    def withdrawn_element_ids(self):
        return [f"{subject}-{object_id}" for subject, object_id in self.withdrawn]

    @property
    def marks(self):
        """
        What a returning reader is shown as new or corrected since their version: timeline
        items newest first, then pledges with something new, each as a Mark.
        """
        corrected = {(item.timeline_kind, item.pk) for item in self.corrected}
        items = sorted([*self.new, *self.corrected], key=sort_key, reverse=True)
        return [
            Mark(
                item.dom_id,
                item.get_timeline_url(),
                "corrected" if (item.timeline_kind, item.pk) in corrected else "new",
            )
            for item in items
        ] + [Mark(pledge.dom_id, pledge.get_absolute_url(), what) for pledge, what in self.pledges]

    @property
    def key_moments_changed(self):
        """Whether the story's key moments may read differently now."""
        return bool(self.changed or self.withdrawn) or any(item.key_moment for item in self.new)


@dataclass
class Log:
    """The change log after a version, as the difference needs it."""

    first: dict  # (subject, id) -> the first thing that happened to it after the version
    corrected: set  # (subject, id) of items corrected with a public note after the version
    too_many: bool  # the log had more lines than MOST_CHANGES

    def ids(self, subject):
        return {object_id for (kind, object_id) in self.first if kind == subject}

    def names(self, subjects):
        return any(kind in subjects for kind, _ in self.first)


def log_since(story, version):
    """The story's change log after `version`, read once (MOST_CHANGES lines at most)."""
    lines = list(
        Change.objects.since(story, version).values_list("subject", "object_id", "action", "note")[
            : MOST_CHANGES + 1
        ]
    )
    first, corrected = {}, set()
    for subject, object_id, action, note in lines[:MOST_CHANGES]:
        first.setdefault((subject, object_id), action)
        if action == Change.Action.CHANGED and note:
            corrected.add((subject, object_id))
    return Log(first, corrected, len(lines) > MOST_CHANGES)


def difference(story, version, statements, events):
    """
    What a reader at `version` sees differently now, in the timeline narrowed to `statements`
    and `events` (the reader's filtered querysets of published items), and in the story's
    pledges.

    An item counts as new when it was not published at `version`; as changed when it was and
    still is (as corrected when a change carried a public note); as withdrawn when the log
    names it and it is not in the reader's timeline now. Items whose person, source or event
    changed count as changed too. Only items the log names can be withdrawn, and the log only
    names items that readers have seen, so no draft is ever named.
    """
    log = log_since(story, version)
    if log.too_many:
        return Difference(
            figures_changed=True, story_changed=True, pledges_changed=True, too_many=True
        )

    statement_ids, event_ids = log.ids(Change.Subject.STATEMENT), log.ids(Change.Subject.EVENT)
    people, sources = log.ids(Change.Subject.STAKEHOLDER), log.ids(Change.Subject.SOURCE)
    shown_statements = list(
        statements.filter(
            Q(pk__in=statement_ids)
            | Q(event_id__in=event_ids)
            | Q(speaker_id__in=people)
            | Q(source_id__in=sources)
        )[:MOST_CHANGES]
    )
    shown_events = list(
        events.filter(
            Q(pk__in=event_ids) | Q(participants__in=people) | Q(source_id__in=sources)
        ).distinct()[:MOST_CHANGES]
    )
    result = Difference(
        figures_changed=log.names(FIGURE_SUBJECTS),
        story_changed=log.names({Change.Subject.STORY}),
        pledges_changed=log.names(PLEDGE_SUBJECTS),
    )
    shown = set()
    for subject, items in (
        (Change.Subject.STATEMENT, shown_statements),
        (Change.Subject.EVENT, shown_events),
    ):
        for item in items:
            shown.add((subject, item.pk))
            if log.first.get((subject, item.pk)) == Change.Action.ADDED:
                result.new.append(item)
            else:
                result.changed.append(item)
                if (subject, item.pk) in log.corrected:
                    result.corrected.append(item)
    result.withdrawn = sorted(
        (subject, object_id)
        for (subject, object_id) in log.first
        if subject in ITEM_SUBJECTS and (subject, object_id) not in shown
    )
    if result.pledges_changed:
        result.pledges = pledges_changed(story, log)
    return result


def pledges_changed(story, log):
    """
    (pledge, what) for the story's published pledges with something a returning reader has
    not seen: "new" (published since), "status" (a status change published since) or
    "corrected" (it, or one of its status changes, corrected with a public note). Oldest first.
    """
    pledge_ids, update_ids = log.ids(Change.Subject.PLEDGE), log.ids(Change.Subject.PLEDGE_UPDATE)
    updates = {
        pk: pledge_id
        for pk, pledge_id in PledgeUpdate.objects.published()
        .filter(pledge__story=story, pk__in=update_ids)
        .values_list("pk", "pledge_id")
    }
    found = []
    pledges = Pledge.objects.published().filter(
        story=story, pk__in=pledge_ids | set(updates.values())
    )
    for pledge in pledges.select_related("story").order_by("made_on", "pk"):
        own = log.first.get((Change.Subject.PLEDGE, pledge.pk))
        its_updates = [pk for pk, pledge_id in updates.items() if pledge_id == pledge.pk]
        if own == Change.Action.ADDED:
            found.append((pledge, "new"))
        elif any(
            log.first.get((Change.Subject.PLEDGE_UPDATE, pk)) == Change.Action.ADDED
            for pk in its_updates
        ):
            found.append((pledge, "status"))
        elif (Change.Subject.PLEDGE, pledge.pk) in log.corrected or any(
            (Change.Subject.PLEDGE_UPDATE, pk) in log.corrected for pk in its_updates
        ):
            found.append((pledge, "corrected"))
    return found
