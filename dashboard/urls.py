from django.conf import settings
from django.contrib import admin
from django.urls import path

from . import views

urlpatterns = [
    path("", views.story_list, name="story-list"),
    path("stories/<slug:slug>/", views.story, name="story"),
    path(settings.ADMIN_PATH, admin.site.urls),
]
