"""Django's Redis cache, made to degrade: losing Redis slows the site, never stops it.

Everything the site keeps in the cache (whole pages, site settings, navigation,
comment counts) can be recomputed from the database, so when Redis does not
answer, each operation behaves as a cache miss: reads return the default,
writes are dropped. After a failure Redis is left alone for a few seconds
(``RETRY_SECONDS``), so readers do not each wait for a connection timeout; then
the next operation tries again, and when Redis answers the site uses it at
once, with no restart. The outage is logged once a minute (newsroom.outages).
"""

import time
from urllib.parse import urlsplit, urlunsplit

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .outages import Outage

# After a failure, how long operations skip Redis before trying it again.
RETRY_SECONDS = 5
# A Redis that does not answer within these is treated as away.
CONNECT_TIMEOUT = 0.5
SOCKET_TIMEOUT = 0.5

FAILURES = (RedisConnectionError, RedisTimeoutError, OSError)
CONSEQUENCE = "serving from the database without the cache"

# One state per Redis location, shared by every thread and cache handle of a process.
_outages: dict[str, Outage] = {}
_retry_at: dict[str, float] = {}


def redact(url):
    """A Redis URL without its password, for logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=f"***@{host}"))


class ReusedClients(RedisCacheClient):
    """Django's Redis client, building one ``redis.Redis`` per pool rather than one per
    operation: constructing it costs more than a GET on loopback (a page-cache hit
    makes one or two calls)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` that treats an unreachable
    Redis as an empty cache."""

    def __init__(self, server, params):
        options = {
            "socket_connect_timeout": CONNECT_TIMEOUT,
            "socket_timeout": SOCKET_TIMEOUT,
            **params.get("OPTIONS", {}),
        }
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusedClients
        self._location = ",".join(self._servers)
        shown = ",".join(redact(server) for server in self._servers)
        self.outage = _outages.setdefault(self._location, Outage(f"Cache (Redis at {shown})"))

    # Health ------------------------------------------------------------------

    def _skipping(self):
        return self.outage.is_down and time.time() < _retry_at.get(self._location, 0)

    def _failed(self, error):
        _retry_at[self._location] = time.time() + RETRY_SECONDS
        self.outage.failed(error, consequence=CONSEQUENCE)

    def _run(self, operation, args, fallback):
        if self._skipping():
            return fallback
        try:
            result = operation(*args)
        except FAILURES as error:
            self._failed(error)
            return fallback
        if self.outage.is_down:
            self.outage.recovered()
        return result

    def probe(self):
        """Ask Redis itself (ignoring the back-off): None when it answers, else the error."""
        try:
            self._cache.get_client(write=True).ping()
        except FAILURES as error:
            self._failed(error)
            return f"{error.__class__.__name__}"
        if self.outage.is_down:
            self.outage.recovered()
        return None

    # The cache API -------------------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run(super().add, (key, value, timeout, version), False)

    def get(self, key, default=None, version=None):
        return self._run(super().get, (key, default, version), default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._run(super().set, (key, value, timeout, version), None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run(super().touch, (key, timeout, version), False)

    def delete(self, key, version=None):
        return self._run(super().delete, (key, version), False)

    def get_many(self, keys, version=None):
        return self._run(super().get_many, (keys, version), {})

    def has_key(self, key, version=None):
        return self._run(super().has_key, (key, version), False)

    def incr(self, key, delta=1, version=None):
        missing = object()
        result = self._run(super().incr, (key, delta, version), missing)
        if result is missing:
            raise ValueError(f"Key '{key}' not found (the cache is unreachable)")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run(super().set_many, (data, timeout, version), list(data))

    def delete_many(self, keys, version=None):
        self._run(super().delete_many, (keys, version), None)

    def clear(self):
        return self._run(super().clear, (), False)
