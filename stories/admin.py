from django.contrib import admin
from django.utils import timezone

from .models import (
    DataPoint,
    NegotiationEvent,
    Series,
    Source,
    Stakeholder,
    Statement,
    Status,
    Story,
)


class PublishableAdmin(admin.ModelAdmin):
    """Stamps who published an item and when, the first time its status becomes published."""

    readonly_fields = ["published_at", "published_by", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        if obj.status == Status.PUBLISHED and obj.published_at is None:
            obj.published_at = timezone.now()
            obj.published_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Story)
class StoryAdmin(PublishableAdmin):
    list_display = ["title", "status", "started_on", "updated_at"]
    list_filter = ["status"]
    search_fields = ["title", "standfirst"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Stakeholder)
class StakeholderAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "role", "organisation", "area"]
    list_filter = ["kind"]
    search_fields = ["name", "role", "organisation", "area"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["publication", "headline", "published_on", "url"]
    list_filter = ["publication"]
    search_fields = ["publication", "headline", "url"]
    date_hierarchy = "published_on"


@admin.register(Statement)
class StatementAdmin(PublishableAdmin):
    list_display = ["speaker", "speaker_role", "said_on", "method", "story", "status"]
    list_filter = ["status", "story", "method"]
    search_fields = ["quote", "context", "speaker__name", "speaker_role"]
    autocomplete_fields = ["story", "speaker", "source", "event"]
    date_hierarchy = "said_on"
    list_select_related = ["speaker", "story"]


@admin.register(NegotiationEvent)
class NegotiationEventAdmin(PublishableAdmin):
    list_display = ["title", "kind", "happened_on", "story", "status"]
    list_filter = ["status", "story", "kind"]
    search_fields = ["title", "description", "place"]
    autocomplete_fields = ["story", "participants", "source"]
    date_hierarchy = "happened_on"
    list_select_related = ["story"]


class DataPointInline(admin.TabularInline):
    model = DataPoint
    extra = 1
    autocomplete_fields = ["source"]
    fields = [
        "as_of",
        "as_of_precision",
        "value",
        "low",
        "high",
        "qualifier",
        "source",
        "note",
        "status",
    ]


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "story", "position"]
    list_filter = ["story"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["story"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [DataPointInline]


@admin.register(DataPoint)
class DataPointAdmin(PublishableAdmin):
    list_display = ["series", "as_of", "value", "qualifier", "status"]
    list_filter = ["status", "series__story", "series", "qualifier"]
    search_fields = ["series__name", "note"]
    autocomplete_fields = ["series", "source"]
    list_select_related = ["series"]
