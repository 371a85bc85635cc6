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

logger = logging.getLogger(__name__)

# Keys the cache did not take (it was away), retired again with the next change.
_unsaved = set()
_unsaved_lock = threading.Lock()


class _Batch:
    def __init__(self, keys):
        self.keys = set(keys)

    def __call__(self):
        flush(self.keys)


def invalidate(keys):
    """Retire the pages carrying any of ``keys`` once the current transaction commits."""
    keys = {key for key in keys if key}
    if not keys:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        flush(keys)
        return
    transaction.on_commit(_Batch(keys))


def flush(keys):
    """Retire ``keys`` now: raise their versions in the page cache, then purge proxies."""
    with _unsaved_lock:
        keys = set(keys) | _unsaved
        _unsaved.clear()
    if not store.invalidate(keys):
        with _unsaved_lock:
            _unsaved.update(keys)
        logger.warning(
            "page cache unreachable: %d key(s) kept to retire with the next change", len(keys)
        )
    purge.send(keys)
