from django.urls import path

from . import views

app_name = "comments"

urlpatterns = [
    path("post/<int:article_id>/", views.post_comment, name="post"),
    path("report/<int:comment_id>/", views.report_comment, name="report"),
]
