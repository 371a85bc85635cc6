"""Each process's own copies of the pages it served lately, kept current by announcements.

A hit from the shared cache costs one round trip to Redis: on loopback that is
more than all the rest of a hit together, and it halves what a worker can
serve. So a process also keeps the pages it served lately, in memory, and
hears of every change on a Redis channel: ``store.invalidate`` announces each
change (its sequence number and keys) after raising the keys' versions.

Before answering from its copy a process reads what has arrived on the channel
(a non-blocking read of its own socket, no round trip), so an announcement that
reached the host before the request is always applied first: Redis has written
it to every subscriber's socket by the time the change's own ``PUBLISH``
returns, that is before the editor's request finishes or any purge is sent.
A copy is used only while:

- the subscription has been unbroken since the copy was checked against the
  shared cache (a lost connection, a Redis restart or an unreadable message
  drops every copy);
- no announced key of the page was raised after its rendering began (the same
  rule as the shared cache's);
- it was checked against the shared cache less than ``PAGECACHE_LOCAL_SECONDS``
  ago (a bound on a silent network fault between a host and Redis), and the page
  has not expired.

Copies are bounded by ``PAGECACHE_LOCAL_BYTES`` per process (least recently
used go first). Only a Redis page cache can announce; with any other backend,
or ``PAGECACHE_LOCAL_BYTES = 0``, every hit reads the shared cache.
"""

import contextlib
import logging
import os
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

# Past this many announced keys the versions heard are forgotten, with the copies.
MAX_VERSIONS = 20000
# After a failed subscription, how long a process reads the shared cache only.
RETRY_SECONDS = 5


def channel(cache):
    """The announcement channel of ``cache``: channels are global to a Redis server,
    so its name carries the cache's key prefix and database."""
    client = cache._cache.get_client(None, write=True)
    database = client.connection_pool.connection_kwargs.get("db", 0)
    return f"{cache.make_key('pagecache:changes')}@{database}"


def enabled(cache):
    return getattr(settings, "PAGECACHE_LOCAL_BYTES", 0) > 0 and isinstance(cache, RedisCache)


def announce(cache, number, keys):
    """Tell every process that ``keys`` were raised to ``number`` (False if Redis did not take it)."""
    if not enabled(cache):
        return True
    try:
        cache._cache.get_client(None, write=True).publish(
            channel(cache), f"{number} {' '.join(keys)}"
        )
    except Exception as error:  # noqa: BLE001 - any failure: copies expire on their own
        logger.warning("page cache announcement failed: %s", error)
        return False
    return True


class Copies:
    """The pages of one process, with the versions announced since it subscribed."""

    def __init__(self):
        self.lock = threading.Lock()
        self.pid = None
        self.subscription = None
        self.retry_at = 0.0
        self.reset()

    def reset(self):
        self.pages = OrderedDict()  # address -> (page, checked_at)
        self.versions = {}  # key -> the highest number announced for it
        self.size = 0
        self.generation = getattr(self, "generation", 0) + 1

    def close(self):
        """Forget every copy and leave the channel (the next use subscribes again)."""
        with self.lock:
            self._drop_subscription()
            self.pid = None
            self.retry_at = 0.0

    # The subscription -------------------------------------------------------

    def _drop_subscription(self):
        if self.subscription is not None:
            with contextlib.suppress(Exception):  # closing a broken connection
                self.subscription.close()
        self.subscription = None
        self.reset()

    def _subscribe(self, cache):
        client = cache._cache.get_client(None, write=True)
        subscription = client.pubsub(ignore_subscribe_messages=False)
        subscription.subscribe(channel(cache))
        confirmed = subscription.get_message(timeout=1)
        if not confirmed or confirmed.get("type") != "subscribe":
            subscription.close()
            raise ConnectionError("no confirmation of the subscription")
        return subscription

    def _listening(self, cache):
        """True when subscribed (subscribing if need be) and every announcement so far is applied."""
        if os.getpid() != self.pid:
            # A forked worker shares nothing with its parent's connection or copies.
            self.pid = os.getpid()
            self.subscription = None
            self.reset()
        if self.subscription is None:
            if time.monotonic() < self.retry_at:
                return False
            try:
                self.subscription = self._subscribe(cache)
            except Exception as error:  # noqa: BLE001 - Redis away: read the shared cache
                self.retry_at = time.monotonic() + RETRY_SECONDS
                logger.info("page cache copies off for %d s: %s", RETRY_SECONDS, error)
                return False
            self.reset()
        try:
            while (message := self.subscription.get_message(timeout=0)) is not None:
                if message["type"] == "message":
                    self._apply(message["data"])
        except Exception as error:  # noqa: BLE001 - a lost connection may have lost announcements
            logger.info("page cache announcements interrupted: %s", error)
            self._drop_subscription()
            self.retry_at = 0.0
            return False
        return True

    def _apply(self, data):
        number, *keys = data.decode().split(" ")
        number = int(number)
        versions = self.versions
        for key in keys:
            if number > versions.get(key, 0):
                versions[key] = number
        if len(versions) > MAX_VERSIONS:
            self.reset()

    # Pages ------------------------------------------------------------------------

    def _current(self, page):
        versions = self.versions
        return page.expires_at > time.time() and all(
            versions.get(key, 0) <= page.sequence for key in page.keys
        )

    def get(self, cache, address):
        """``(page, token)``: this process's current copy of the page at ``address``
        (or None), and the token to pass to ``keep`` with a page read from the
        shared cache instead."""
        with self.lock:
            if not self._listening(cache):
                return None, None
            entry = self.pages.get(address)
            if entry is not None:
                page, checked_at = entry
                if (
                    time.monotonic() - checked_at < settings.PAGECACHE_LOCAL_SECONDS
                    and self._current(page)
                ):
                    self.pages.move_to_end(address)
                    return page, None
                self._forget(address)
            return None, self.generation

    def keep(self, cache, address, page, token):
        """Keep ``page``, read from the shared cache after ``get`` returned ``token``."""
        if token is None:
            return
        limit = settings.PAGECACHE_LOCAL_BYTES
        with self.lock:
            # Whatever was announced since the page was read applies to it too.
            if not self._listening(cache) or self.generation != token:
                return
            if not self._current(page) or len(page.body) > limit // 4:
                return
            self._forget(address)
            self.pages[address] = (page, time.monotonic())
            self.size += len(page.body)
            while self.size > limit:
                _, (oldest, _) = self.pages.popitem(last=False)
                self.size -= len(oldest.body)

    def _forget(self, address):
        entry = self.pages.pop(address, None)
        if entry is not None:
            self.size -= len(entry[0].body)


copies = Copies()
