"""Fetching a partner's feed over HTTP, within bounds.

``fetch`` asks conditionally (the ETag and Last-Modified the server gave last time),
waits at most ``WIRE_FEED_TIMEOUT`` seconds for the connection, for each read and for
the whole body — a server that trickles bytes forever is cut off too — and reads at
most ``WIRE_FEED_MAX_BYTES``. Whatever goes wrong is a ``FetchError`` whose message is
written for the editor who sees it on the source's page.
"""

import http
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
import urllib3.exceptions
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

DEFAULT_TIMEOUT = 10
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
CHUNK = 64 * 1024
MAX_REDIRECTS = 5
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
)


class FetchError(Exception):
    """The feed could not be read; the message says why, for an editor."""


@dataclass(frozen=True)
class Fetched:
    content: bytes
    not_modified: bool = False
    etag: str = ""
    last_modified: str = ""
    url: str = ""
    status: int = 200
    content_type: str = ""


def user_agent() -> str:
    site = getattr(settings, "SITE_URL", "")
    return f"newsroom-wire/1 (+{site})" if site else "newsroom-wire/1"


def size_text(count: int) -> str:
    """10485760 → "10 MB", 51200 → "50 KB": limits as people say them."""
    for unit, size in (("MB", 1024 * 1024), ("KB", 1024)):
        if count >= size:
            return f"{round(count / size, 1):g} {unit}"
    return ngettext("%(count)d byte", "%(count)d bytes", count) % {"count": count}


def seconds_text(seconds: float) -> str:
    return ngettext("%(n)s second", "%(n)s seconds", 1 if seconds == 1 else 2) % {
        "n": f"{seconds:g}"
    }


