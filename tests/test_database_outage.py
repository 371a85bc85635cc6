"""The database goes away under a running site, then comes back.

Real gunicorn serves the demo site from a real PostgreSQL database reached
through a TCP proxy the test cuts (as a crashed server or a broken network
would) and restores. Pages already cached go on being served; anything else
answers a short 503 with Retry-After; a comment sent meanwhile is not stored
(nothing half-written) and its text comes back to the reader; once the database
returns the site serves and stores again, with no restart.
"""

import html
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import redis

from .conftest import demo_site_env, gunicorn
from .tcpproxy import TCPProxy

REDIS_DB = 12


def fetch(url, data=None, headers=None):
    """(status, headers, body) for a GET, or a POST of ``data``; never raises on 4xx/5xx."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers or {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=15) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def through(url, port):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{parts.hostname}:{port}"))


def stored_comments(database_url, body):
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT count(*) FROM comments_comment WHERE body = %s", [body]
        ).fetchone()[0]


def wait_for(predicate, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture(scope="module")
def outage_site():
    redis.Redis(db=REDIS_DB).flushdb()
    with (
        demo_site_env(
            suffix="_outage", postgres=True, REDIS_URL=f"redis://127.0.0.1:6379/{REDIS_DB}"
        ) as env,
        TCPProxy(urlsplit(env["DATABASE_URL"]).port or 5432) as proxy,
    ):
        served = {**env, "DATABASE_URL": through(env["DATABASE_URL"], proxy.port)}
        with gunicorn(served) as base_url:
            log = Path(env["NEWSROOM_VAR_DIR"]) / f"gunicorn-{urlsplit(base_url).port}.log"
            yield base_url, proxy, env["DATABASE_URL"], log
    redis.Redis(db=REDIS_DB).flushdb()


def log_events(log, text):
    """Log events mentioning ``text`` (the console mail backend's mails, e.g. the
    held-comments digest, are printed on the same stream and are not events)."""
    events = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    return [event for event in events if text in event.get("event", "")]


def test_the_site_survives_the_database_going_away_and_coming_back(outage_site):
    base_url, proxy, database_url, log = outage_site
    status, _, home = fetch(f"{base_url}/")
    assert status == 200
    story = f"{base_url}{re.search(r'href="(/story/[^"]+/)"', home).group(1)}"
    status, _, page = fetch(story)
    assert status == 200
    token = html.unescape(re.search(r'name="token" value="([^"]+)"', page).group(1))
    assert fetch(f"{base_url}/")[1]["X-Page-Cache"] == "hit"
    assert fetch(story)[1]["X-Page-Cache"] == "hit"

    proxy.stop()
    try:
        # Pages already cached are still served.
        for url in (f"{base_url}/", story):
            status, headers, _ = fetch(url)
            assert status == 200, url
            assert headers["X-Page-Cache"] == "hit"

        # Anything else: a short 503 that says when to come back.
        status, headers, body = fetch(f"{base_url}/search/?q=harbour")
        assert status == 503
        assert int(headers["Retry-After"]) > 0
        assert "We will be back in a moment" in body
        assert "Traceback" not in body

        # A comment sent now is not stored, and the reader gets the text back.
        typed = "Sent while the database was away.\nSecond line <kept>."
        match = re.search(r'action="(/comments/post/\d+/)', page)
        status, headers, body = fetch(
            f"{base_url}{match.group(1)}",
            {"name": "Ada", "email": "ada@example.com", "body": typed, "token": token},
            {"Sec-Fetch-Site": "same-origin", "Origin": base_url},
        )
        assert status == 503
        assert html.escape(typed, quote=False) in body or html.escape(typed) in body
        assert int(headers["Retry-After"]) > 0

        status, _, ready = fetch(f"{base_url}/readyz")
        assert status == 503
        assert '"status": "unavailable"' in ready
    finally:
        proxy.start()

    # Back without a restart: uncached pages render and comments are stored again.
    assert wait_for(lambda: fetch(f"{base_url}/search/?q=harbour")[0] == 200)
    assert fetch(f"{base_url}/readyz")[0] == 200
    assert stored_comments(database_url, typed) == 0
    status, headers, _ = fetch(
        f"{base_url}{match.group(1)}",
        {"name": "Ada", "email": "ada@example.com", "body": typed, "token": token},
        {"Sec-Fetch-Site": "same-origin", "Origin": base_url},
    )
    assert status == 303, headers
    assert stored_comments(database_url, typed) == 1

    # Both workers met the outage; the host said so once, and once that it was over.
    assert len(log_events(log, "Database unreachable")) == 1
    assert len(log_events(log, "Database reachable again")) == 1
    assert not log_events(log, "Internal Server Error")


def test_a_worker_with_nothing_cached_answers_503_not_500(outage_site):
    base_url, proxy, _, _ = outage_site
    proxy.stop()
    try:
        status, headers, body = fetch(f"{base_url}/corrections/?page=1")
        assert status == 503
        assert headers["Cache-Control"] == "no-store"
        for url in ("/sitemap.xml", "/feed/", "/news-sitemap.xml"):
            assert fetch(f"{base_url}{url}")[0] == 503, url
    finally:
        proxy.start()
    assert wait_for(lambda: fetch(f"{base_url}/corrections/?page=1")[0] == 200)
