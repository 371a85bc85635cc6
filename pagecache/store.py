"""Whole pages in a shared cache, each kept under the keys of what it shows.

A page is stored with the *keys* it depends on (``story:12``, ``home``,
``section:local``…, named by the project's dependency function) and the
sequence number read when its rendering began. Each key has a version: the
sequence number of the last change to it. A stored page is current while every
one of its keys was last changed *before* its rendering began; a change to one
key therefore retires exactly the pages that carry it, on every process and
host that shares the cache, and nothing else.

Why a sequence read at the start: a page rendered from data read before a change
was committed, but stored after the change's invalidation, would otherwise look
current. Versions are only ever raised after the change is committed, so a
rendering that began after the raise read the new data.

A key whose version is missing (never set, evicted, expired) makes the pages
carrying it stale, never current: losing cache entries can only cost renders.
Reading a page costs one cache round trip (two the first time a process sees
it) and no database query.
"""

import hashlib
import time
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.cache import caches

from .local import announce, copies, enabled

SEQUENCE = "pagecache:seq"
PAGE_PREFIX = "pagecache:page:"
VERSION_PREFIX = "pagecache:v:"


def cache():
    return caches[settings.PAGECACHE_CACHE]


def page_key(address):
    return PAGE_PREFIX + hashlib.sha256(address.encode()).hexdigest()


def version_key(key):
    return VERSION_PREFIX + key


def version_seconds():
    # A version must outlive every page stored under it; twice the longest a page lives.
    return 2 * max(settings.NEWSROOM_PAGE_CACHE_SECONDS, 1)


@dataclass(frozen=True, slots=True)
class Page:
    status: int
    headers: tuple  # ((name, value), ...), as the response carried them
    body: bytes
    etag: str
    keys: tuple
    sequence: int  # the sequence read when its rendering began
    expires_at: float  # time.time() after which it is stale whatever changes


def sequence():
    """The current sequence number (set from the clock, in ms, the first time).

    Starting from the clock means that a sequence lost with the cache (a Redis
    restart) starts again above every number handed out before.
    """
    store = cache()
    value = store.get(SEQUENCE)
    if value is None:
        store.add(SEQUENCE, int(time.time() * 1000), None)
        value = store.get(SEQUENCE)
    return value


# The keys last seen on the page at each address, so a hit reads the page and its
# keys' versions in one round trip (bounded; forgetting only costs a second trip).
_keys_seen = {}
KEYS_SEEN_MAX = 20000


def lookup(address):
    """The current stored page at ``address``, or None: this process's copy when it
    has a current one (``pagecache.local``), else the shared cache's."""
    store = cache()
    if not enabled(store):
        return _shared(store, address)
    page, token = copies.get(store, address)
    if page is None:
        page = _shared(store, address)
        if page is not None:
            copies.keep(store, address, page, token)
    return page


def _shared(store, address):
    key = page_key(address)
    wanted = [version_key(name) for name in _keys_seen.get(key, ())]
    found = store.get_many([key, *wanted])
    page = found.pop(key, None)
    if page is None or page.expires_at <= time.time():
        return None
    if page.keys != _keys_seen.get(key):
        if len(_keys_seen) >= KEYS_SEEN_MAX:
            _keys_seen.clear()
        _keys_seen[key] = page.keys
        found = store.get_many([version_key(name) for name in page.keys])
    if len(found) != len(page.keys) or max(found.values()) > page.sequence:
        return None
    return page


LOCK_PREFIX = "pagecache:rendering:"


def claim(address, seconds):
    """True if this process is to render the page at ``address``: no one else is (or the
    cache does not answer, and each process renders its own)."""
    return bool(cache().add(LOCK_PREFIX + page_key(address), 1, seconds)) or not claimed(address)


def release(address):
    cache().delete(LOCK_PREFIX + page_key(address))


def claimed(address):
    return cache().get(LOCK_PREFIX + page_key(address)) is not None


# How often a waiting process looks for the page: a page renders in 5–30 ms, and the
# waiter holds a worker (sync workers serve one request at a time) until it looks
# again, so it looks often — each look is one small read of the cache.
WAIT_INTERVALS = (0.001, 0.002, 0.003)
WAIT_INTERVAL_MAX = 0.004


