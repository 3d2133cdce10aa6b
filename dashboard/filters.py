"""
The timeline filters: a GET form, so a filtered view is a plain URL readers can share.

Bad values never fail the page: each invalid field is explained next to it and left out of
the filtering, and unknown people in an otherwise good selection are dropped with a note.
"""

import heapq
from functools import cached_property

from django import forms
from django.core.validators import slug_re
from django.db import connection
from django.http import QueryDict

from stories.models import NegotiationEvent
from stories.timeline import (
    Cursor,
    Filters,
    InvalidCursor,
    Page,
    filtered,
    newer_than,
    page,
    people_named_in,
)

STATEMENTS, EVENTS = "statements", "events"
BEST_MATCH = "relevance"
BEST_MATCHES_SHOWN = 50


class CursorField(forms.CharField):
    """A position in a timeline, as the "older items" links give it (stories.timeline.Cursor)."""

    default_error_messages = {
        "invalid": "This link to older items is not valid, so the timeline starts from the newest."
    }

    def __init__(self, **kwargs):
        super().__init__(required=False, widget=forms.HiddenInput, **kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        try:
            return Cursor.parse(text)
        except InvalidCursor:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class OlderItems(forms.Form):
    """The one parameter of a person's timeline: where its next page starts."""

    before = CursorField()


class PeopleField(forms.MultipleChoiceField):
    """Stakeholder slugs; unknown slugs are kept aside for the form to explain, not refused."""

    def valid_value(self, value):
        return True


class TimelineFilter(forms.Form):
    who = PeopleField(
        label="People and organisations", required=False, widget=forms.CheckboxSelectMultiple
    )
    kind = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[("", "Statements and events"), (STATEMENTS, "Statements"), (EVENTS, "Events")],
    )
    event_kind = forms.ChoiceField(
        label="Kind of event",
        required=False,
        choices=[("", "Any kind"), *NegotiationEvent.Kind.choices],
    )
    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        strip=True,
        widget=forms.SearchInput(attrs={"placeholder": "Words, \u201ca phrase\u201d, -not"}),
        help_text="Searches quotes, event titles and descriptions.",
    )
    order = forms.ChoiceField(
        label="Order",
        required=False,
        choices=[("", "Newest first"), (BEST_MATCH, "Best match first (when searching)")],
    )
    before = CursorField()

    def __init__(self, data, story, **kwargs):
        super().__init__(data, **kwargs)
        self.story = story
        # The whole list only when the form is shown: a timeline fragment never reads it.
        self.fields["who"].choices = lambda: self.people
        self.notes = []

    @cached_property
    def people(self):
        """(slug, name) of everyone the reader can choose, by name."""
        return people_named_in(self.story)

    def clean_who(self):
        slugs = self.cleaned_data["who"]
        if not slugs:
            return []
        # Only a slug can name anyone (and a NUL cannot even be sent to PostgreSQL).
        candidates = [slug for slug in slugs if slug_re.fullmatch(slug)]
        known = set(self.story.people.filter(slug__in=candidates).values_list("slug", flat=True))
        unknown = [slug for slug in slugs if slug not in known]
        if unknown:
            self.notes.append(
                "Nobody called “{}” has published statements or events in this story, "
                "so the filter leaves them out.".format("”, “".join(unknown))
            )
        return [slug for slug in slugs if slug in known]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            del cleaned["start"], cleaned["end"]
            self.add_error(None, "The end date is before the start date, so the dates are ignored.")
        return cleaned

    @cached_property
    def filters(self):
        """The valid filters, with anything invalid left out."""
        errors = self.errors  # validates the form, once
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in errors and value not in (None, "", [])
        }

    @property
    def chosen_people(self):
        """The slugs of the people the reader filters by: none when the filter is off."""
        return self.filters.get("who", [])

    @property
    def explanations(self):
        """What the reader should know about their filters: notes, then each invalid value."""
        errors = self.errors  # validating fills self.notes too
        explained = list(self.notes)
        for name, messages in errors.items():
            label = self.fields[name].label if name in self.fields else None
            for message in messages:
                explained.append(
                    f"{label}: {message} This filter is left out." if label else message
                )
        return explained

    @property
    def bad_cursor(self):
        return "before" in self.errors

    @property
    def is_filtered(self):
        return any(name not in ("before", "order") for name in self.filters)

    def querysets(self):
        """The story's published statements and events, narrowed by the valid filters."""
        filters = self.filters
        return filtered(
            self.story,
            Filters(
                who=tuple(filters.get("who", ())),
                kind={STATEMENTS: "statement", EVENTS: "event"}.get(filters.get("kind")),
                event_kinds=(filters["event_kind"],) if filters.get("event_kind") else (),
                start=filters.get("start"),
                end=filters.get("end"),
                q=filters.get("q", ""),
            ),
        )

    @property
    def by_relevance(self):
        """A search ordered by its rank: PostgreSQL only, since SQLite's fallback has no rank."""
        filters = self.filters
        return (
            filters.get("order") == BEST_MATCH
            and bool(filters.get("q"))
            and connection.vendor == "postgresql"
        )

    def best_matches(self):
        """The best-ranked matches of the search, statements and events together (one page)."""
        statements, events = self.querysets()

        def by_rank(queryset):
            return queryset.order_by("-rank", "-pk")[:BEST_MATCHES_SHOWN]

        merged = heapq.merge(
            by_rank(statements), by_rank(events), key=lambda item: item.rank, reverse=True
        )
        return Page(items=list(merged)[:BEST_MATCHES_SHOWN], by_relevance=True)

    def page(self, size=None):
        """One keyset page of the filtered timeline, starting after `before` when given."""
        if self.by_relevance:
            return self.best_matches()
        statements, events = self.querysets()
        kwargs = {"size": size} if size else {}
        return page(statements, events, after=self.filters.get("before"), **kwargs)

    def count_newer(self, top):
        """How many items in the filtered timeline come above `top`."""
        statements, events = newer_than(*self.querysets(), top)
        return statements.count() + events.count()

    def query_string(self, **changes):
        """This form's valid filters as a query string, with `changes` applied."""
        query = QueryDict(mutable=True)
        for name, value in {**self.filters, **changes}.items():
            if value in (None, "", []):
                continue
            if name == "who":
                query.setlist(name, value)
            elif hasattr(value, "isoformat"):
                query[name] = value.isoformat()
            else:
                query[name] = str(value)
        return query.urlencode()


# The query parameters the timeline reads; anything else in a URL changes nothing.
FILTER_NAMES = list(TimelineFilter.base_fields)
