"""
Followers in the admin. Editors see how many readers follow each story and person, never
who: the addresses are readers' personal data, shown to administrators only (who may need
them to answer a reader's request or delete an address by hand).
"""

from django.contrib import admin
from django.db.models import Count, Q
from django.template.response import TemplateResponse

from .models import Follow, Follower


class FollowInline(admin.TabularInline):
    model = Follow
    extra = 0
    fields = ["story", "stakeholder", "requested_at", "confirmed_at", "sent_version"]
    readonly_fields = fields
    can_delete = True


@admin.register(Follower)
class FollowerAdmin(admin.ModelAdmin):
    """Administrators only: the addresses themselves."""

    list_display = ["email", "created_at", "last_sent_at"]
    search_fields = ["email"]
    readonly_fields = ["email", "created_at", "last_sent_at"]
    inlines = [FollowInline]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False  # an address only ever comes from its owner, through the sign-up form

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    """Counts of followers per story and person; administrators also get the list."""

    list_display = ["follower", "story", "stakeholder", "confirmed_at", "sent_version"]
    list_filter = ["story"]
    list_select_related = ["follower", "story", "stakeholder"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        if obj is not None:
            return request.user.is_active and request.user.is_superuser
        return super().has_view_permission(request, obj)

    def changelist_view(self, request, extra_context=None):
        if request.user.is_superuser:
            return super().changelist_view(request, extra_context)
        if not self.has_view_permission(request):
            return super().changelist_view(request, extra_context)  # refuses as usual
        counts = (
            Follow.objects.values("story__title", "stakeholder__name")
            .annotate(
                confirmed=Count("pk", filter=Q(confirmed_at__isnull=False)),
                pending=Count("pk", filter=Q(confirmed_at__isnull=True)),
            )
            .order_by("story__title", "stakeholder__name")
        )
        context = {
            **self.admin_site.each_context(request),
            "title": "Followers",
            "opts": self.opts,
            "counts": counts,
            "addresses": Follower.objects.count(),
        }
        return TemplateResponse(request, "admin/alerts/follow/counts.html", context)
