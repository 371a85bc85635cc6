"""Whole-page caching of what anonymous readers see, correct across processes.

Cached pages are keyed by a site-wide version kept in the database (one row,
``PageVersion``), so every gunicorn worker and host agrees on what is current
even with a per-process cache: one indexed read per request replaces the
rendering. The version is raised after any change a reader could notice is
committed (a story, its byline, tags or corrections, a section, the comments
shown under a story) and when the next scheduled instant passes, so a story
scheduled for 09:00 appears on every cached page at 09:00:00 without a job.
"""

from datetime import UTC

from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from django.db.models import F, Min
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .models import Article, PageVersion

ROW = 1
CURRENT_SQL = f"SELECT version, next_change_at FROM {PageVersion._meta.db_table} WHERE id = %s"  # noqa: S608 - no user input


def next_scheduled_change(now):
    """The next instant a story goes live or expires, or None."""
    published = Article.objects.filter(status=Article.Status.PUBLISHED)
    instants = [
        published.filter(publish_at__gt=now).aggregate(at=Min("publish_at"))["at"],
        published.filter(expire_at__gt=now).aggregate(at=Min("expire_at"))["at"],
    ]
    return min((at for at in instants if at is not None), default=None)


# The last version this process read, so pages already cached can still be served
# while the database is away (``last_known``); shared through the cache as well,
# for workers that start during an outage.
LAST_VERSION_KEY = "pagecache:last-version"
_last_read = {"version": None}


def last_known():
    """The version last read from the database, or None: for when it cannot be read now."""
    if _last_read["version"] is not None:
        return _last_read["version"]
    return caches[settings.NEWSROOM_PAGE_CACHE].get(LAST_VERSION_KEY)


def _remember(version):
    if version != _last_read["version"]:
        _last_read["version"] = version
        caches[settings.NEWSROOM_PAGE_CACHE].set(LAST_VERSION_KEY, version, None)
    return version


def current():
    """The version pages are cached under now (raising it if a scheduled instant passed).

    Raises the database's error when it cannot be read; see ``last_known``.
    """
    now = timezone.now()
    # Plain SQL: this runs on every cached request, so skip the ORM's query building.
    with connection.cursor() as cursor:
        cursor.execute(CURRENT_SQL, [ROW])
        row = cursor.fetchone()
    if row is None:
        return _remember(bump())
    version, next_change_at = row
    if isinstance(next_change_at, str):  # SQLite hands back text, in UTC
        next_change_at = parse_datetime(next_change_at)
    if next_change_at is not None and timezone.is_naive(next_change_at):
        next_change_at = next_change_at.replace(tzinfo=UTC)
    if next_change_at is not None and next_change_at <= now:
        return _remember(bump())
    return _remember(version)


def bump():
    """Raise the version: every cached page is stale from now on."""
    now = timezone.now()
    next_change_at = next_scheduled_change(now)
    updated = PageVersion.objects.filter(pk=ROW).update(
        version=F("version") + 1, next_change_at=next_change_at
    )
    if not updated:
        PageVersion.objects.get_or_create(pk=ROW, defaults={"next_change_at": next_change_at})
    return PageVersion.objects.values_list("version", flat=True).get(pk=ROW)


def bump_after_commit(**kwargs):
    """Signal receiver: raise the version once the change is committed."""
    transaction.on_commit(bump)
