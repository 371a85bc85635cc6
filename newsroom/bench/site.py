"""The site under test: its environment, its content, and gunicorn serving it.

The site runs in production mode (``NEWSROOM_ENV=production``: DEBUG off, a real
secret key, ``ALLOWED_HOSTS``, secure cookies, HSTS, the HTTPS redirect) behind a
"proxy" that is the bench itself: every request says ``X-Forwarded-Proto: https`` and
carries the reader's address in ``X-Forwarded-For``, as nginx does in
``deploy/nginx.conf`` (``TRUSTED_PROXIES=127.0.0.1``). The content is generated in
development mode (production never loads demo content) into the same database.
"""

import hashlib
import json
import os
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
GENERATOR = ROOT / "articles" / "management" / "commands" / "generate_demo_data.py"
REDIS_URL = "redis://127.0.0.1:6379/7"
# Variables of the caller's shell that would point the site somewhere else.
CLEARED = {
    "DEBUG",
    "DATABASE_URL",
    "REDIS_URL",
    "NEWSROOM_ENV",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "PAGE_CACHE_SECONDS",
    "NEWSROOM_VAR_DIR",
    "MEDIA_ROOT",
    "MEDIA_URL",
    "SERVE_MEDIA",
    "BIND",
    "HOST",
    "PORT",
    "SITE_URL",
    "TRUSTED_PROXIES",
    "SECURE_SSL_REDIRECT",
    "ACCESS_LOG",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "DJANGO_SETTINGS_MODULE",
}
# The story page of the comparison carries 50 approved comments.
COMMENTS_PER_STORY = 50
# ... and about 700 words, as in the comparison.
WORDS_PER_STORY = 700


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def workers():
    return 2 * (os.cpu_count() or 1) + 1


def site_env(run_dir, database_url, redis_url=REDIS_URL):
    """Production settings for one machine, PostgreSQL or SQLite, Redis as the cache."""
    env = {k: v for k, v in os.environ.items() if k not in CLEARED and not k.startswith("MEDIA_")}
    return env | {
        "NEWSROOM_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "NEWSROOM_VAR_DIR": str(run_dir),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "TRUSTED_PROXIES": "127.0.0.1",
        "WEB_CONCURRENCY": str(workers()),
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
    }


def manage(env, *args, quiet=True):
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
        timeout=3600,
    )


