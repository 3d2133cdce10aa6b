"""
The editors' forms, used by the admin.

EditorialForm carries the rules every editorial save follows:
- dates are moved to the first day of their period (the editor is told);
- no lost updates: the form sends back the version it was loaded with, and the save is
  refused when the row has moved on since (checked on the locked row, inside the save's
  transaction);
- corrections: changing what readers see of a published statement or figure needs a short
  public note, and stamps the correction's date.
"""

import copy
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.forms.models import construct_instance
from django.utils import timezone

from .dates import PreciseDate, start_of_period
from .models import Correctable, Source, Statement, Status


class EditorialForm(forms.ModelForm):
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    # Set on the form class the admin builds to restore an earlier version: the form then holds
    # old values but must be checked against the row as it is now.
    reverting = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.was_published = bool(self.instance.pk) and (
            getattr(self.instance, "status", None) == Status.PUBLISHED
        )
        self.is_correction = False
        self.normalised_dates = []
        if self.instance.pk:
            version = self.instance.version
            if self.reverting:
                version = self.current_rows().values_list("version", flat=True).first() or version
            self.fields["loaded_version"].initial = version

    def current_rows(self):
        return type(self.instance)._default_manager.filter(pk=self.instance.pk)

    def clean(self):
        cleaned_data = super().clean()
        self.normalise_dates(cleaned_data)
        if self.instance.pk:
            current = self.current_rows().select_for_update().first()
            if current is None:
                raise ValidationError(
                    "Someone else deleted this item while you were editing it. "
                    "Copy what you need from this page before leaving it.",
                    code="deleted",
                )
            self.refuse_lost_update(current, cleaned_data)
            # The row is locked until the transaction ends: saving raises this version by one.
            self.instance.version = current.version
            self.was_published = getattr(current, "status", None) == Status.PUBLISHED
            if isinstance(current, Correctable):
                # The row as this save would leave it, to compare with what readers see now.
                proposed = construct_instance(
                    self, copy.copy(current), self._meta.fields, self._meta.exclude
                )
                self.check_correction(current, proposed)
                self.check_withdrawal(current, cleaned_data)
        return cleaned_data

    def normalise_dates(self, cleaned_data):
        for date_field, precision_field in getattr(self._meta.model, "precise_dates", ()):
            date, precision = cleaned_data.get(date_field), cleaned_data.get(precision_field)
            if date is None or not precision:
                continue
            start = start_of_period(date, precision)
            if start != date:
                cleaned_data[date_field] = start
                label = self.fields[date_field].label
                self.normalised_dates.append(f"{label}: {PreciseDate(start, precision)}")

    def refuse_lost_update(self, current, cleaned_data):
        loaded = cleaned_data.get("loaded_version")
        if loaded == current.version:
            return
        differing = [
            str(self.fields[name].label) for name in self.changed_by_others(current, cleaned_data)
        ]
        # Load the saved version's number into the form, so that saving again, after merging
        # by hand, is a deliberate choice rather than an accident.
        self.data = self.data.copy()
        self.data[self.add_prefix("loaded_version")] = current.version
        message = (
            "Someone else saved this item while you were editing it, so your changes were "
            "not saved. Your input is kept below. "
        )
        if differing:
            message += f"The saved version differs from yours in: {', '.join(differing)}. "
        message += (
            "Open the item in another tab to see their version, merge the two here, "
            "then save again."
        )
        raise ValidationError(message, code="stale")

    def changed_by_others(self, current, cleaned_data):
        """The form's fields whose saved value differs from what this editor submitted."""
        for name in self.fields:
            try:
                field = self._meta.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if name not in cleaned_data or isinstance(field, models.ManyToManyField):
                continue
            if field_value(field, cleaned_data[name]) != getattr(current, field.attname):
                yield name

    def check_correction(self, current, proposed):
        """A published item changed where readers see it needs a public correction note."""
        if not self.was_published or proposed.status != Status.PUBLISHED:
            return
        if not current.differs_for_readers(proposed):
            return
        note = (proposed.correction_note or "").strip()
        if not note:
            self.add_error(
                "correction_note",
                "This item is published, so readers will see your change as a correction: "
                "say briefly what was corrected.",
            )
        elif current.is_corrected and note == current.correction_note.strip():
            self.add_error(
                "correction_note",
                "This note describes the previous correction: say what you corrected now.",
            )
        else:
            self.is_correction = True

    def check_withdrawal(self, current, cleaned_data):
        """Taking a published item off the site needs a public note saying why."""
        if not self.was_published or cleaned_data.get("status") != Status.DRAFT:
            return
        note = (cleaned_data.get("correction_note") or "").strip()
        if not note or note == current.correction_note.strip():
            self.add_error(
                "correction_note",
                "This item is published: taking it off the site is listed in the story's "
                "public correction log. Say briefly why it is withdrawn.",
            )
        else:
            self.instance.withdrawal_note = note

    def save(self, commit=True):
        if self.is_correction:
            self.instance.corrected_at = timezone.now()
        return super().save(commit)


def field_value(field, value):
    """A form's cleaned value as the model stores it (a related row becomes its key)."""
    if isinstance(field, models.ForeignKey):
        return value.pk if value is not None else None
    return value


class StatementForm(EditorialForm):
    class Meta:
        model = Statement
        fields = [
            "story",
            "speaker",
            "speaker_role",
            "quote",
            "context",
            "said_on",
            "said_on_precision",
            "said_on_end",
            "method",
            "source",
            "event",
            "key_moment",
            "status",
            "correction_note",
        ]
        labels = {
            "said_on": "When it was said",
            "said_on_precision": "Known to the",
            "said_on_end": "Period ends on",
        }
        help_texts = {
            "said_on": "A date in a week, month or year is stored as the first day of it.",
            "said_on_precision": "Day, week, month or year, as precisely as the source says; "
            "a period when the source only places it between two dates.",
            "said_on_end": "For a period only: the last day it may have been said.",
        }
        error_messages = {
            "speaker": {"required": "Choose who said it, or add them with the + button."},
            "quote": {"required": "Enter the quote: it cannot be empty."},
            "source": {"required": "Choose where it was said or reported, or add the source."},
        }


class SourceForm(EditorialForm):
    """A source can be made from its address alone: the publication defaults to its site."""

    class Meta:
        model = Source
        fields = ["url", "publication", "headline", "published_on", "published_on_precision"]
        error_messages = {"url": {"invalid": "Enter an http:// or https:// address."}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "publication" in self.fields:
            self.fields["publication"].required = False
            self.fields["publication"].help_text = "Leave empty to use the address's site name."

    def clean(self):
        cleaned_data = super().clean()
        if "publication" in self.fields and not cleaned_data.get("publication"):
            host = urlsplit(cleaned_data.get("url") or "").hostname or ""
            host = host.removeprefix("www.")
            if host:
                cleaned_data["publication"] = host
            elif "url" not in self.errors:
                self.add_error("publication", "Enter the publication, or the source's address.")
        return cleaned_data
