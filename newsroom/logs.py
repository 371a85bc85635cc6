"""Structured logs: one JSON object per line, each carrying the request's id.

Django's loggers, the app's and gunicorn's (error and access log) all format
their records with the same structlog ``ProcessorFormatter``, so a log shipper
reads one format whatever wrote the line. ``LOG_FORMAT=plain`` swaps the JSON
renderer for structlog's console renderer, for people reading along in
development.

``RequestIdMiddleware`` gives every request an id, binds it into structlog's
context variables (which the formatter merges into every record logged while
the request is handled, stdlib loggers included) and sends it back as
``X-Request-ID``; gunicorn's access line takes it from that header.
"""

import functools
import logging
import logging.config
import os
import re
import traceback
import uuid
from ipaddress import ip_address, ip_network

import structlog
from django.conf import settings
from django.core.signals import request_finished
from gunicorn import glogging

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy's id may look like to be passed on: no spaces, quotes or control
# characters that could forge or break a log line or a response header.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,200}")
FORMATS = ("json", "plain")
# Keys that lead every line, in this order; the rest follow as logged.
LEADING_KEYS = ("timestamp", "level", "logger", "event", "request_id")


def _add_pid(logger, method_name, event_dict):
    # Several gunicorn workers write to the same stream.
    event_dict.setdefault("pid", os.getpid())
    return event_dict


def _drop_request_objects(logger, method_name, event_dict):
    # django.request and django.security pass the HttpRequest as an extra; its
    # repr says nothing the message and the request id do not.
    event_dict.pop("request", None)
    return event_dict


def _leading_keys_first(logger, method_name, event_dict):
    ordered = {key: event_dict.pop(key) for key in LEADING_KEYS if key in event_dict}
    return ordered | event_dict


def _shared_processors():
    """What every record gets, whether structlog's or the standard library's."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_pid,
        structlog.processors.StackInfoRenderer(),
    ]


def formatter(output="json"):
    """A logging formatter turning any record into one JSON line (or a plain one)."""
    if output not in FORMATS:
        raise ValueError(f"LOG_FORMAT={output!r}: use 'json' or 'plain'.")
    if output == "plain":
        # The console renderer formats tracebacks itself.
        renderers = [structlog.dev.ConsoleRenderer(colors=False)]
    else:
        # format_exc_info puts the traceback inside the JSON object: still one line.
        renderers = [
            structlog.processors.format_exc_info,
            _leading_keys_first,
            structlog.processors.JSONRenderer(),
        ]
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            *_shared_processors(),
            structlog.stdlib.ExtraAdder(),
            _drop_request_objects,
        ],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderers],
    )


def configure(config):
    """Django's ``LOGGING_CONFIG``: the standard library's dictConfig, plus structlog.

    ``structlog.get_logger()`` then hands its events to the standard library, so
    they go through the same handlers and formatter as everything else.
    """
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_shared_processors(),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    # A Python warning printed to stderr would be the one line that is not JSON.
    logging.captureWarnings(True)
    logging.config.dictConfig(config)


# Requests ------------------------------------------------------------------


def _clear_context(**kwargs):
    structlog.contextvars.clear_contextvars()


class RequestIdMiddleware:
    """Give every request an id: ``request.request_id``, the logs and ``X-Request-ID``.

    The id is a fresh uuid4, or the ``X-Request-ID`` a trusted proxy
    (``TRUSTED_PROXIES``) sent, when it is a sane token, so one id follows the
    request through the proxy's logs and ours. Anyone else's header is ignored.
    First in ``MIDDLEWARE``: the peer is still the one the connection came from
    (before ``TrustedProxyMiddleware`` rewrites ``REMOTE_ADDR``), and the header
    lands on every response, pages from the page cache too, after the cache
    has stored its copy, so no reader is ever handed another's id.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        # The context stays bound until the response is closed: Django logs
        # 4xx/5xx responses ("Not Found: ...") after the middleware returns.
        request_finished.connect(_clear_context, dispatch_uid="newsroom.logs.clear_context")

    def __call__(self, request):
        request.request_id = self.request_id_for(request)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request.request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        return response

    def request_id_for(self, request):
        return request_id_for(request)


@functools.cache
def _proxies(entries):
    return [ip_network(entry, strict=False) for entry in entries]


def request_id_for(request):
    """The trusted proxy's ``X-Request-ID`` when it is a sane token, else a fresh uuid4."""
    return request_id_from(request.META)


def request_id_from(environ):
    """``request_id_for`` from the WSGI environ (or a request's META)."""
    incoming = environ.get("HTTP_X_REQUEST_ID", "")
    if incoming and REQUEST_ID_PATTERN.fullmatch(incoming) and _from_proxy(environ):
        return incoming
    return uuid.uuid4().hex


def _from_proxy(environ):
    try:
        peer = ip_address(environ.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(peer in network for network in _proxies(tuple(settings.TRUSTED_PROXIES)))


# gunicorn ------------------------------------------------------------------


def _wsgi_text(value):
    # WSGI hands paths over as latin-1-decoded bytes; show them as the reader typed them.
    return value.encode("latin-1", "replace").decode("utf-8", "replace")


def access_fields(resp, req, environ, request_time):
    """The access line's fields, from gunicorn's request and response and the WSGI environ."""
    headers = {name.lower(): value for name, value in getattr(resp, "headers", [])}
    peer = getattr(req, "peer_addr", None)
    try:
        status = int(str(resp.status).split(None, 1)[0])
    except ValueError:
        status = None
    fields = {
        "method": environ.get("REQUEST_METHOD"),
        "path": _wsgi_text(environ.get("PATH_INFO", "")),
        "query": _wsgi_text(environ.get("QUERY_STRING", "")),
        "status": status,
        "bytes": getattr(resp, "sent", None),
        "duration_ms": round(request_time.total_seconds() * 1000, 3),
        # The reader: TrustedProxyMiddleware has rewritten REMOTE_ADDR (in this
        # same environ) from X-Forwarded-For when the peer is a trusted proxy.
        "remote_addr": environ.get("REMOTE_ADDR"),
        # The connection's other end: the proxy, when there is one.
        "peer": peer[0] if isinstance(peer, tuple) else str(peer or ""),
        "user_agent": environ.get("HTTP_USER_AGENT", ""),
        "referer": environ.get("HTTP_REFERER", ""),
        "request_id": headers.get(REQUEST_ID_HEADER.lower()),
    }
    return fields


class GunicornLogger(glogging.Logger):
    """gunicorn's error and access logs in the site's format (``logger_class``).

    The access line is built from fields, not from ``access_log_format``, and
    carries the request id the site sent back in ``X-Request-ID``.
    """

    def setup(self, cfg):
        super().setup(cfg)
        line_formatter = formatter(os.environ.get("LOG_FORMAT", "json"))
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if getattr(handler, "_gunicorn", False):
                    handler.setFormatter(line_formatter)

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        try:
            fields = access_fields(resp, req, environ, request_time)
            self.access_log.info(
                "%s %s %s", fields["method"], fields["path"], fields["status"], extra=fields
            )
        except Exception:  # noqa: BLE001 - as gunicorn does: a bad line must not fail the request
            self.error(traceback.format_exc())
