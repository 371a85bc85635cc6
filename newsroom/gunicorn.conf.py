"""gunicorn settings: `gunicorn -c newsroom/gunicorn.conf.py newsroom.wsgi`."""

import gc
import multiprocessing
import os

bind = os.environ.get(
    "BIND", f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
)
# Rendering is CPU-bound: sync workers, two per core plus one.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
keepalive = 5
max_requests = 20000
max_requests_jitter = 2000


def _number(name, default):
    value = os.environ.get(name, "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        raise RuntimeError(f"{name}={value!r} is not a whole number.") from None


def _nice(name, default):
    """A step to add to the workers' niceness (0–19), or ``"idle"``."""
    value = os.environ.get(name, "").strip().lower()
    if value == "idle":
        return value
    number = _number(name, default)
    if not 0 <= number <= 19:
        raise RuntimeError(f"{name}={value!r}: use a step from 0 to 19, or idle.")
    return number


WORKER_NICE = _nice("WORKER_NICE", 5)


def _switch(name, default):
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise RuntimeError(f"{name}={value!r} is not a boolean (use 1 or 0).")


# Both logs as one JSON object per line, like the site's own (newsroom/logs.py);
# LOG_FORMAT=plain for people reading along.
logger_class = "newsroom.logs.GunicornLogger"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
errorlog = "-"
# The access line costs ~0.1 ms per request even when written nowhere (it is
# still built): ACCESS_LOG=0 switches it off.
accesslog = "-" if _switch("ACCESS_LOG", True) else None
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
preload_app = True
# gunicorn's control socket sits at one path per user: several instances on one
# machine (tests, bench, a second site) would fight over it, and nothing uses it.
control_socket_disable = True


def pre_fork(server, worker):
    """Take what the master built out of the garbage collector's sight, before each fork.

    With ``preload_app`` the master holds the whole loaded application (and what
    ``newsroom/warmup.py`` prepared). A worker's first full collection would otherwise
    walk all of it, some 150 ms about twenty requests into its life (the p99 of every
    page, each time a worker is replaced), and touching each object's header would
    copy the master's shared memory into every worker.
    """
    gc.freeze()


def post_fork(server, worker):
    """Workers yield the CPU to what answers without them (the cache in front, the
    databases) when the machine is full: ``WORKER_NICE`` (default 5) is added to their
    scheduling priority. A comment storm then slows rendering and posting, not the
    cached pages Varnish serves.

    ``WORKER_NICE=idle`` goes further, for a host where the cache in front shares the
    cores: the workers take Linux's idle scheduling class (``SCHED_IDLE``) and run
    whenever nothing else on the host wants the CPU, so a hit never waits behind a
    worker's slice (the storm's p99 of Varnish hits 1.5 → 0.8 ms here). Anything else
    CPU-bound at normal priority on that host (a batch job, an import) then comes
    before the site's rendering: run those with ``nice``."""
    yield_cpu()


def yield_cpu():
    """Give the calling process the workers' scheduling (``WORKER_NICE``)."""
    if WORKER_NICE == "idle":
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    elif WORKER_NICE:
        os.nice(WORKER_NICE)
