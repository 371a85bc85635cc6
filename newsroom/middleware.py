"""Whole-page cache for anonymous readers (see articles/pagecache.py for the version)."""

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.utils.cache import get_max_age, patch_cache_control

from articles import pagecache

# Paths that are never cached: per-user, per-request or served elsewhere.
UNCACHED_PREFIXES = (
    "/admin/",
    "/comments/",
    "/preview/",
    "/static/",
    "/media/",
    "/healthz",
    "/readyz",
)


class PublicPageCacheMiddleware:
    """Serve anonymous GET/HEAD requests for public pages from the cache.

    A page is stored only when it is a 200 that sets no cookie, does not vary on
    the cookie and is not marked private: what one anonymous reader gets, every
    anonymous reader gets. Requests carrying a session cookie (staff, previews)
    always go through. Browsers and proxies revalidate (ETag, 304) every time.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seconds = settings.NEWSROOM_PAGE_CACHE_SECONDS
        if not seconds or not self.cacheable_request(request):
            return self.get_response(request)
        cache = caches[settings.NEWSROOM_PAGE_CACHE]
        version = pagecache.current()
        path_hash = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"page:{version}:{path_hash}"
        response = cache.get(key)
        if response is not None:
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if self.cacheable_response(response):
            if get_max_age(response) is None:
                patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
            cache.set(key, response, seconds)
            response["X-Page-Cache"] = "miss"
        return response

    @staticmethod
    def cacheable_request(request):
        return (
            request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path.startswith(UNCACHED_PREFIXES)
        )

    @staticmethod
    def cacheable_response(response):
        cache_control = response.get("Cache-Control", "")
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and "cookie" not in response.get("Vary", "").lower()
            and "private" not in cache_control
            and "no-store" not in cache_control
            and "no-cache" not in cache_control
        )
