"""Cached pages answered before Django runs: the WSGI application gunicorn serves.

A page-cache hit needs none of Django's per-request machinery — no URL
resolving, no middleware chain, no database — so ``FastPath`` wraps the WSGI
application and answers hits itself, with the same rules and the same stored
headers as ``pagecache.middleware`` (which stores every page and serves hits
when this wrapper is not in front), plus what ``RequestIdMiddleware`` and
``HeadResponseMiddleware`` add outside it: ``X-Request-ID``, and no body for
HEAD. Anything that is not a current hit goes to Django unchanged.
"""

from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest

from pagecache import store
from pagecache.middleware import answer, cacheable_request, page_address

from .logs import REQUEST_ID_HEADER, request_id_for


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
        request = WSGIRequest(environ)
        if not cacheable_request(request):
            return None
        try:
            address = page_address(request)
        except DisallowedHost:
            return None  # Django answers it: 400
        page = store.lookup(address)
        if page is None:
            return None
        status, headers, body = answer(
            page,
            head=request.method == "HEAD",
            if_none_match=environ.get("HTTP_IF_NONE_MATCH", ""),
        )
        headers.append((REQUEST_ID_HEADER, request_id_for(request)))
        return status, headers, body
