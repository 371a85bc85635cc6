"""Cached pages answered before Django runs: the WSGI application gunicorn serves.

A page-cache hit needs none of Django's per-request machinery — no URL
resolving, no middleware chain, no database — so ``FastPath`` wraps the WSGI
application and answers hits itself, with the same rules and the same stored
headers as ``pagecache.middleware`` (which stores every page and serves hits
when this wrapper is not in front), plus what ``RequestIdMiddleware`` and
``HeadResponseMiddleware`` add outside it: ``X-Request-ID``, and no body for
HEAD. Anything that is not a current hit goes to Django unchanged.

A page's address (scheme, validated host, path) is worked out by Django's own
request class the first time a combination of the request's addressing fields
is seen, and remembered: readers ask for the same few thousand addresses.
"""

from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import setting_changed

from pagecache import store
from pagecache.middleware import answer, cacheable_request, page_address

from .logs import REQUEST_ID_HEADER, request_id_from

# What of the environ a page's address, or whether it may be cached at all, is made of
# (besides cookies); the proxy's scheme header is added from the settings.
ADDRESSING = (
    "wsgi.url_scheme",
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
)
REMEMBERED_MAX = 20000
UNCACHEABLE = object()

_addresses = {}


def _forget_addresses(**kwargs):
    _addresses.clear()


# Hosts, proxies and uncached paths come from the settings (tests change them).
setting_changed.connect(_forget_addresses)


class FastPath:
    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        if (
            environ.get("REQUEST_METHOD") in ("GET", "HEAD")
            and settings.NEWSROOM_PAGE_CACHE_SECONDS
        ):
            served = self.from_cache(environ)
            if served is not None:
                status, headers, body = served
                start_response(f"{status} {HTTPStatus(status).phrase}", headers)
                return [body]
        return self.application(environ, start_response)

    def from_cache(self, environ):
        address = self.address(environ)
        if address is None:
            return None
        page = store.lookup(address)
        if page is None:
            return None
        status, headers, body = answer(
            page,
            head=environ["REQUEST_METHOD"] == "HEAD",
            if_none_match=environ.get("HTTP_IF_NONE_MATCH", ""),
        )
        headers.append((REQUEST_ID_HEADER, request_id_from(environ)))
        return status, headers, body

    def address(self, environ):
        """The page address of this request, or None when it may not be served from the cache."""
        cookies = environ.get("HTTP_COOKIE", "")
        if cookies and settings.SESSION_COOKIE_NAME in cookies:
            # Perhaps signed in: Django's parsing decides.
            return self._address(environ)
        proxy_header = settings.SECURE_PROXY_SSL_HEADER
        key = tuple(environ.get(name) for name in ADDRESSING) + (
            environ.get(proxy_header[0]) if proxy_header else None,
        )
        address = _addresses.get(key)
        if address is None:
            if len(_addresses) >= REMEMBERED_MAX:
                _addresses.clear()
            address = _addresses[key] = self._address(environ) or UNCACHEABLE
        return None if address is UNCACHEABLE else address

    def _address(self, environ):
        request = WSGIRequest(environ)
        if not cacheable_request(request):
            return None
        try:
            return page_address(request)
        except DisallowedHost:
            return None  # Django answers it: 400
