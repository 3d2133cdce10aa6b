from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.urls import path

from . import embeds, exports, feeds, health, oembed, views
from .api import api
from .caching import site_condition, story_condition
from .sitemaps import sitemaps

urlpatterns = [
    path("", views.story_list, name="story-list"),
    path("stories/<slug:slug>/", views.story, name="story"),
    path("stories/<slug:slug>/updates/", views.updates, name="story-updates"),
    path(
        "stories/<slug:slug>/people/<slug:stakeholder_slug>/",
        views.stakeholder,
        name="stakeholder",
    ),
    path("stories/<slug:slug>/statements/<int:pk>/", views.statement, name="statement"),
    path("stories/<slug:slug>/events/<int:pk>/", views.event, name="event"),
    path("healthz", health.healthz, name="healthz"),
    path(settings.ADMIN_PATH, admin.site.urls),
    # Open data (issue 6): feeds, API, exports, embeds, oEmbed, sitemap.
    path("stories/<slug:slug>/feed/", story_condition(feeds.StoryFeed()), name="story-feed"),
    path(
        "stories/<slug:slug>/people/<slug:stakeholder>/feed/",
        story_condition(feeds.StakeholderFeed()),
        name="stakeholder-feed",
    ),
    path(
        "stories/<slug:slug>/export/statements.csv",
        exports.statements_csv,
        name="export-statements",
    ),
    path("stories/<slug:slug>/export/events.csv", exports.events_csv, name="export-events"),
    path("stories/<slug:slug>/export/figures.csv", exports.figures_csv, name="export-figures"),
    path("embed/stories/<slug:slug>/timeline/", embeds.timeline, name="embed-timeline"),
    path(
        "embed/stories/<slug:slug>/statements/<int:pk>/", embeds.statement, name="embed-statement"
    ),
    path("oembed/", oembed.oembed, name="oembed"),
    path("api/", api.urls),
    path(
        "sitemap.xml",
        site_condition(sitemap_view),
        {"sitemaps": sitemaps},
        name="django.contrib.sitemaps.views.sitemap",
    ),
]

handler500 = "dashboard.middleware.server_error"
