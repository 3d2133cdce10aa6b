from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.urls import path
from django.views.generic import TemplateView

from . import (
    corrections,
    embeds,
    exports,
    feeds,
    figures,
    following,
    health,
    oembed,
    pledges,
    views,
)
from .api import api
from .reading import site_view, story_view
from .sitemaps import sitemaps

urlpatterns = [
    # The reader's pages.
    path("", views.story_list, name="story-list"),
    path("stories/<slug:slug>/", views.story, name="story"),
    path("stories/<slug:slug>/updates/", views.updates, name="story-updates"),
    path("stories/<slug:slug>/people/", views.whos_who_page, name="whos-who"),
    path("stories/<slug:slug>/filter/people/", views.people_filter, name="people-filter"),
    path(
        "stories/<slug:slug>/people/<slug:stakeholder_slug>/",
        views.stakeholder,
        name="stakeholder",
    ),
    path("stories/<slug:slug>/pledges/", pledges.pledges, name="pledges"),
    path("stories/<slug:slug>/pledges/<int:pk>/", pledges.pledge, name="pledge"),
    path("stories/<slug:slug>/statements/<int:pk>/", views.statement, name="statement"),
    path("stories/<slug:slug>/events/<int:pk>/", views.event, name="event"),
    path("stories/<slug:slug>/corrections/", corrections.corrections, name="story-corrections"),
    # Following by email (uncached: the form carries a CSRF token; links carry a token).
    path("stories/<slug:slug>/follow/", following.follow_story, name="follow-story"),
    path(
        "stories/<slug:slug>/people/<slug:stakeholder_slug>/follow/",
        following.follow_person,
        name="follow-person",
    ),
    path("follow/confirm/", following.confirm, name="follow-confirm"),
    path("follow/manage/", following.manage, name="follow-manage"),
    path("follow/unsubscribe/", following.unsubscribe, name="follow-unsubscribe"),
    # Charts.
    path("stories/<slug:slug>/figures/<slug:series_slug>/", figures.figure, name="figure"),
    path(
        "stories/<slug:slug>/figures/<slug:series_slug>/table/",
        figures.figure_table,
        name="figure-table",
    ),
    path(
        "stories/<slug:slug>/figures/<slug:series_slug>.csv",
        figures.figure_csv,
        name="figure-csv",
    ),
    path(
        "embed/stories/<slug:slug>/figures/<slug:series_slug>/",
        figures.figure_embed,
        name="figure-embed",
    ),
    # Open data: feeds, exports, embeds, oEmbed, API, sitemap.
    path("stories/<slug:slug>/feed/", story_view(feeds.StoryFeed()), name="story-feed"),
    path(
        "stories/<slug:slug>/people/<slug:stakeholder>/feed/",
        story_view(feeds.StakeholderFeed()),
        name="stakeholder-feed",
    ),
    path(
        "stories/<slug:slug>/export/statements.csv",
        exports.statements_csv,
        name="export-statements",
    ),
    path("stories/<slug:slug>/export/events.csv", exports.events_csv, name="export-events"),
    path("stories/<slug:slug>/export/figures.csv", exports.figures_csv, name="export-figures"),
    path("stories/<slug:slug>/export/orders.csv", exports.orders_csv, name="export-orders"),
    path("embed/stories/<slug:slug>/timeline/", embeds.timeline, name="embed-timeline"),
    path(
        "embed/stories/<slug:slug>/statements/<int:pk>/", embeds.statement, name="embed-statement"
    ),
    path("oembed/", oembed.oembed, name="oembed"),
    path("api/", api.urls),
    path(
        "sitemap.xml",
        site_view(sitemap_view),
        {"sitemaps": sitemaps},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
        name="robots",
    ),
    # Operations and the editors' admin.
    path("healthz", health.healthz, name="healthz"),
    path(settings.ADMIN_PATH, admin.site.urls),
]

handler500 = "dashboard.middleware.server_error"
