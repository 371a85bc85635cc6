import sys

from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.core.files.storage import default_storage
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from articles import views as articles_views

from . import outages, storage


@never_cache
def healthz(request):
    """The process is up and answering."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    """Can this host serve readers? For load balancers and people on call.

    200 "ok": database, cache and media storage answer. 200 "degraded": the
    cache (Redis) is away, so pages are rendered from the database, slower but
    right, or media storage is away, so pictures and uploads fail. 503
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
    try:
        # A name that is never stored: one HEAD on object storage, one stat on disk.
        default_storage.exists("readyz-probe")
        checks["media"] = "ok"
    except Exception as error:  # noqa: BLE001 - pages still render; pictures may not
        checks["media"] = f"unreachable: {error.__class__.__name__}"
    if checks["database"] != "ok":
        status, code = "unavailable", 503
    elif checks["cache"] != "ok" or checks["media"] != "ok":
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


# Stored names are never reused (a new picture gets a new name), so an hour is safe;
# short enough that a picture taken down leaves browsers and proxies soon.
MEDIA_CACHE_CONTROL = "public, max-age=3600"


@require_safe
def media(request, path):
    """An uploaded picture or rendition, streamed from media storage (SERVE_MEDIA).

    Reads through ``default_storage``, so any host serves any upload when media live
    in a shared bucket. GET and HEAD; 304 for an unchanged ETag or date; 404 for
    anything missing or outside the media storage; 503 when the storage fails.
    """
    name = storage.safe_name(path)
    if name is None:
        raise Http404("No such file")
    try:
        found = storage.open_media(name, body=request.method == "GET")
    except (FileNotFoundError, SuspiciousOperation):
        raise Http404("No such file") from None
    except storage.StorageUnavailable:
        response = HttpResponse(
            "This picture cannot be shown just now: media storage is not answering. "
            "Please try again in a moment.\n",
            content_type="text/plain; charset=utf-8",
            status=503,
        )
        response["Retry-After"] = "30"
        response["Cache-Control"] = "no-store"
        return response
    headers = {"Content-Type": found.content_type, "Cache-Control": MEDIA_CACHE_CONTROL}
    if found.etag:
        headers["ETag"] = found.etag
    if found.modified:
        headers["Last-Modified"] = http_date(found.modified.timestamp())
    unconditional = HttpResponse(headers=headers)
    answer = get_conditional_response(
        request,
        etag=found.etag,
        last_modified=found.modified and int(found.modified.timestamp()),
        response=unconditional,
    )
    if answer is not unconditional:  # 304 Not Modified, or 412 for a failed If-Match
        found.close()
        return answer
    if request.method == "HEAD":
        unconditional["Content-Length"] = str(found.size)
        return unconditional
    response = StreamingHttpResponse(found.chunks(), headers=headers)
    response["Content-Length"] = str(found.size)
    return response
