"""Changes announce the keys they touch; after commit, pages carrying them are retired.

``invalidate(keys)`` is what models' signal receivers call. Inside a transaction
the keys wait for its commit (a rolled-back change retires nothing); then the
shared page cache raises their versions and every configured purger (a
Varnish, a CDN) is told to drop the same keys.

A cache that does not answer keeps the keys: they are retired again with the
next change this process sees, so pages stored before an outage do not
outlive it unnoticed.
"""

import logging
import threading

from django.db import transaction

from . import purge, store
from . import refresh as _refresh

logger = logging.getLogger(__name__)

# Keys the cache did not take (it was away), retired again with the next change.
_unsaved = set()
_unsaved_lock = threading.Lock()


class _Batch:
    def __init__(self, keys, refresh):
        self.keys = set(keys)
        self.refresh = refresh

    def __call__(self):
        flush(self.keys, refresh=self.refresh)


def invalidate(keys, *, refresh=False):
    """Retire the pages carrying any of ``keys`` once the current transaction commits.

    ``refresh``: render the pages of those keys that ``PAGECACHE_REFRESH_KEYS`` names
    anew first, and put them in the retired pages' places (``pagecache.refresh``).
    """
    keys = {key for key in keys if key}
    if not keys:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        flush(keys, refresh=refresh)
        return
    transaction.on_commit(_Batch(keys, refresh))


def flush(keys, *, refresh=False):
    """Retire ``keys`` now: raise their versions in the page cache, then purge proxies."""
    with _unsaved_lock:
        keys = set(keys) | _unsaved
        _unsaved.clear()
    pages = _refresh.pages_for(keys) if refresh else None
    if not store.invalidate(keys, pages=pages):
        with _unsaved_lock:
            _unsaved.update(keys)
        logger.warning(
            "page cache unreachable: %d key(s) kept to retire with the next change", len(keys)
        )
    purge.send(keys)
