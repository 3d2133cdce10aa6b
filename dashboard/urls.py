from django.conf import settings
from django.contrib import admin
from django.urls import path

from . import corrections, views

urlpatterns = [
    path("", views.story_list, name="story-list"),
    path("stories/<slug:slug>/", views.story, name="story"),
    path("stories/<slug:slug>/corrections/", corrections.corrections, name="story-corrections"),
    path(settings.ADMIN_PATH, admin.site.urls),
]
