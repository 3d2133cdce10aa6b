"""
Bulk import of statements and figures from CSV (django-import-export).

Rows refer to what already exists by readable keys: a story and a stakeholder by slug, a
source by its URL, a series by its slug within the row's story. Imported rows are always new
drafts: an import never overwrites or publishes anything. Each row is checked with the model's
own validation (full_clean), and the admin imports all rows or none.
"""

import csv
import io

from django import forms
from import_export import fields, resources, widgets
from import_export.forms import ImportForm

from .models import DataPoint, Series, Source, Stakeholder, Statement, Story


class LookupWidget(widgets.ForeignKeyWidget):
    """A foreign key by a readable key, with a message that says what was not found."""

    def __init__(self, model, field, label):
        super().__init__(model, field)
        self.label = label

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(f"No {self.label} “{value}” exists.") from None
        except self.model.MultipleObjectsReturned:
            raise ValueError(f"More than one {self.label} matches “{value}”.") from None


class SeriesWidget(LookupWidget):
    """A series by its slug, looked up within the row's story."""

    def get_queryset(self, value, row, *args, **kwargs):
        return Series.objects.filter(story__slug=(row or {}).get("story", ""))


class IsoDateWidget(widgets.DateWidget):
    def __init__(self):
        super().__init__(format="%Y-%m-%d")

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except ValueError:
            message = f"Write the date as YYYY-MM-DD, e.g. 2024-09-27, not “{value}”."
            raise ValueError(message) from None


def date_field(name):
    return fields.Field(attribute=name, column_name=name, widget=IsoDateWidget())


class DraftsOnlyResource(resources.ModelResource):
    required_columns = ()

    def get_instance(self, instance_loader, row):
        # Never look up an existing row to update: every imported row is a new draft.
        return None

    @classmethod
    def allowed_columns(cls):
        """The columns a file may have, in the order the model lists them."""
        return [field.column_name for field in cls().get_import_fields()]


class StatementResource(DraftsOnlyResource):
    story = fields.Field("story", "story", LookupWidget(Story, "slug", "story with the slug"))
    speaker = fields.Field(
        "speaker", "speaker", LookupWidget(Stakeholder, "slug", "stakeholder with the slug")
    )
    source = fields.Field("source", "source", LookupWidget(Source, "url", "source with the URL"))
    said_on = date_field("said_on")
    said_on_end = date_field("said_on_end")

    required_columns = ("story", "speaker", "quote", "said_on", "said_on_precision", "method")
    required_columns += ("source",)

    class Meta:
        model = Statement
        fields = (
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
        )
        clean_model_instances = True
        skip_unchanged = False


class DataPointResource(DraftsOnlyResource):
    story = fields.Field(column_name="story", readonly=True)
    series = fields.Field(
        "series", "series", SeriesWidget(Series, "slug", "series (in this story) with the slug")
    )
    source = fields.Field("source", "source", LookupWidget(Source, "url", "source with the URL"))
    as_of = date_field("as_of")
    as_of_end = date_field("as_of_end")

    required_columns = ("story", "series", "as_of", "as_of_precision", "value", "source")

    class Meta:
        model = DataPoint
        fields = (
            "story",
            "series",
            "as_of",
            "as_of_precision",
            "as_of_end",
            "value",
            "low",
            "high",
            "qualifier",
            "source",
            "note",
        )
        clean_model_instances = True
        skip_unchanged = False


class CSVImportForm(ImportForm):
    """
    Checks the file before import-export reads it: UTF-8 text, and exactly the columns the
    resource knows, so a wrong file gets a plain answer instead of a row-by-row puzzle.
    """

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.resource_class = resources[0]

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        resource = self.resource_class
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                "This file is not UTF-8 text. Save it as “CSV UTF-8 (comma delimited)” "
                "and upload it again.",
                code="encoding",
            ) from None
        finally:
            upload.seek(0)
        header = next(csv.reader(io.StringIO(text)), [])
        columns = [column.strip() for column in header]
        missing = [name for name in resource.required_columns if name not in columns]
        unknown = [name for name in columns if name not in resource.allowed_columns()]
        problems = []
        if missing:
            problems.append(f"missing columns: {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown columns: {', '.join(unknown)}")
        if problems:
            raise forms.ValidationError(
                f"The first line of the file must name the columns ({'; '.join(problems)}). "
                f"Expected columns: {', '.join(resource.allowed_columns())}.",
                code="columns",
            )
        return upload
