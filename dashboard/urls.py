from django.conf import settings
from django.contrib import admin
from django.urls import path

from . import figures, views

urlpatterns = [
    path("", views.story_list, name="story-list"),
    path("stories/<slug:slug>/", views.story, name="story"),
    path(
        "stories/<slug:slug>/figures/<slug:series_slug>/",
        figures.figure,
        name="figure",
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
    path(settings.ADMIN_PATH, admin.site.urls),
]
