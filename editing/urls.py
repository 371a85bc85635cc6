from django.urls import path

from . import views

app_name = "editing"

urlpatterns = [
    path("stories/new/autosave/", views.autosave, name="autosave_new"),
    path("stories/new/discard/", views.discard, name="discard_new"),
    path("stories/<int:article_id>/autosave/", views.autosave, name="autosave"),
    path("stories/<int:article_id>/discard/", views.discard, name="discard"),
    path("stories/<int:article_id>/presence/", views.heartbeat, name="heartbeat"),
    path("stories/<int:article_id>/presence/leave/", views.leave, name="leave"),
]