def inside(env, *args, timeout=600):
    """Run a ``newsroom.bench.inside`` command; its JSON answer."""
    done = subprocess.run(
        [sys.executable, "-m", "newsroom.bench.inside", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode:
        raise RuntimeError(f"inside {args[0]} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# Content ---------------------------------------------------------------------------


def _content_key(stories, seed):
    """What the generated database depends on: the schema and the generator."""
    digest = hashlib.sha256(f"{stories}:{COMMENTS_PER_STORY}:{WORDS_PER_STORY}:{seed}".encode())
    sources = sorted(ROOT.glob("*/migrations/*.py")) + [GENERATOR]
    for path in sources:
        if path.exists():
            digest.update(path.relative_to(ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _generate(env, stories, seed, log):
    if not GENERATOR.exists():
        sys.exit(
            f"The bench fills its database with {GENERATOR.relative_to(ROOT)}, which is missing."
        )
    dev = env | {"NEWSROOM_ENV": "development", "SECRET_KEY": "", "ALLOWED_HOSTS": ""}
    manage(dev, "migrate", "--noinput", "-v0")
    log(f"generating {stories:,} stories with {COMMENTS_PER_STORY} comments each")
    manage(
        dev,
        "generate_demo_data",
        "--stories",
        str(stories),
        "--comments-per-story",
        str(COMMENTS_PER_STORY),
        "--words",
        str(WORDS_PER_STORY),
        "--seed",
        str(seed),
        quiet=False,
    )


def prepare_sqlite(run_dir, *, env, stories, seed, cache_dir, log):
    """A database file with the content: generated once per schema and generator,
    then copied for each run (every run starts from the same rows).

    No ``ANALYZE``: the site never runs it, so a production SQLite file has no
    planner statistics either, and the bench measures the plans it would get.
    """
    cached = cache_dir / f"content-{_content_key(stories, seed)}.sqlite3"
    target = Path(run_dir) / "newsroom.sqlite3"
    if cached.exists():
        log(f"content from {cached.relative_to(ROOT)}")
        shutil.copyfile(cached, target)
        return
    for old in cache_dir.glob("content-*"):
        old.unlink()
    _generate(env, stories, seed, log)
    with sqlite3.connect(target) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    cache_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(target, cached)


def prepare_postgres(env, *, stories, seed, log):
    """Drop and recreate the bench's own PostgreSQL database, fill it, then ``ANALYZE``:
    on a production database autovacuum keeps the planner's statistics current (it
    would get to freshly copied rows a minute or so later)."""
    import psycopg

    url = urllib.parse.urlsplit(env["DATABASE_URL"])
    name = url.path.lstrip("/")
    if "bench" not in name:
        sys.exit(
            "The bench drops and recreates its PostgreSQL database: "
            f"name one with 'bench' in it, not {name!r}."
        )
    admin = urllib.parse.urlunsplit(url._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')
    _generate(env, stories, seed, log)
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as db:
        db.execute("ANALYZE")


def flush_cache(redis_url=REDIS_URL):
    """Empty the bench's own Redis database (and only that one)."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()


# gunicorn --------------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    """Where something listens on 127.0.0.1 (a proxy): what load is sent to."""

    port: int

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with newsroom/gunicorn.conf.py, as `make run` and production start it."""

    def __init__(self, app, env, log_dir, name):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.name = name
        self.workers = int(env.get("WEB_CONCURRENCY") or workers())
        # The access log goes to stdout as configured; here to a file, as a log
        # shipper would take it, and the error log beside it.
        self.access_log = Path(log_dir) / f"{name}.access.log"
        self.error_log = Path(log_dir) / f"{name}.error.log"
        with open(self.access_log, "wb") as out, open(self.error_log, "wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "newsroom/gunicorn.conf.py", app],
                cwd=ROOT,
                env=env | {"PORT": str(self.port), "HOST": "127.0.0.1"},
                stdout=out,
                stderr=err,
            )

    def wait_until_up(self, path="/healthz", seconds=60):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name}: gunicorn exited\n{self.tail()}")
            try:
                with urllib.request.urlopen(self.base + path, timeout=2):  # noqa: S310 - loopback
                    pass
            except OSError:
                time.sleep(0.2)
                continue
            # Every worker forked and ready: gunicorn starts them one after another.
            if len(self.worker_pids()) >= self.workers:
                return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name}: no answer within {seconds} s\n{self.tail()}")

    def tail(self, lines=30):
        return "\n".join(self.error_log.read_text(errors="replace").splitlines()[-lines:])

    def worker_pids(self):
        """The gunicorn workers: the master's children, from /proc."""
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return sorted(pids)

    def worker_rss_mb(self):
        """Resident and peak memory of each worker (VmRSS, VmHWM), in MB."""
        found = {}
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            values = dict(
                line.split(":", 1) for line in status.splitlines() if line.startswith("Vm")
            )
            found[pid] = {
                "rss_mb": round(int(values["VmRSS"].split()[0]) / 1024, 1),
                "peak_mb": round(int(values["VmHWM"].split()[0]) / 1024, 1),
            }
        return found

    def worker_timeouts(self):
        """Workers gunicorn killed for taking longer than its timeout over one request."""
        return self.error_log.read_text(errors="replace").count("WORKER TIMEOUT")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


@contextmanager
def serving(app, env, log_dir, name, path="/healthz", record=None):
    """gunicorn for the length of the block; ``record`` (a dict) receives what its
    workers looked like at the end: memory and any worker killed for a timeout."""
    server = Server(app, env, log_dir, name)
    try:
        server.wait_until_up(path)
        yield server
        if record is not None:
            record[name] = {
                "workers_at_end": server.worker_rss_mb(),
                "worker_timeouts": server.worker_timeouts(),
            }
    finally:
        server.stop()
