from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.static import serve


@never_cache
def healthz(request):
    """The process is up and answering."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    """The database and the cache answer; 503 if either does not."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        checks["database"] = f"error: {error.__class__.__name__}"
    try:
        cache.set("readyz", "ok", 5)
        checks["cache"] = "ok" if cache.get("readyz") == "ok" else "error: value lost"
    except Exception as error:  # noqa: BLE001
        checks["cache"] = f"error: {error.__class__.__name__}"
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", **checks}, status=200 if ready else 503
    )


def csrf_failure(request, reason=""):
    """A readable refusal for cross-site form posts (403)."""
    from django.template.response import TemplateResponse

    return TemplateResponse(request, "403_csrf.html", {"reason": reason}, status=403)


def media(request, path):
    """Uploaded files, when the site serves them itself (SERVE_MEDIA, one machine)."""
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Cache-Control"] = "public, max-age=3600"
    return response
