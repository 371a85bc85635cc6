from django.urls import path, re_path

from . import feeds, sitemaps, views

app_name = "articles"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("story/<str:slug>/", views.ArticleDetailView.as_view(), name="detail"),
    path("section/<str:slug>/", views.SectionView.as_view(), name="section"),
    path("section/<str:slug>/feed/", feeds.SectionRssFeed(), name="section-feed"),
    path("section/<str:slug>/feed/atom/", feeds.SectionAtomFeed(), name="section-feed-atom"),
    path("tag/<str:slug>/", views.TagView.as_view(), name="tag"),
    path("preview/<str:token>/", views.preview, name="preview"),
    path("tag/<str:slug>/feed/", feeds.TagRssFeed(), name="tag-feed"),
    path("tag/<str:slug>/feed/atom/", feeds.TagAtomFeed(), name="tag-feed-atom"),
    path("contributor/<str:slug>/", views.ContributorView.as_view(), name="contributor"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("corrections/", views.CorrectionsView.as_view(), name="corrections"),
    path("feed/", feeds.LatestRssFeed(), name="feed"),
    path("feed/atom/", feeds.LatestAtomFeed(), name="feed-atom"),
    path("feeds/", feeds.FeedListView.as_view(), name="feeds"),
    path("sitemap.xml", sitemaps.index, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemaps.section, name="sitemap-section"),
    path("news-sitemap.xml", sitemaps.news, name="news-sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
    # Date archives at the top level, as newspapers' own URLs read: /2026/11/25/.
    re_path(r"^(?P<year>[0-9]{4})/$", views.YearArchiveView.as_view(), name="archive-year"),
    re_path(
        r"^(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/$",
        views.MonthArchiveView.as_view(),
        name="archive-month",
    ),
    re_path(
        r"^(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/(?P<day>[0-9]{2})/$",
        views.DayArchiveView.as_view(),
        name="archive-day",
    ),
]
