from django.conf import settings
from django.contrib import admin
from django.urls import path

from . import views

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
    path(settings.ADMIN_PATH, admin.site.urls),
]