def wait_for(address, seconds):
    """The page at ``address`` once the process rendering it has stored it; None if it
    stores none (an uncacheable answer) or takes longer than ``seconds``."""
    deadline = time.monotonic() + seconds
    looks = 0
    while time.monotonic() < deadline:
        time.sleep(WAIT_INTERVALS[looks] if looks < len(WAIT_INTERVALS) else WAIT_INTERVAL_MAX)
        looks += 1
        page = lookup(address)
        if page is not None:
            return page
        if not claimed(address):
            return lookup(address)
    return None


def save(address, page):
    """Store ``page`` unless one of its keys changed since its rendering began."""
    seconds = page.expires_at - time.time()
    if seconds < 1:
        return False
    store = cache()
    wanted = [version_key(key) for key in page.keys]
    versions = store.get_many(wanted)
    missing = [key for key in wanted if key not in versions]
    if missing:
        # Not changed while the cache remembers: changed "now", as far as pages know.
        now = sequence()
        if now is None:
            return False
        for key in missing:
            store.add(key, now, version_seconds())
        versions = store.get_many(wanted)
    if len(versions) != len(wanted) or max(versions.values()) > page.sequence:
        return False
    store.set(page_key(address), page, int(seconds))
    _remember_address(store, address, page.keys)
    return True


ADDRESSES_PREFIX = "pagecache:addresses:"
# Addresses remembered per refreshed key (a story's page, its comment pages…).
ADDRESSES_MAX = 8


def _remember_address(store, address, keys):
    """Note that a page at ``address`` carries these keys, for those of them that are
    rendered anew when they change (``PAGECACHE_REFRESH_KEYS``). Pages are stored on a
    miss only, so this read (and rarely a write) is not on a hit's path."""
    prefixes = tuple(settings.PAGECACHE_REFRESH_KEYS)
    wanted = [ADDRESSES_PREFIX + key for key in keys if prefixes and key.startswith(prefixes)]
    if not wanted:
        return
    known = store.get_many(wanted)
    changed = {
        name: (address, *known.get(name, ()))[:ADDRESSES_MAX]
        for name in wanted
        if address not in known.get(name, ())
    }
    if changed:
        store.set_many(changed, timeout=version_seconds())


def addresses(keys):
    """The addresses of stored pages carrying these keys, as far as they were noted
    (``PAGECACHE_REFRESH_KEYS`` only; newest first; a forgotten one is only not refreshed)."""
    prefixes = tuple(settings.PAGECACHE_REFRESH_KEYS)
    wanted = [
        ADDRESSES_PREFIX + key for key in sorted(keys) if prefixes and key.startswith(prefixes)
    ]
    if not wanted:
        return []
    found = cache().get_many(wanted)
    seen = []
    for name in wanted:
        for address in found.get(name, ()):
            if address not in seen:
                seen.append(address)
    return seen


def invalidate(keys, pages=None):
    """Retire every stored page carrying one of ``keys``; False if the cache did not answer.

    ``pages`` (address → Page), rendered after the change was committed, take the
    retired pages' places in the same step (``pagecache.refresh``): each is stored as
    current only if no other change was numbered while it rendered — the sequence
    moved by exactly one, this change — else it is dropped and readers render it.
    """
    keys = sorted(set(keys))
    if not keys:
        return True
    store = cache()
    try:
        number = store.incr(SEQUENCE)
    except ValueError:
        # No sequence yet (or the cache is away): start one, and step past it.
        store.add(SEQUENCE, int(time.time() * 1000), None)
        try:
            number = store.incr(SEQUENCE)
        except ValueError:
            return False
    for address, page in (pages or {}).items():
        # Before the versions rise: a reader who finds it now gets the new page.
        seconds = int(page.expires_at - time.time())
        if page.sequence is not None and page.sequence + 1 == number and seconds >= 1:
            store.set(page_key(address), replace(page, sequence=number), seconds)
    failed = store.set_many({version_key(key): number for key in keys}, timeout=version_seconds())
    # Then every process's own copies (even if the versions were not all taken).
    announced = announce(store, number, keys)
    return not failed and announced
