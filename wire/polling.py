"""Polling partners' feeds: fetch, read, take each item in, and note how it went.

``poll(feed)`` never raises for a feed that is down, slow, huge or malformed: the
problem is recorded on the feed (shown on its source's admin page) and logged on the
``wire`` logger, and the caller goes on to the next feed. An item that cannot become a
story is counted as failed, logged with its ID, and the other items are still taken.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import fetching, ingest
from .feeds import FeedError, parse
from .models import Feed

logger = logging.getLogger("wire")

SUMMARY_LENGTH = Feed._meta.get_field("summary").max_length


@dataclass
class PollResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    partner_changed: int = 0
    failed: int = 0
    # Why the feed could not be read at all ("" when it was).
    error: str = ""
    # The server said 304: nothing changed since the last poll.
    not_modified: bool = False

    def __str__(self):
        """What an editor is told: the error, "not changed…" or the counts."""
        if self.error:
            return _("failed: %(error)s") % {"error": self.error}
        if self.not_modified:
            return _("not changed since the last poll")
        return self.counts

    def add(self, outcome: ingest.Outcome):
        field = {
            ingest.Outcome.NEW: "new",
            ingest.Outcome.UPDATED: "updated",
            ingest.Outcome.UNCHANGED: "unchanged",
            ingest.Outcome.PARTNER_CHANGED: "partner_changed",
        }[outcome]
        setattr(self, field, getattr(self, field) + 1)

    @property
    def counts(self) -> str:
        """ "3 new, 1 updated, 10 unchanged, 0 failed" (partner changes when there are)."""
        return counts_text(
            new=self.new,
            updated=self.updated,
            unchanged=self.unchanged,
            partner_changed=self.partner_changed,
            failed=self.failed,
        )


def counts_text(*, new, updated, unchanged, partner_changed, failed) -> str:
    parts = [
        _("%(count)d new") % {"count": new},
        _("%(count)d updated") % {"count": updated},
        _("%(count)d unchanged") % {"count": unchanged},
    ]
    if partner_changed:
        parts.append(
            ngettext("%(count)d partner change", "%(count)d partner changes", partner_changed)
            % {"count": partner_changed}
        )
    parts.append(_("%(count)d failed") % {"count": failed})
    return ", ".join(parts)


def poll(feed: Feed, *, now=None) -> PollResult:
    """Poll one feed and record the outcome on it (see the module's docstring)."""
    now = now or timezone.now()
    result = PollResult()
    try:
        fetched = fetching.fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified)
        if fetched.not_modified:
            result.not_modified = True
            _record(feed, now=now, fetched=fetched, result=result)
            return result
        items = parse(fetched.content, url=fetched.url, content_type=fetched.content_type)
    except (fetching.FetchError, FeedError) as error:
        result.error = str(error)
        _record_failure(feed, now=now, error=result.error)
        return result
    for item in items:
        try:
            outcome = ingest.receive(feed.source, item, feed=feed)
        except (ValidationError, DatabaseError) as error:
            result.failed += 1
            logger.warning(
                "Feed %s: item %s not taken in: %s",
                feed.url,
                item.guid or "(no ID)",
                _messages(error),
            )
            continue
        result.add(outcome)
    _record(feed, now=now, fetched=fetched, result=result)
    return result


def poll_all(
    feeds: Iterable[Feed], *, progress: Callable[[Feed, PollResult], None] | None = None
) -> list[tuple[Feed, PollResult]]:
    """Poll each active feed in turn; ``progress(feed, result)`` after each one."""
    done = []
    for feed in feeds:
        if not feed.active:
            continue
        try:
            result = poll(feed)
        except Exception as error:  # noqa: BLE001 — a bug met on one feed must not stop the rest
            logger.exception("Polling feed %s failed unexpectedly", feed.url)
            result = PollResult(
                error=_("Polling stopped on an unexpected error: %(error)s") % {"error": error}
            )
            _record_failure(feed, now=timezone.now(), error=result.error)
        done.append((feed, result))
        if progress is not None:
            progress(feed, result)
    return done


def _messages(error) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def _record(feed: Feed, *, now, fetched, result: PollResult):
    feed.checked_at = feed.succeeded_at = now
    feed.error = ""
    feed.failures = 0
    if result.not_modified:
        feed.outcome = Feed.Outcome.NOT_MODIFIED
        feed.summary = _("Not changed since the last poll.")
    else:
        feed.outcome = Feed.Outcome.OK
        feed.summary = result.counts[:SUMMARY_LENGTH]
    # For the next conditional GET (after a 304, fetch keeps what was sent if the
    # server did not repeat it).
    feed.etag = fetched.etag[:500]
    feed.last_modified = fetched.last_modified[:100]
    feed.save(
        update_fields=[
            "checked_at",
            "succeeded_at",
            "outcome",
            "error",
            "failures",
            "summary",
            "etag",
            "last_modified",
        ]
    )


def _record_failure(feed: Feed, *, now, error: str):
    feed.checked_at = now
    feed.outcome = Feed.Outcome.FAILED
    feed.error = error
    feed.failures += 1
    feed.summary = error[:SUMMARY_LENGTH]
    feed.save(update_fields=["checked_at", "outcome", "error", "failures", "summary"])
    logger.warning("Feed %s could not be read: %s", feed.url, error)
