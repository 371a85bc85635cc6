"""When a service the site depends on is away: say so once a minute, answer readers clearly.

* ``Outage`` remembers whether a service (Redis, the database) is failing and writes
  a warning when it goes away, at most once a minute while it stays away, and a note
  when it is back, so an outage fills no disk with one line per request.
* ``DatabaseUnavailableMiddleware`` answers a request that failed because the
  database could not be reached with a short 503 page and ``Retry-After``; a reader's
  comment text comes back on that page so nothing typed is lost. ``service_unavailable``
  is the same page, used by the 500 handler for failures outside views.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.db.backends.signals import connection_created
from django.http import HttpResponse
from django.template import loader

logger = logging.getLogger("newsroom.outages")

# How often a continuing outage is written to the log.
LOG_INTERVAL = 60
# What readers are asked to wait before trying again.
RETRY_AFTER = 30
# A comment sent while the database is away is shown back up to this length.
MAX_TEXT_SHOWN = 20_000


class Outage:
    """The state of one service in this process, with rate-limited logging."""

    def __init__(self, name, *, log_interval=LOG_INTERVAL):
        self.name = name
        self.log_interval = log_interval
        self._lock = threading.Lock()
        self.down_since = None
        self.last_error = ""
        self._logged_at = None

    @property
    def is_down(self):
        return self.down_since is not None

    def failed(self, error, *, consequence=""):
        now = time.time()
        with self._lock:
            first = self.down_since is None
            if first:
                self.down_since = now
            self.last_error = f"{error.__class__.__name__}: {error}".strip()
            due = first or self._logged_at is None or now - self._logged_at >= self.log_interval
            if due:
                self._logged_at = now
        if due:
            logger.warning(
                "%s unreachable (%s)%s%s",
                self.name,
                self.last_error,
                "; " if consequence else "",
                consequence,
                extra={"service": self.name, "outage_seconds": round(now - self.down_since)},
            )

    def recovered(self):
        if self.down_since is None:
            return
        with self._lock:
            if self.down_since is None:
                return
            seconds = time.time() - self.down_since
            self.down_since = None
            self._logged_at = None
        logger.warning(
            "%s reachable again after %d s",
            self.name,
            seconds,
            extra={"service": self.name, "outage_seconds": round(seconds)},
        )


database = Outage("Database")


def _connected(sender, connection, **kwargs):
    # After an outage every connection is made anew: the first one means it is over.
    if database.is_down:
        database.recovered()


connection_created.connect(_connected, dispatch_uid="newsroom-outages-database")

# psycopg and sqlite3 report a server that is away, a refused connection or a
# file that cannot be opened as OperationalError or InterfaceError.
UNAVAILABLE_ERRORS = (OperationalError, InterfaceError)


def is_database_unavailable(error):
    return isinstance(error, UNAVAILABLE_ERRORS) or (
        isinstance(error, DatabaseError) and "connection" in str(error).lower()
    )


def service_unavailable(request=None):
    """The short 503 page, rendered without the database."""
    typed = ""
    if request is not None and request.method == "POST":
        try:
            typed = request.POST.get("body", "")[:MAX_TEXT_SHOWN]
        except Exception:  # noqa: BLE001 - an unreadable body just shows no text
            typed = ""
    try:
        body = loader.render_to_string(
            "503.html", {"SITE_NAME": settings.SITE_NAME, "typed": typed, "retry": RETRY_AFTER}
        )
    except Exception:  # noqa: BLE001 - the error page itself must never fail
        body = (
            "<!DOCTYPE html><title>Unavailable</title><h1>We will be back in a moment</h1>"
            "<p>The site cannot reach its database. Please try again shortly.</p>"
        )
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    # The outage is logged once a minute (Outage), not once per request by Django.
    response._has_been_logged = True
    return response


class DatabaseUnavailableMiddleware:
    """A view that failed because the database is away answers 503, not 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_unavailable(exception):
            return None
        database.failed(exception, consequence="answering 503")
        return service_unavailable(request)
