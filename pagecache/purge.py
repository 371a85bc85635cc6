"""Tell reverse proxies and CDNs which keys changed: ``PURGE`` with ``Surrogate-Key``.

Every cached public response names the keys it depends on in its
``Surrogate-Key`` header (space-separated, the convention Fastly and Varnish's
xkey use). After a change, each URL in ``PAGECACHE_PURGE_URLS`` receives one
``PURGE`` request whose ``Surrogate-Key`` header lists the changed keys;
``deploy/varnish.vcl`` turns it into an ``xkey`` purge. A purger that does not
answer within ``PAGECACHE_PURGE_TIMEOUT`` is logged and skipped: the change
itself never fails for it (the proxy then serves that page until its
``s-maxage`` runs out).
"""

import http.client
import logging
from urllib.parse import urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)

HEADER = "Surrogate-Key"
# Keep each PURGE's header well under common 8 KB header limits.
MAX_HEADER = 4000


def batches(keys):
    batch, size = [], 0
    for key in sorted(keys):
        if batch and size + len(key) + 1 > MAX_HEADER:
            yield batch
            batch, size = [], 0
        batch.append(key)
        size += len(key) + 1
    if batch:
        yield batch


def send(keys):
    """PURGE ``keys`` at every configured purger; returns how many requests failed."""
    failures = 0
    for url in settings.PAGECACHE_PURGE_URLS:
        for batch in batches(keys):
            try:
                status = _purge(url, batch)
            except OSError as error:
                failures += 1
                logger.warning("purge at %s failed: %s", url, error.__class__.__name__)
                continue
            if status >= 300:
                failures += 1
                logger.warning("purge at %s answered %s", url, status)
    return failures


def _purge(url, keys):
    parts = urlsplit(url)
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(
        parts.hostname, parts.port, timeout=settings.PAGECACHE_PURGE_TIMEOUT
    )
    try:
        connection.request("PURGE", parts.path or "/", headers={HEADER: " ".join(keys)})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()
