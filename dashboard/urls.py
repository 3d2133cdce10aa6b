from django.conf import settings
from django.contrib import admin
from django.urls import path

from . import health, views

urlpatterns = [
    path("", views.story_list, name="story-list"),
    path("stories/<slug:slug>/", views.story, name="story"),
    path("healthz", health.healthz, name="healthz"),
    path(settings.ADMIN_PATH, admin.site.urls),
]

handler500 = "dashboard.middleware.server_error"
