from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from . import views

admin.site.site_header = f"{settings.SITE_NAME} admin"
admin.site.site_title = f"{settings.SITE_NAME} admin"
admin.site.index_title = "Newsroom"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("comments/", include("comments.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("", include("articles.urls")),
]

# The 500 page in the site's design (rendered without the database), or 503 when
# the database is away.
handler500 = "newsroom.views.server_error"

if settings.SERVE_MEDIA:
    # One machine: uploaded pictures are served by the site itself.
    media_prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns.append(re_path(rf"^{media_prefix}(?P<path>.*)$", views.media, name="media"))
