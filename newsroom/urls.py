import re
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from . import views

admin.site.site_header = f"{settings.SITE_NAME} admin"
admin.site.site_title = f"{settings.SITE_NAME} admin"
admin.site.index_title = "Newsroom"

urlpatterns = [
    # Staff sign-in (login in two steps, second factors) ahead of the admin's own login.
    path("admin/", include("accounts.urls")),
    path("admin/editing/", include("editing.urls")),
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
    # Uploaded pictures streamed from media storage (disk or bucket) by the site; with
    # a CDN in MEDIA_URL, at the same path, for the CDN to fetch from.
    media_prefix = re.escape(urlsplit(settings.MEDIA_URL).path.lstrip("/"))
    urlpatterns.append(re_path(rf"^{media_prefix}(?P<path>.*)$", views.media, name="media"))
