import sys

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.static import serve

from articles import views as articles_views

from . import outages


@never_cache
def healthz(request):
    """The process is up and answering."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    """Can this host serve readers? For load balancers and people on call.

    200 "ok": database and cache answer. 200 "degraded": the cache (Redis) is
    away, so pages are rendered from the database, slower but right. 503
    "unavailable": the database does not answer.
    """
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        checks["database"] = f"error: {error.__class__.__name__}"
    probe = getattr(cache, "probe", None)
    try:
        if probe is not None:
            problem = probe()
            checks["cache"] = "ok" if problem is None else f"unreachable: {problem}"
        else:
            cache.set("readyz", "ok", 5)
            checks["cache"] = "ok" if cache.get("readyz") == "ok" else "error: value lost"
    except Exception as error:  # noqa: BLE001
        checks["cache"] = f"error: {error.__class__.__name__}"
    if checks["database"] != "ok":
        status, code = "unavailable", 503
    elif checks["cache"] != "ok":
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return JsonResponse({"status": status, **checks}, status=code)


def server_error(request):
    """500 in the site's design; a failure to reach the database is a 503 instead."""
    error = sys.exc_info()[1]
    if error is not None and outages.is_database_unavailable(error):
        outages.database.failed(error, consequence="answering 503")
        return outages.service_unavailable(request)
    return articles_views.server_error(request)


def csrf_failure(request, reason=""):
    """A readable refusal for cross-site form posts (403)."""
    from django.template.response import TemplateResponse

    return TemplateResponse(request, "403_csrf.html", {"reason": reason}, status=403)


def media(request, path):
    """Uploaded files, when the site serves them itself (SERVE_MEDIA, one machine)."""
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Cache-Control"] = "public, max-age=3600"
    return response
