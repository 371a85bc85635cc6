"""Fixtures for the end-to-end browser tests.

``site`` serves a freshly migrated, demo-loaded newsroom with real gunicorn in
a subprocess; ``browser`` is Debian's Chromium driven through Playwright.
"""

import contextlib
import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_TIMEOUT = 20  # seconds for gunicorn to answer /healthz

# Settings the caller's shell may carry that would point the site elsewhere.
CLEARED_VARIABLES = [
    "DEBUG",
    "DATABASE_URL",
    "MEDIA_ROOT",
    "SERVE_MEDIA",
    "ALLOWED_HOSTS",
    "BIND",
    "HOST",
    "PORT",
    "WEB_CONCURRENCY",
    "SECURE_SSL_REDIRECT",
    "MEDIA_URL",
    "MEDIA_S3_BUCKET",
    "MEDIA_S3_PREFIX",
    "MEDIA_S3_ENDPOINT_URL",
    "MEDIA_S3_REGION",
    "MEDIA_S3_ACCESS_KEY_ID",
    "MEDIA_S3_SECRET_ACCESS_KEY",
]


def manage(env, *args):
    """Run ``manage.py`` with the site's environment; fail loudly on error."""
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO_ROOT, env=env, check=True, timeout=300
    )


def shell(env, code):
    """Run Python inside the site's Django (``manage.py shell``); the lines it printed."""
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v0", "-c", code],
        cwd=REPO_ROOT,
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthz_ok(base_url):
    try:
        with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


class PostgresDatabase:
    """A throwaway database next to the one ``DATABASE_URL`` names."""

    def __init__(self, url, *, suffix=""):
        import psycopg
        from psycopg import sql

        self.psycopg, self.sql = psycopg, sql
        self.server_url = url
        self.name = f"newsroom_e2e_{os.getpid()}{suffix}"
        parts = urlsplit(url)
        self.url = urlunsplit(parts._replace(path=f"/{self.name}"))

    def _execute(self, statement):
        with self.psycopg.connect(self.server_url, dbname="postgres", autocommit=True) as conn:
            conn.execute(statement)

    def create(self):
        self.drop()
        self._execute(self.sql.SQL("CREATE DATABASE {}").format(self.sql.Identifier(self.name)))

    def drop(self):
        self._execute(
            self.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                self.sql.Identifier(self.name)
            )
        )


POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432/test"


