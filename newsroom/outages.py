"""When a service the site depends on is away: say so once a minute, answer readers clearly.

* ``Outage`` remembers whether a service (Redis, the database) is failing and writes
  a warning when it goes away, at most once a minute while it stays away, and a note
  when it is back, so an outage fills no disk with one line per request; the
  workers of one host agree on who writes it (``HostLogGate``).
* ``DatabaseUnavailableMiddleware`` answers a request that failed because the
  database could not be reached with a short 503 page and ``Retry-After``; a reader's
  comment text comes back on that page so nothing typed is lost. ``service_unavailable``
  is the same page, used by the 500 handler for failures outside views.
"""

import fcntl
import hashlib
import logging
import tempfile
import threading
import time
from pathlib import Path

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


class HostLogGate:
    """Which process of this host writes an outage's next log line.

    gunicorn runs several workers; each finds the outage on its own. A small
    file per outage, locked while read and written, holds when the host last
    logged it (0: not down), so the host says "away" once a minute and "back"
    once, whatever the number of workers. If the file cannot be used, every
    process decides for itself (more lines, never none).
    """

    def __init__(self, name):
        digest = hashlib.sha256(f"{settings.BASE_DIR}|{name}".encode()).hexdigest()[:16]
        self.path = Path(tempfile.gettempdir()) / f"newsroom-outage-{digest}"

    def _swap(self, decide):
        """Run ``decide(last_logged) -> (result, new value or None)`` under the file's lock."""
        try:
            with open(self.path, "a+") as stamp:
                fcntl.flock(stamp, fcntl.LOCK_EX)
                stamp.seek(0)
                try:
                    last = float(stamp.read().strip() or 0)
                except ValueError:
                    last = 0.0
                result, new = decide(last)
                if new is not None:
                    stamp.seek(0)
                    stamp.truncate()
                    stamp.write(repr(new))
                return result
        except OSError:
            return True

    def claim_failure(self, now, interval):
        # A clock set back (or frozen in a test) before the last line counts as due.
        def decide(last):
            due = not last or now - last >= interval or now < last
            return due, (now if due else None)

        return self._swap(decide)

    def claim_recovery(self):
        """When the host had logged the outage: when it did (and it is now over), else 0."""
        return self._swap(lambda last: (last, 0.0 if last else None))


class Outage:
    """The state of one service in this process, with rate-limited logging."""

    def __init__(self, name, *, log_interval=LOG_INTERVAL):
        self.name = name
        self.log_interval = log_interval
        self._lock = threading.Lock()
        self.down_since = None
        self.last_error = ""
        self._logged_at = None
        self._gate = None

    @property
    def gate(self):
        if self._gate is None:
            self._gate = HostLogGate(self.name)
        return self._gate

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
        if due and self.gate.claim_failure(now, self.log_interval):
            logger.warning(
                "%s unreachable (%s)%s%s",
                self.name,
                self.last_error,
                "; " if consequence else "",
                consequence,
                extra={"service": self.name, "outage_seconds": round(now - self.down_since)},
            )

    def recovered(self, *, host_wide=False):
        """The service answers again. ``host_wide``: even if this process never met the
        outage, say it is over when another worker of this host logged it (cached pages
        need no database, so the worker that meets the recovery may not have met the outage)."""
        if self.down_since is None and not host_wide:
            return
        with self._lock:
            since = self.down_since
            self.down_since = None
            self._logged_at = None
        logged_at = self.gate.claim_recovery()
        if not logged_at:
            return  # not down on this host, or another worker of this host has said so
        seconds = time.time() - (since if since is not None else logged_at)
        logger.warning(
            "%s reachable again after %d s",
            self.name,
            seconds,
            extra={"service": self.name, "outage_seconds": round(seconds)},
        )


database = Outage("Database")


def _connected(sender, connection, **kwargs):
    # After an outage every connection is made anew: the first one means it is over,
    # for this worker or for the host (connections are kept, so this is rare).
    database.recovered(host_wide=True)


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
