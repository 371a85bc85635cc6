"""A line for SQLite's writers, so that a burst of writes does not sleep.

SQLite lets one writer at a time hold the database (with ``transaction_mode=
IMMEDIATE``, from ``BEGIN``). A writer that finds it taken waits in SQLite's busy
handler, which sleeps 1, 2, 5, 10, 15, 20, 25 … up to 100 ms between tries, however
soon the lock is let go. Under a burst of comments each post holds the lock for
about a millisecond, and the other workers spend most of their time in those sleeps:
measured with five workers, a comment took 21 ms from request to answer at 250 a
second, most of it asleep, and readers waited behind the sleeping workers.

``queued()`` puts such writers in line on a file lock beside the database
(``flock(2)``) before they begin: the kernel wakes the next one the moment the lock
is let go. SQLite is one file on one host, so a lock file there covers every
process that can write to it. Nothing changes elsewhere: PostgreSQL queues its
writers itself, and an in-memory database has one process.
"""

import fcntl
import logging
import os
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections

logger = logging.getLogger(__name__)

SUFFIX = "-writers.lock"


def lock_path(connection):
    """The lock file of a file-backed SQLite database, else None."""
    if connection.vendor != "sqlite":
        return None
    name = str(connection.settings_dict["NAME"])
    if connection.is_in_memory_db() or not name:
        return None
    return name + SUFFIX


@contextmanager
def queued(using=DEFAULT_DB_ALIAS):
    """Wait in line for the database's write lock, then hold the line until the block ends.

    Use around a short write transaction (``with queued(), transaction.atomic():``).
    Inside a transaction already begun, it waits for nothing: that transaction holds
    SQLite's lock, and waiting in line behind a writer who waits for it would never end.
    If the lock file cannot be opened the block runs unqueued, as without this.
    """
    connection = connections[using]
    path = lock_path(connection)
    if path is None or connection.in_atomic_block:
        yield
        return
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as error:
        logger.warning("Writers' lock %s not usable, writing unqueued: %s", path, error)
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing lets the lock go