def postgres_server_url():
    """The PostgreSQL server of the suite: DATABASE_URL's, or the machine's own."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgres") else POSTGRES_SERVER


@contextlib.contextmanager
def demo_site_env(*, suffix="", demo=True, postgres=False, **extra):
    """A fresh environment for subprocesses of a site under test.

    Development mode with DEBUG off; database, static files and media live in
    a temporary directory, or, when ``DATABASE_URL`` names PostgreSQL, in a
    fresh database on that server which is dropped afterwards. Migrated, with
    static files collected and (``demo``) the demo content loaded. ``extra``
    adds environment variables (e.g. ``REDIS_URL``). ``postgres=True`` uses a
    throwaway PostgreSQL database even when the suite runs on SQLite (for what
    only makes sense with a database server: several hosts, outages, backups);
    its URL is also in ``env["NEWSROOM_TEST_DATABASE"]``.
    """
    with tempfile.TemporaryDirectory(prefix="newsroom-e2e-") as var_dir:
        env = {k: v for k, v in os.environ.items() if k not in CLEARED_VARIABLES}
        env.update(
            NEWSROOM_ENV="development",
            NEWSROOM_VAR_DIR=var_dir,
            DJANGO_SETTINGS_MODULE="newsroom.settings",
            PYTHONUNBUFFERED="1",
        )
        env.update(extra)
        database = None
        if postgres or os.environ.get("DATABASE_URL", "").startswith("postgres"):
            database = PostgresDatabase(postgres_server_url(), suffix=suffix)
            database.create()
            env["DATABASE_URL"] = env["NEWSROOM_TEST_DATABASE"] = database.url
        try:
            manage(env, "migrate", "--noinput")
            manage(env, "collectstatic", "--noinput", "-v0")
            if demo:
                manage(env, "load_demo")
            yield env
        finally:
            if database is not None:
                database.drop()


@pytest.fixture(scope="session")
def site_env():
    """The environment of the shared demo site (see ``demo_site_env``)."""
    with demo_site_env() as env:
        yield env


@contextlib.contextmanager
def gunicorn(env, *, workers=2, port=None):
    """Serve the site with real gunicorn in a subprocess; yields its base URL.

    ``env`` is a full environment (start from ``site_env``); its log goes to
    ``gunicorn-<port>.log`` in the site's var directory and is printed if the
    server does not come up.
    """
    port = port or free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {**env, "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": str(workers)}
    log_path = Path(env["NEWSROOM_VAR_DIR"]) / f"gunicorn-{port}.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "newsroom/gunicorn.conf.py",
                "newsroom.wsgi",
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not healthz_ok(base_url):
            problem = None
            if time.monotonic() > deadline:
                problem = f"gunicorn did not answer {base_url}/healthz within {STARTUP_TIMEOUT}s"
            else:
                try:
                    # Waits a moment between probes and notices an early exit.
                    code = server.wait(timeout=0.2)
                    problem = f"gunicorn exited with status {code} before serving"
                except subprocess.TimeoutExpired:
                    pass
            if problem:
                print(f"--- gunicorn log ({log_path}) ---")
                print(log_path.read_text(errors="replace"))
                pytest.fail(problem)
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="session")
def site(site_env):
    """The base URL of the demo site served by real gunicorn (2 workers)."""
    with gunicorn(site_env) as base_url:
        yield base_url


class S3Server:
    """A real S3-compatible HTTP server (moto's) in the test process, for media in a bucket.

    ``site_env(bucket)`` gives the environment variables that put a site's media there;
    gunicorn subprocesses reach it over HTTP like any object store.
    """

    REGION = "us-east-1"
    CREDENTIALS = {"aws_access_key_id": "newsroom-test", "aws_secret_access_key": "not-a-secret"}

    def __init__(self, port=None):
        from moto.server import ThreadedMotoServer

        self.port = port or free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._buckets = 0

    def start(self):
        # One log line per S3 request would drown the test output.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server.start()
        return self

    def stop(self):
        self._server.stop()

    def client(self):
        import boto3

        return boto3.client(
            "s3", endpoint_url=self.endpoint_url, region_name=self.REGION, **self.CREDENTIALS
        )

    def create_bucket(self, prefix="media"):
        self._buckets += 1
        name = f"{prefix}-{os.getpid()}-{self._buckets}"
        self.client().create_bucket(Bucket=name)
        return name

    def objects(self, bucket):
        """``{key: bytes}`` of everything in ``bucket``."""
        client = self.client()
        keys = [
            item["Key"]
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for item in page.get("Contents", [])
        ]
        return {key: client.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}

    def site_env(self, bucket):
        return {
            "MEDIA_S3_BUCKET": bucket,
            "MEDIA_S3_ENDPOINT_URL": self.endpoint_url,
            "MEDIA_S3_REGION": self.REGION,
            "MEDIA_S3_ACCESS_KEY_ID": self.CREDENTIALS["aws_access_key_id"],
            "MEDIA_S3_SECRET_ACCESS_KEY": self.CREDENTIALS["aws_secret_access_key"],
        }


@pytest.fixture(scope="session")
def s3_server():
    """One S3-compatible server for the session; each test makes its own bucket."""
    server = S3Server().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright's sync API."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(
                f"Chromium is required in CI for the browser tests: {CHROMIUM} is missing "
                "(apt-get install chromium)."
            )
        pytest.skip("Chromium not installed (apt-get install chromium): browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_context(browser, site):
    """Open a fresh browser context (own cookies) on the site; closed after the test."""
    contexts = []

    def open_context():
        context = browser.new_context(base_url=site)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()
