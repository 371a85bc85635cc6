"""Whole-page cache for anonymous readers (see articles/pagecache.py for the version)."""

import hashlib
from contextlib import suppress
from ipaddress import ip_address, ip_network

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError
from django.utils.cache import get_max_age, patch_cache_control, set_response_etag

from articles import pagecache

from . import outages

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
        # Validate the Host header first (DisallowedHost answers 400): a page is
        # rendered for one host name and served to readers of that host only.
        address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
        cache = caches[settings.NEWSROOM_PAGE_CACHE]
        try:
            version = pagecache.current()
        except DatabaseError as error:
            # The database is away: pages cached under the last version read are
            # still what readers last saw; anything else answers 503 further in.
            version = pagecache.last_known()
            outages.database.failed(error, consequence="serving cached pages only")
            if version is None:
                return outages.service_unavailable(request)
        key = f"page:{version}:{hashlib.sha256(address.encode()).hexdigest()}"
        response = cache.get(key)
        if response is not None:
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if self.cacheable_response(response):
            if get_max_age(response) is None:
                patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
            # The ETag is stored with the page: a hit is not hashed again for each reader.
            set_response_etag(response)
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


class TrustedProxyMiddleware:
    """Readers' own addresses behind a reverse proxy or load balancer.

    When the request comes straight from an address in ``TRUSTED_PROXIES``, the
    client is the nearest address in ``X-Forwarded-For`` that is not itself a
    trusted proxy; ``REMOTE_ADDR`` is set to it, so flood limits, bans and reports
    see readers, not the proxy. Headers from anyone else are ignored: a reader
    cannot choose their own address.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.trusted = [ip_network(entry, strict=False) for entry in settings.TRUSTED_PROXIES]

    def is_trusted(self, address):
        try:
            ip = ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in network for network in self.trusted)

    def __call__(self, request):
        peer = request.META.get("REMOTE_ADDR", "")
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if self.trusted and forwarded and self.is_trusted(peer):
            for candidate in reversed([part.strip() for part in forwarded.split(",")]):
                if not self.is_trusted(candidate):
                    # Garbage in the header keeps the proxy's own address.
                    with suppress(ValueError):
                        request.META["REMOTE_ADDR"] = str(ip_address(candidate))
                    break
        return self.get_response(request)


class HeadResponseMiddleware:
    """Answer HEAD with the headers of GET and no body.

    Django renders HEAD like GET and leaves dropping the body to the server;
    gunicorn does drop it, but logs a warning for every such response. The
    Content-Length stays that of the body a GET would get.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "HEAD":
            if response.streaming:
                response.streaming_content = []
            else:
                if not response.has_header("Content-Length"):
                    response["Content-Length"] = str(len(response.content))
                response.content = b""
        return response
