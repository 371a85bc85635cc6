"""Render a changed page before its old copy is retired, so that no reader waits for it.

When a page many are reading changes (a comment approved under the story everyone
reads), retiring its stored copy sends the next readers to render it; the first
renders, and every other worker that asks meanwhile waits for it, serving nobody
(sync workers do one thing at a time). For keys in ``PAGECACHE_REFRESH_KEYS`` the
process that makes the change renders the pages stored under them first — at most
``PAGECACHE_REFRESH_MAX``, the addresses the store noted — and then retires the keys
and stores the new pages in one step (``store.invalidate(keys, pages)``). Readers get
the old page until the new one is there, and the new one once the change's call has
returned: the moderator's click pays for the render, not the readers.

A page is rendered as an anonymous reader at its address would get it, through
Django's middleware and views, in a context of its own (the caller's language,
URLconf and log context are left as they were), and without the request signals
that would close the caller's database connection. A page that fails to render, or
is not one the cache keeps (a story taken down answers 404), is simply not stored:
its key is retired as before and a reader renders it.
"""

import contextvars
import io
import logging
from functools import cache
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import setting_changed

from . import store
from .middleware import REFRESH

logger = logging.getLogger(__name__)


@cache
def _handler():
    handler = BaseHandler()
    handler.load_middleware()
    return handler


def _forget_handler(setting=None, **kwargs):
    if setting == "MIDDLEWARE":
        _handler.cache_clear()


setting_changed.connect(_forget_handler)


def _environ(address):
    parts = urlsplit(address)
    host = parts.netloc
    name, _, port = host.partition(":")
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote(parts.path) or "/",
        "QUERY_STRING": parts.query,
        "SERVER_NAME": name,
        "SERVER_PORT": port or ("443" if parts.scheme == "https" else "80"),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": parts.scheme,
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    proxy_header = settings.SECURE_PROXY_SSL_HEADER
    if proxy_header and parts.scheme == "https":
        # Behind the TLS proxy, as the reader's request came.
        environ["wsgi.url_scheme"] = "http"
        environ[proxy_header[0]] = proxy_header[1]
    return environ


def _render(address):
    rendering = {}
    environ = _environ(address)
    environ[REFRESH] = rendering
    _handler().get_response(WSGIRequest(environ))
    return rendering.get("page")


def render(address):
    """The new ``store.Page`` at ``address``, or None (not kept, or it failed)."""
    try:
        return contextvars.copy_context().run(_render, address)
    except Exception:  # noqa: BLE001 - the change is made; readers render the page instead
        logger.exception("page cache: rendering %s anew failed", address)
        return None


def pages_for(keys):
    """Address → new page for the stored pages carrying ``keys`` that are refreshed."""
    if not settings.NEWSROOM_PAGE_CACHE_SECONDS or not settings.PAGECACHE_REFRESH_KEYS:
        return {}
    found = {}
    for address in store.addresses(keys)[: settings.PAGECACHE_REFRESH_MAX]:
        page = render(address)
        if page is not None:
            found[address] = page
    return found
