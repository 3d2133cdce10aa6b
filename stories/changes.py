"""
What readers of a story can see differently between two of its published versions.

Every change readers can see moves the story's version and writes a line to its change log
(Story.log_changes, models.Change), in the writer's own transaction. An open page knows the
version it shows; the live poll asks for the difference from that version to the current one,
and `difference` answers it from the log: the same answer for every reader who holds that
version with the same filters, so it can be shared.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from .models import Change

# A page further behind than this many log lines reloads its timeline instead of patching it.
MOST_CHANGES = 200

ITEM_SUBJECTS = {Change.Subject.STATEMENT, Change.Subject.EVENT}
FIGURE_SUBJECTS = {Change.Subject.SERIES, Change.Subject.POINT, Change.Subject.ORDER}


@dataclass
class Difference:
    """From one version to another, for one reader's filtered timeline."""

    new: list = field(default_factory=list)  # published since, matching the filters
    changed: list = field(default_factory=list)  # shown before and still shown, but different
    withdrawn: list = field(default_factory=list)  # (subject, id) of items no longer shown
    figures_changed: bool = False
    too_many: bool = False  # too far behind to patch: reload the timeline

    @property
    def withdrawn_element_ids(self):
        return [f"{subject}-{object_id}" for subject, object_id in self.withdrawn]


def first_actions(story, version):
    """{(subject, id): the first thing that happened to it after `version`}, and whether the
    log had more lines than MOST_CHANGES."""
    lines = list(
        Change.objects.since(story, version).values_list("subject", "object_id", "action")[
            : MOST_CHANGES + 1
        ]
    )
    first = {}
    for subject, object_id, action in lines[:MOST_CHANGES]:
        first.setdefault((subject, object_id), action)
    return first, len(lines) > MOST_CHANGES


def difference(story, version, statements, events):
    """
    What a reader at `version` sees differently now, in the timeline narrowed to `statements`
    and `events` (the reader's filtered querysets of published items).

    An item counts as new when it was not published at `version`; as changed when it was and
    still is; as withdrawn when the log names it and it is not in the reader's timeline now.
    Items whose person, source or event changed count as changed too. Only items the log
    names can be withdrawn, and the log only names items that readers have seen, so no draft
    is ever named.
    """
    first, too_many = first_actions(story, version)
    if too_many:
        return Difference(figures_changed=True, too_many=True)

    def ids(subject):
        return {object_id for (kind, object_id) in first if kind == subject}

    statement_ids, event_ids = ids(Change.Subject.STATEMENT), ids(Change.Subject.EVENT)
    people, sources = ids(Change.Subject.STAKEHOLDER), ids(Change.Subject.SOURCE)
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
    result = Difference(figures_changed=any(kind in FIGURE_SUBJECTS for kind, _ in first))
    shown = set()
    for subject, items in (
        (Change.Subject.STATEMENT, shown_statements),
        (Change.Subject.EVENT, shown_events),
    ):
        for item in items:
            shown.add((subject, item.pk))
            if first.get((subject, item.pk)) == Change.Action.ADDED:
                result.new.append(item)
            else:
                result.changed.append(item)
    result.withdrawn = sorted(
        (subject, object_id)
        for (subject, object_id) in first
        if subject in ITEM_SUBJECTS and (subject, object_id) not in shown
    )
    return result