def fetch(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    timeout: float | None = None,
    max_bytes: int | None = None,
) -> Fetched:
    """The feed at ``url``, or ``Fetched(not_modified=True)`` when the server says 304."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        raise FetchError(
            _("Only http:// and https:// feed addresses can be polled, not “%(url)s”.")
            % {"url": url}
        )
    if timeout is None:
        timeout = getattr(settings, "WIRE_FEED_TIMEOUT", DEFAULT_TIMEOUT)
    if max_bytes is None:
        max_bytes = getattr(settings, "WIRE_FEED_MAX_BYTES", DEFAULT_MAX_BYTES)
    headers = {"User-Agent": user_agent(), "Accept": ACCEPT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    host = parts.hostname
    deadline = time.monotonic() + timeout
    with requests.Session() as session:
        session.max_redirects = MAX_REDIRECTS
        try:
            response = session.get(url, headers=headers, timeout=(timeout, timeout), stream=True)
        except requests.RequestException as error:
            raise FetchError(_request_problem(error, host=host, timeout=timeout)) from error
        with response:
            if response.status_code == http.HTTPStatus.NOT_MODIFIED:
                return Fetched(
                    b"",
                    not_modified=True,
                    etag=response.headers.get("ETag", etag),
                    last_modified=response.headers.get("Last-Modified", last_modified),
                    url=response.url,
                    status=response.status_code,
                )
            if not 200 <= response.status_code < 300:
                raise FetchError(_status_problem(response))
            content = _read_body(response, max_bytes=max_bytes, deadline=deadline, timeout=timeout)
            return Fetched(
                content,
                etag=response.headers.get("ETag", ""),
                last_modified=response.headers.get("Last-Modified", ""),
                url=response.url,
                status=response.status_code,
                content_type=response.headers.get("Content-Type", ""),
            )


def _too_large(max_bytes: int, *, read_nothing: bool) -> str:
    if read_nothing:
        return _("The feed is larger than the %(limit)s limit; nothing was read from it.") % {
            "limit": size_text(max_bytes)
        }
    return _("The feed is larger than the %(limit)s limit; reading stopped there.") % {
        "limit": size_text(max_bytes)
    }


def _read_body(response, *, max_bytes: int, deadline: float, timeout: float) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(_too_large(max_bytes, read_nothing=True))
    chunks = []
    received = 0
    try:
        while True:
            if time.monotonic() > deadline:
                raise FetchError(
                    _("The feed was still arriving after %(seconds)s; polling stopped.")
                    % {"seconds": seconds_text(timeout)}
                )
            # read1: whatever has arrived (at most one read from the socket), so a
            # server sending a byte at a time cannot hold us past the deadline.
            chunk = response.raw.read1(CHUNK, decode_content=True)
            if not chunk:
                break
            received += len(chunk)
            if received > max_bytes:
                raise FetchError(_too_large(max_bytes, read_nothing=False))
            chunks.append(chunk)
    except (urllib3.exceptions.HTTPError, requests.RequestException, OSError) as error:
        raise FetchError(_reading_problem(error, timeout=timeout)) from error
    return b"".join(chunks)


def _status_problem(response) -> str:
    try:
        phrase = http.HTTPStatus(response.status_code).phrase
    except ValueError:
        phrase = response.reason or ""
    status = f"{response.status_code} {phrase}".strip()
    if response.status_code in {401, 403}:
        return _("The server answered %(status)s: the feed is not open to us.") % {"status": status}
    if response.status_code in {404, 410}:
        return _("The server answered %(status)s: the feed is not at this address.") % {
            "status": status
        }
    return _("The server answered %(status)s.") % {"status": status}


def _causes(error):
    """``error`` and everything it wraps (requests → urllib3 → socket)."""
    seen = set()
    todo = [error]
    while todo:
        each = todo.pop(0)
        if each is None or id(each) in seen:
            continue
        seen.add(id(each))
        yield each
        todo.extend([each.__cause__, each.__context__, getattr(each, "reason", None)])
        todo.extend(arg for arg in getattr(each, "args", ()) if isinstance(arg, BaseException))


def _request_problem(error, *, host: str, timeout: float) -> str:
    if isinstance(error, requests.ConnectTimeout):
        return _("Could not connect to %(host)s within %(seconds)s.") % {
            "host": host,
            "seconds": seconds_text(timeout),
        }
    if isinstance(error, requests.Timeout):
        return _("The feed did not answer within %(seconds)s.") % {"seconds": seconds_text(timeout)}
    if isinstance(error, requests.TooManyRedirects):
        return _("The feed's address redirects more than %(count)d times.") % {
            "count": MAX_REDIRECTS
        }
    if isinstance(error, requests.exceptions.SSLError):
        return _("Could not connect securely to %(host)s: its certificate was not accepted.") % {
            "host": host
        }
    if isinstance(error, (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema)):
        return _("The feed's address is not valid: %(error)s") % {"error": error}
    if isinstance(error, requests.ConnectionError):
        return _("Could not connect to %(host)s: %(reason)s.") % {
            "host": host,
            "reason": _connection_reason(error),
        }
    return _("The feed could not be fetched: %(error)s") % {"error": error}


def _connection_reason(error) -> str:
    for cause in _causes(error):
        if isinstance(cause, ConnectionRefusedError):
            return _("connection refused")
        if isinstance(cause, (socket.gaierror, urllib3.exceptions.NameResolutionError)):
            return _("no such host")
        if isinstance(cause, ConnectionResetError):
            return _("the connection was reset")
        if isinstance(cause, urllib3.exceptions.ProtocolError):
            return _("the server closed the connection")
    return _("the connection failed")


def _reading_problem(error, *, timeout: float) -> str:
    for cause in _causes(error):
        if isinstance(cause, (TimeoutError, urllib3.exceptions.TimeoutError, requests.Timeout)):
            return _("The feed stopped sending for more than %(seconds)s.") % {
                "seconds": seconds_text(timeout)
            }
        if isinstance(cause, urllib3.exceptions.DecodeError):
            return _("The feed's compressed content could not be unpacked.")
    return _("The connection broke while the feed was being read.")
