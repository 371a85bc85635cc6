from django.urls import path

from . import views

app_name = "articles"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("story/<str:slug>/", views.ArticleDetailView.as_view(), name="detail"),
    path("section/<str:slug>/", views.SectionView.as_view(), name="section"),
    path("tag/<str:slug>/", views.TagView.as_view(), name="tag"),
    path("preview/<str:token>/", views.preview, name="preview"),
]
