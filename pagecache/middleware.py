"""Serve anonymous readers from the shared page cache; store what they may share.

A request may be served from the cache when it is a GET or HEAD without a
session cookie, outside ``PAGECACHE_UNCACHED_PREFIXES``. A response is stored
when it is a 200 that sets no cookie, does not vary on the cookie and is not
private or no-store: what one anonymous reader gets, every anonymous reader
gets. It is stored with the keys the project's ``PAGECACHE_DEPENDENCIES``
function names (plus ``site``), which it also carries in ``Surrogate-Key`` for
proxies and CDNs. Browsers revalidate every time (ETag, 304); shared caches
may keep a page for its remaining lifetime (``s-maxage``) when purgers are
configured, since they are then told of every change.

Hits are also answered before Django runs at all by ``newsroom.fastpath``;
this middleware serves them when that wrapper is not in front (tests,
``runserver``) and stores every page.
"""

import time

from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import get_max_age, patch_cache_control, set_response_etag
from django.utils.http import parse_etags
from django.utils.module_loading import import_string

from . import hints, store
from .purge import HEADER as KEYS_HEADER

# In the environ of a page rendered by pagecache.refresh: where its new copy goes.
REFRESH = "pagecache.refresh"
# Added for each response, never stored with the page.
PER_RESPONSE = {"x-page-cache", "x-request-id", "date", "set-cookie"}
# What a 304 repeats of the page's headers (RFC 9110 §15.4.5), and the keys.
NOT_MODIFIED_HEADERS = {"cache-control", "content-location", "etag", "expires", "vary"}


def page_address(request):
    """Scheme, validated host and full path: one stored page per address (DisallowedHost → 400)."""
    return f"{request.scheme}://{request.get_host()}{request.get_full_path()}"


def cacheable_request(request):
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.path.startswith(tuple(settings.PAGECACHE_UNCACHED_PREFIXES))
    )


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


def etag_matches(page, if_none_match):
    if not if_none_match or not page.etag:
        return False
    etags = parse_etags(if_none_match)
    if "*" in etags:
        return True
    bare = page.etag.removeprefix("W/")
    return any(etag.removeprefix("W/") == bare for etag in etags)


def answer(page, *, head=False, if_none_match=""):
    """``(status, headers, body)`` for a stored page: a 200, or a 304 when the ETag matches."""
    headers = list(page.headers)
    if settings.PAGECACHE_PURGE_URLS:
        # Proxies that are told of changes may keep it until it would go stale here.
        remaining = max(int(page.expires_at - time.time()), 0)
        headers = [
            (name, f"{value}, s-maxage={remaining}" if name.lower() == "cache-control" else value)
            for name, value in headers
        ]
    headers.append(("X-Page-Cache", "hit"))
    if etag_matches(page, if_none_match):
        kept = [(n, v) for n, v in headers if n.lower() in NOT_MODIFIED_HEADERS]
        kept += [(n, v) for n, v in headers if n.lower() in (KEYS_HEADER.lower(), "x-page-cache")]
        return 304, kept, b""
    return page.status, headers, b"" if head else page.body


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.dependencies = import_string(settings.PAGECACHE_DEPENDENCIES)

    def __call__(self, request):
        seconds = settings.NEWSROOM_PAGE_CACHE_SECONDS
        if not seconds or not cacheable_request(request):
            return self.get_response(request)
        address = page_address(request)
        rendering = request.META.get(REFRESH)
        if rendering is not None:
            # A change renders the page anew before retiring it (pagecache.refresh): the
            # stored copy is what it replaces, and the new one goes back to it, not the cache.
            started = store.sequence()
            response = self.get_response(request)
            if cacheable_response(response):
                rendering["page"] = self.page(request, response, started, seconds)
            return response
        page = store.lookup(address)
        if page is not None:
            return self.hit(request, page)
        # One process renders a missing page; the others wait for it rather than
        # render the same page at once (after a change to a page many are reading).
        wait = settings.PAGECACHE_COALESCE_SECONDS
        leader = not wait or store.claim(address, seconds=max(int(wait) + 1, 2))
        if not leader:
            page = store.wait_for(address, wait)
            if page is not None:
                return self.hit(request, page)
        try:
            started = store.sequence()
            response = self.get_response(request)
            if cacheable_response(response):
                page = self.page(request, response, started, seconds)
                if started is not None:
                    store.save(address, page)
        finally:
            if leader and wait:
                store.release(address)
        return response

    def hit(self, request, page):
        status, headers, body = answer(
            page, head=False, if_none_match=request.headers.get("If-None-Match", "")
        )
        response = HttpResponse(body, status=status)
        del response["Content-Type"]
        for name, value in headers:
            response[name] = value
        return response

    def page(self, request, response, started, seconds):
        """The ``store.Page`` of this response, its headers made what a stored page sends."""
        keys, until = self.dependencies(request, response)
        more_keys, stale_at = hints.gathered(request)
        keys = ("site", *sorted(set(keys) | more_keys - {"site"}))
        if stale_at is not None:
            until = stale_at if until is None else min(until, stale_at)
        now = time.time()
        expires_at = now + seconds
        if until is not None:
            expires_at = min(expires_at, until.timestamp())
        if get_max_age(response) is None:
            patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
        response[KEYS_HEADER] = " ".join(keys)
        # The ETag is stored with the page: a hit is not hashed again for each reader.
        set_response_etag(response)
        page = store.Page(
            status=response.status_code,
            headers=tuple(
                (name, value)
                for name, value in response.items()
                if name.lower() not in PER_RESPONSE
            ),
            body=response.content,
            etag=response.get("ETag", ""),
            keys=keys,
            sequence=started,
            expires_at=expires_at,
        )
        if settings.PAGECACHE_PURGE_URLS:
            patch_cache_control(response, s_maxage=max(int(expires_at - now), 0))
        response["X-Page-Cache"] = "miss"
        return page
