"""
The editors' admin.

Every editorial model keeps its history (django-simple-history: list, diff, restore), refuses
lost updates and normalises dates (stories.forms.EditorialForm). Publishable items are
published and unpublished one by one or in bulk, stamped with who and when; items that were
ever published can only be deleted by administrators. Statements and figures can be imported
from CSV.
"""

import datetime
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import router, transaction
from django.http import Http404, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from import_export.admin import ImportMixin
from import_export.formats.base_formats import CSV
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .dates import PreciseDate, Precision
from .forms import EditorialForm, SourceForm, StatementForm
from .imports import CSVImportForm, DataPointResource, StatementResource
from .models import (
    DataPoint,
    NegotiationEvent,
    Order,
    Part,
    Pledge,
    PledgeUpdate,
    Role,
    Series,
    Source,
    Stakeholder,
    Statement,
    Story,
)
from .roles import may_delete_published


class EditorialAdmin(SimpleHistoryAdmin):
    """History, lost-update refusal and date normalisation for every editorial model."""

    form = EditorialForm
    object_history_list_template = "admin/stories/object_history_list.html"

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if getattr(request, "restoring_version", False):
            form = type(form.__name__, (form,), {"reverting": True})
        return form

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # Restoring an earlier version is an editorial save like any other: one transaction,
        # in which the form locks the row to check nobody saved over it meanwhile.
        request.restoring_version = True
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().history_form_view(request, object_id, version_id, extra_context)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        # As simple-history does, but without the bookkeeping every save changes, so the diff
        # shows only what the editor changed.
        previous = None
        for current in historical_records:
            if previous is not None:
                delta = previous.diff_against(
                    current,
                    excluded_fields=["version", "updated_at"],
                    foreign_keys_are_objs=foreign_keys_are_objs,
                )
                helper = self.get_historical_record_context_helper(request, previous)
                previous.history_delta_changes = helper.context_for_delta_changes(delta)
            previous = current

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.normalised_dates:
            self.message_user(
                request,
                "Stored as the start of its period: " + "; ".join(form.normalised_dates) + ".",
                messages.INFO,
            )


class PublishableAdmin(EditorialAdmin):
    """Publishing stamps who and when; taking an item back to draft removes it from the site."""

    readonly_fields = [
        "published_at",
        "first_published_at",
        "published_by",
        "created_at",
        "updated_at",
    ]
    actions = ["publish", "unpublish"]

    def save_model(self, request, obj, form, change):
        obj.publisher = request.user  # stamped as the publisher if this save publishes it
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        # Rows edited inline (EditorialInline) are stamped the same way as the page's own item.
        for inline_form in formset.forms:
            inline_form.instance.publisher = request.user
        super().save_formset(request, form, formset, change)

    @admin.action(description="Publish the selected items", permissions=["change"])
    def publish(self, request, queryset):
        count = services.publish(queryset, request.user)
        self.message_user(request, f"Published {count} item(s).", messages.SUCCESS)

    @admin.action(
        description="Unpublish the selected items (back to draft)", permissions=["change"]
    )
    def unpublish(self, request, queryset):
        """Published items need a public note first: this asks for it, then unpublishes."""
        published = queryset.filter(status="published")
        form = WithdrawalForm(request.POST if "confirm" in request.POST else None)
        if published.exists() and not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "title": "Unpublish: say why",
                "opts": self.opts,
                "form": form,
                "items": published,
                "queryset": queryset,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            status = 400 if form.is_bound else 200
            return TemplateResponse(request, "admin/stories/unpublish.html", context, status=status)
        note = form.cleaned_data["note"] if form.is_bound else ""
        count = services.unpublish(queryset, request.user, note=note)
        self.message_user(
            request, f"Unpublished {count} item(s): readers no longer see them.", messages.SUCCESS
        )

    # An item readers have seen stays accountable: unpublishing it does not make it deletable.
    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.was_ever_published and not may_delete_published(request.user):
            return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if not may_delete_published(request.user) and any(item.was_ever_published for item in objs):
            perms_needed.add(
                f"published {self.opts.verbose_name_plural} (only an administrator may delete them)"
            )
        return deleted, counts, perms_needed, protected


class WithdrawalForm(forms.Form):
    note = forms.CharField(
        label="Why are they withdrawn?",
        max_length=300,
        strip=True,
        help_text="Shown to readers in each story's correction log, e.g. “Quote attributed to "
        "the wrong person.”",
        error_messages={"required": "Say why: readers see this note in the correction log."},
    )


class CSVImportAdmin(ImportMixin):
    """CSV import with a dry-run preview; all rows or none; bad files get form errors (400)."""

    import_form_class = CSVImportForm
    import_formats = [CSV]
    import_template_name = "admin/stories/import.html"

    def get_import_context_data(self, **kwargs):
        resource = self.resource_classes[0]
        return {
            **super().get_import_context_data(**kwargs),
            "required_columns": resource.required_columns,
            "optional_columns": [
                name for name in resource.allowed_columns() if name not in resource.required_columns
            ],
        }

    def has_import_permission(self, request):
        return self.has_add_permission(request)

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        # One bad row means nothing is written, also when confirming after the preview.
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        form = getattr(response, "context_data", {}).get("form")
        if request.method == "POST" and form is not None and form.errors:
            response.status_code = 400
        return response


class KeyMomentFilter(admin.SimpleListFilter):
    title = "key moment"
    parameter_name = "key"

    def lookups(self, request, model_admin):
        return [("yes", "Key moments"), ("no", "Not key moments")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(key_moment="")
        if self.value() == "no":
            return queryset.filter(key_moment="")
        return queryset


class EditorialInline:
    """
    Rows edited on their parent's page (a story's who's who, a series' figures, a pledge's
    status changes). One is deleted from its own page, where the published-item check runs
    (PublishableAdmin.has_delete_permission), never from the parent's.
    """

    form = EditorialForm

    def has_delete_permission(self, request, obj=None):
        return False


class PartInline(EditorialInline, admin.TabularInline):
    """The story's who's who: each stakeholder's group and part in this story."""

    model = Part
    extra = 1
    autocomplete_fields = ["stakeholder"]
    fields = ["stakeholder", "group", "part", "position", "status", "loaded_version"]


@admin.register(Story)
class StoryAdmin(PublishableAdmin):
    list_display = ["title", "status", "summary_as_of", "started_on", "updated_at"]
    list_filter = ["status"]
    search_fields = ["title", "standfirst", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [PartInline]


@admin.register(Stakeholder)
class StakeholderAdmin(EditorialAdmin):
    list_display = ["name", "kind", "role", "organisation", "area"]
    list_filter = ["kind"]
    search_fields = ["name", "role", "organisation", "area"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Source)
class SourceAdmin(EditorialAdmin):
    form = SourceForm
    fields = [
        "url",
        "publication",
        "headline",
        "published_on",
        "published_on_precision",
        "loaded_version",
    ]
    list_display = ["publication", "headline", "published_on", "url"]
    list_filter = ["publication"]
    search_fields = ["publication", "headline", "url"]
    date_hierarchy = "published_on"


@admin.register(Statement)
class StatementAdmin(CSVImportAdmin, PublishableAdmin):
    form = StatementForm
    resource_classes = [StatementResource]
    change_form_template = "admin/stories/statement/change_form.html"
    fields = [
        "story",
        "speaker",
        "speaker_role",
        "quote",
        "context",
        ("said_on", "said_on_precision", "said_on_end"),
        "method",
        "source",
        "event",
        "key_moment",
        "status",
        "correction_note",
        "loaded_version",
        "corrected_at",
        "published_at",
        "first_published_at",
        "published_by",
        "created_at",
        "updated_at",
    ]
    readonly_fields = [*PublishableAdmin.readonly_fields, "corrected_at"]
    list_display = ["speaker", "speaker_role", "said_on", "method", "story", "status"]
    list_filter = ["status", "story", "method", KeyMomentFilter]
    search_fields = ["quote", "context", "speaker__name", "speaker_role"]
    autocomplete_fields = ["story", "speaker", "source", "event"]
    date_hierarchy = "said_on"
    list_select_related = ["speaker", "story"]

    class Media:
        js = ["admin/js/jquery.init.js", "js/editorial.js"]

    def get_urls(self):
        return [
            path(
                "speaker-role/",
                self.admin_site.admin_view(self.speaker_role_view),
                name="stories_statement_speaker_role",
            ),
            path(
                "<path:object_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="stories_statement_preview",
            ),
            *super().get_urls(),
        ]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is None:
            # A new statement has nothing to correct and no publication stamps yet.
            stamps = {"correction_note", "corrected_at", *PublishableAdmin.readonly_fields}
            return [name for name in fields if name not in stamps]
        return fields

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "speaker_role" in form.base_fields:
            form.base_fields["speaker_role"].widget.attrs["data-speaker-role-url"] = reverse(
                "admin:stories_statement_speaker_role", current_app=self.admin_site.name
            )
        return form

    def speaker_role_view(self, request):
        """
        The role the form offers as the speaker's role at the time: with `on` (the date said,
        YYYY-MM-DD), the published role they held that day if their roles say; else their
        current role.
        """
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        try:
            speaker_id = int(request.GET.get("speaker", ""))
        except ValueError:
            return JsonResponse({"error": "Give a stakeholder's id as ?speaker=."}, status=400)
        speaker = Stakeholder.objects.filter(pk=speaker_id).first()
        if speaker is None:
            return JsonResponse({"error": "No such stakeholder."}, status=404)
        try:
            on = datetime.date.fromisoformat(request.GET["on"]) if request.GET.get("on") else None
        except ValueError:
            return JsonResponse({"error": "Give the date as ?on=YYYY-MM-DD."}, status=400)
        if on is not None:
            held = Role.objects.held_at(speaker, PreciseDate(on, Precision.DAY))
            if held:
                return JsonResponse({"role": held[-1].title, "held_on": on.isoformat()})
        return JsonResponse({"role": speaker.role})

    def preview_view(self, request, object_id):
        """The statement exactly as readers will see it, drafts included."""
        statement = self.get_object(request, unquote(object_id))
        if statement is None:
            raise Http404("No such statement.")
        if not self.has_view_or_change_permission(request, statement):
            raise PermissionDenied
        context = {
            "item": statement,
            "story": statement.story,
            "change_url": reverse(
                "admin:stories_statement_change",
                args=[statement.pk],
                current_app=self.admin_site.name,
            ),
        }
        return TemplateResponse(request, "admin/stories/statement/preview.html", context)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("speaker", "source", "event", "story")

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        if "_addanother" in request.POST and IS_POPUP_VAR not in request.POST:
            # The next statement usually comes from the same article: keep story, source, date.
            kept = {
                "story": obj.story_id,
                "source": obj.source_id,
                "said_on": obj.said_on.isoformat(),
                "said_on_precision": obj.said_on_precision,
            }
            if obj.said_on_end:
                kept["said_on_end"] = obj.said_on_end.isoformat()
            separator = "&" if "?" in response["Location"] else "?"
            response["Location"] += separator + urlencode(kept)
        return response


@admin.register(NegotiationEvent)
class NegotiationEventAdmin(PublishableAdmin):
    list_display = ["title", "kind", "happened_on", "story", "key_moment", "status"]
    list_filter = ["status", "story", "kind", KeyMomentFilter]
    search_fields = ["title", "description", "place"]
    autocomplete_fields = ["story", "participants", "source"]
    date_hierarchy = "happened_on"
    list_select_related = ["story"]


class DataPointInline(EditorialInline, admin.TabularInline):
    model = DataPoint
    extra = 1
    autocomplete_fields = ["source"]
    fields = [
        "as_of",
        "as_of_precision",
        "as_of_end",
        "value",
        "low",
        "high",
        "qualifier",
        "source",
        "note",
        "status",
        "correction_note",
        "loaded_version",
    ]


@admin.register(Series)
class SeriesAdmin(PublishableAdmin):
    list_display = ["name", "unit", "story", "position", "status"]
    list_filter = ["status", "story"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["story"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [DataPointInline]


@admin.register(DataPoint)
class DataPointAdmin(CSVImportAdmin, PublishableAdmin):
    resource_classes = [DataPointResource]
    readonly_fields = [*PublishableAdmin.readonly_fields, "corrected_at"]
    list_display = ["series", "as_of", "value", "qualifier", "status", "corrected_at"]
    list_filter = ["status", "series__story", "series", "qualifier"]
    search_fields = ["series__name", "note"]
    autocomplete_fields = ["series", "source"]
    list_select_related = ["series"]


@admin.register(Order)
class OrderAdmin(PublishableAdmin):
    """
    Orders as the reporting gives them: a new order is a row; what happens to it later (an
    option taken up, reduced or lapsed, an update, another source's differing account) is a
    row of its own that names the order it changes, so its history is never overwritten.
    """

    fields = [
        "story",
        "development",
        "changes",
        "customer",
        ("trains", "cars"),
        ("value", "value_qualifier"),
        "commitment",
        "condition",
        "delivery",
        ("announced_on", "announced_on_precision", "announced_on_end"),
        "source",
        "note",
        "status",
        "correction_note",
        "loaded_version",
        "corrected_at",
        "published_at",
        "published_by",
        "created_at",
        "updated_at",
    ]
    readonly_fields = [*PublishableAdmin.readonly_fields, "corrected_at"]
    list_display = [
        "customer",
        "development",
        "trains",
        "commitment",
        "value",
        "announced_on",
        "story",
        "status",
    ]
    list_filter = ["status", "story", "development", "commitment"]
    search_fields = ["customer", "condition", "note", "source__publication"]
    autocomplete_fields = ["story", "changes", "source"]
    date_hierarchy = "announced_on"
    list_select_related = ["story"]

    def get_search_results(self, request, queryset, search_term):
        # The "order it changes" picker offers orders themselves, not their developments.
        queryset, duplicates = super().get_search_results(request, queryset, search_term)
        if request.GET.get("field_name") == "changes":
            queryset = queryset.filter(development=Order.Development.NEW)
        return queryset, duplicates


@admin.register(Role)
class RoleAdmin(PublishableAdmin):
    """A person's or organisation's roles over time, each with the source that dates it."""

    fields = [
        "stakeholder",
        "title",
        "organisation",
        ("started_on", "started_on_precision"),
        ("ended_on", "ended_on_precision"),
        "source",
        "note",
        "status",
        "loaded_version",
        "published_at",
        "published_by",
        "created_at",
        "updated_at",
    ]
    list_display = ["stakeholder", "title", "started_on", "ended_on", "status"]
    list_filter = ["status"]
    search_fields = ["stakeholder__name", "title", "organisation"]
    autocomplete_fields = ["stakeholder", "source"]
    list_select_related = ["stakeholder"]


class PledgeUpdateInline(EditorialInline, admin.StackedInline):
    """A pledge's status changes, each dated and sourced, oldest first."""

    model = PledgeUpdate
    extra = 1
    autocomplete_fields = ["claimed_by", "source"]
    fields = [
        "verdict",
        "claimed_by",
        ("as_of", "as_of_precision", "as_of_end"),
        "evidence",
        "words",
        "source",
        "status",
        "correction_note",
        "loaded_version",
    ]


@admin.register(Pledge)
class PledgeAdmin(PublishableAdmin):
    """
    Pledges and their status changes. A status is a judgement: each change gives its date,
    source and evidence, and when the source is someone's own account it names whose claim
    it is, so readers never take a pledger's word for the newsroom's.
    """

    fields = [
        "story",
        "kind",
        "pledger",
        "pledger_role",
        "promise",
        "words",
        "context",
        ("made_on", "made_on_precision", "made_on_end"),
        "source",
        "status",
        "correction_note",
        "loaded_version",
        "corrected_at",
        "published_at",
        "first_published_at",
        "published_by",
        "created_at",
        "updated_at",
    ]
    readonly_fields = [*PublishableAdmin.readonly_fields, "corrected_at"]
    list_display = ["pledger", "promise", "kind", "made_on", "story", "status"]
    list_filter = ["status", "story", "kind"]
    search_fields = ["promise", "words", "context", "pledger__name"]
    autocomplete_fields = ["story", "pledger", "source"]
    date_hierarchy = "made_on"
    list_select_related = ["pledger", "story"]
    inlines = [PledgeUpdateInline]


@admin.register(PledgeUpdate)
class PledgeUpdateAdmin(PublishableAdmin):
    fields = [
        "pledge",
        "verdict",
        "claimed_by",
        ("as_of", "as_of_precision", "as_of_end"),
        "evidence",
        "words",
        "source",
        "status",
        "correction_note",
        "loaded_version",
        "corrected_at",
        "published_at",
        "first_published_at",
        "published_by",
        "created_at",
        "updated_at",
    ]
    readonly_fields = [*PublishableAdmin.readonly_fields, "corrected_at"]
    list_display = ["pledge", "verdict", "claimed_by", "as_of", "status"]
    list_filter = ["status", "verdict", "pledge__story"]
    search_fields = ["evidence", "words", "pledge__promise", "pledge__pledger__name"]
    autocomplete_fields = ["pledge", "claimed_by", "source"]
    date_hierarchy = "as_of"
    list_select_related = ["pledge__pledger", "claimed_by"]


@admin.register(Part)
class PartAdmin(PublishableAdmin):
    """Who's who: a stakeholder's group and part in one story (stakeholders are shared)."""

    fields = [
        "story",
        "stakeholder",
        "group",
        "part",
        "position",
        "status",
        "loaded_version",
        "published_at",
        "first_published_at",
        "published_by",
        "created_at",
        "updated_at",
    ]
    list_display = ["stakeholder", "group", "part", "story", "status"]
    list_filter = ["status", "story", "group"]
    search_fields = ["stakeholder__name", "part"]
    autocomplete_fields = ["story", "stakeholder"]
    list_select_related = ["stakeholder", "story"]
