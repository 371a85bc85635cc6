"""Structured logs: every line the served site writes is JSON, tied to its request by id.

The site runs under real gunicorn (tests/conftest.py), its log captured in the
var directory; requests come from 127.0.0.1 (a reader) and from 127.0.0.2, a
second loopback address the server trusts as its reverse proxy.
"""

import http.client
import json
import re
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import redis
import structlog
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from newsroom.logs import RequestIdMiddleware

from . import django_process
from .conftest import free_port, gunicorn

PROXY = "127.0.0.2"
STORY = "/story/harbour-bridge-reopens-after-repairs/"  # in the demo, open for comments
HEX_ID = re.compile(r"[0-9a-f]{32}")


class Exchange:
    def __init__(self, response, text):
        self.status = response.status
        self.headers = response.headers
        self.text = text
        self.request_id = response.headers.get("X-Request-ID")


def send(base_url, method, path, *, source="127.0.0.1", headers=None, body=None):
    """One HTTP request from ``source`` (a local address) to the site."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(
        parts.hostname, parts.port, timeout=10, source_address=(source, 0)
    )
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Exchange(response, response.read().decode())
    finally:
        connection.close()


REDIS_DB = 13


def served(env, *, workers=2, **extra_env):
    """gunicorn on ``env``; yields (base URL, path of its log file)."""
    port = free_port()
    log_path = Path(env["NEWSROOM_VAR_DIR"]) / f"gunicorn-{port}.log"
    return gunicorn({**env, **extra_env}, workers=workers, port=port), log_path


def json_lines(log_path):
    """Every line of the log parsed as JSON; fails naming the first line that is not."""
    records = []
    for number, line in enumerate(log_path.read_text().splitlines(), 1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            pytest.fail(f"line {number} of {log_path.name} is not JSON: {line!r}")
        assert isinstance(record, dict), line
        records.append(record)
    return records


@pytest.fixture(scope="module")
def session(site_env):
    """A reader's and a proxy's requests to the demo site, then the whole log."""
    # One cache for both workers, so the second reader of / is served from it.
    redis.Redis(db=REDIS_DB).flushdb()
    server, log_path = served(
        site_env, TRUSTED_PROXIES=PROXY, REDIS_URL=f"redis://127.0.0.1:6379/{REDIS_DB}"
    )
    with server as base_url:
        home = send(base_url, "GET", "/")
        story = send(base_url, "GET", STORY)
        article_id = re.search(r'action="/comments/post/(\d+)/', story.text).group(1)
        exchanges = {
            "home": home,
            "home again": send(base_url, "GET", "/"),
            "story": story,
            "head": send(base_url, "HEAD", STORY),
            "not found": send(base_url, "GET", "/story/no-such-story/?from=test"),
            "refused comment": send(
                base_url,
                "POST",
                f"/comments/post/{article_id}/",
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Origin": base_url,
                    "Sec-Fetch-Site": "same-origin",
                },
                body=urlencode(
                    {
                        "name": "Ada Reader",
                        "email": "ada@example.com",
                        "body": "A comment sent with a forged form token.",
                        "token": "forged",
                        "leave_empty": "",
                    }
                ),
            ),
            "reader's own id": send(
                base_url, "GET", "/healthz", headers={"X-Request-ID": "chosen-by-reader"}
            ),
            "proxy's id": send(
                base_url,
                "GET",
                "/healthz",
                source=PROXY,
                headers={"X-Request-ID": "lb-7f3a.2026-12_01", "X-Forwarded-For": "203.0.113.9"},
            ),
            "proxy's bad id": send(
                base_url,
                "GET",
                "/healthz",
                source=PROXY,
                headers={"X-Request-ID": "two words"},
            ),
            "proxy's long id": send(
                base_url, "GET", "/healthz", source=PROXY, headers={"X-Request-ID": "a" * 201}
            ),
        }
        exchanges["article_id"] = article_id
    # Read after gunicorn stopped: its last lines (shutdown) are written too.
    return exchanges, json_lines(log_path)


def access_lines(records):
    return [r for r in records if r.get("logger") == "gunicorn.access"]


def test_every_line_of_the_servers_output_is_json(session):
    """Startup, worker boot, app logs, access lines and shutdown: all JSON objects."""
    _, records = session
    loggers = {record["logger"] for record in records}
    assert {"gunicorn.error", "gunicorn.access", "django.request", "comments.views"} <= loggers
    assert all({"timestamp", "level", "logger", "event"} <= record.keys() for record in records), (
        records
    )
    events = [record["event"] for record in records if record["logger"] == "gunicorn.error"]
    assert any(event.startswith("Booting worker") for event in events), events
    assert any("Shutting down" in event for event in events), events


def test_each_response_carries_a_fresh_request_id_also_from_the_page_cache(session):
    """Every response has an id; a cached page is not served with an earlier reader's."""
    exchanges, _ = session
    home, again = exchanges["home"], exchanges["home again"]
    assert again.headers["X-Page-Cache"] == "hit"
    assert HEX_ID.fullmatch(home.request_id) and HEX_ID.fullmatch(again.request_id)
    assert home.request_id != again.request_id
    ids = [e.request_id for key, e in exchanges.items() if key != "article_id"]
    assert len(set(ids)) == len(ids), ids


def test_access_line_describes_the_request_with_the_responses_id(session):
    exchanges, records = session
    by_id = {record["request_id"]: record for record in access_lines(records)}
    not_found = exchanges["not found"]
    assert not_found.status == 404
    line = by_id[not_found.request_id]
    assert line["method"] == "GET"
    assert line["path"] == "/story/no-such-story/"
    assert line["query"] == "from=test"
    assert line["status"] == 404
    assert line["bytes"] == len(not_found.text.encode())
    assert line["duration_ms"] > 0
    assert line["remote_addr"] == line["peer"] == "127.0.0.1"
    assert line["event"] == "GET /story/no-such-story/ 404"
    for key, exchange in exchanges.items():
        if key != "article_id":
            assert by_id[exchange.request_id]["status"] == exchange.status, key


def test_app_log_lines_during_a_request_carry_its_id(session):
    """Django's "Not Found" warning and the comment pipeline's refusal name their request."""
    exchanges, records = session
    not_found = exchanges["not found"]
    assert [r["event"] for r in records if r.get("request_id") == not_found.request_id] == [
        "Not Found: /story/no-such-story/",
        "GET /story/no-such-story/ 404",
    ]
    refused = exchanges["refused comment"]
    assert refused.status == 400
    assert "please send it again" in refused.text
    refusal_lines = [r for r in records if r["logger"] == "comments.views"]
    assert [(r["event"], r["request_id"]) for r in refusal_lines] == [
        (f"Comment on story {exchanges['article_id']} refused: stale_form", refused.request_id)
    ]


def test_a_reader_cannot_choose_the_request_id(session):
    exchanges, _ = session
    assert HEX_ID.fullmatch(exchanges["reader's own id"].request_id)


def test_the_trusted_proxys_request_id_is_kept_when_it_is_a_sane_token(session):
    exchanges, records = session
    kept = exchanges["proxy's id"]
    assert kept.request_id == "lb-7f3a.2026-12_01"
    line = next(r for r in access_lines(records) if r["request_id"] == kept.request_id)
    assert (line["peer"], line["remote_addr"]) == (PROXY, "203.0.113.9")
    assert HEX_ID.fullmatch(exchanges["proxy's bad id"].request_id)
    assert HEX_ID.fullmatch(exchanges["proxy's long id"].request_id)


def test_access_log_can_be_switched_off(site_env):
    """ACCESS_LOG=0: no access lines (they cost time), the rest of the log stays JSON."""
    server, log_path = served(site_env, workers=1, ACCESS_LOG="0")
    with server as base_url:
        assert send(base_url, "GET", "/story/no-such-story/").status == 404
    records = json_lines(log_path)
    assert not access_lines(records)
    assert "Not Found: /story/no-such-story/" in [r["event"] for r in records]


# In-process: the middleware and the settings ----------------------------------


def run_middleware(remote_addr, incoming=None):
    headers = {"X-Request-ID": incoming} if incoming is not None else {}
    request = RequestFactory().get("/", REMOTE_ADDR=remote_addr, headers=headers)
    seen = {}

    def view(request):
        seen["attribute"] = request.request_id
        seen["context"] = structlog.contextvars.get_contextvars().get("request_id")
        return HttpResponse()

    response = RequestIdMiddleware(view)(request)
    assert seen["attribute"] == seen["context"] == response["X-Request-ID"]
    return response["X-Request-ID"]


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
@pytest.mark.parametrize(
    ("peer", "incoming", "kept"),
    [
        ("10.0.0.5", "abc.DEF_123-x", True),
        ("10.0.0.5", "x" * 200, True),
        ("10.0.0.5", "x" * 201, False),
        ("10.0.0.5", "id\r\nSet-Cookie: a=b", False),
        ("10.0.0.5", 'quote"d', False),
        ("10.0.0.5", "", False),
        ("192.0.2.1", "abc", False),
        ("not an address", "abc", False),
    ],
)
def test_request_id_from_a_trusted_proxy_only_when_sane(peer, incoming, kept):
    request_id = run_middleware(peer, incoming)
    assert (request_id == incoming) is kept
    if not kept:
        assert HEX_ID.fullmatch(request_id)


def test_request_context_is_cleared_when_the_response_is_done(client):
    response = client.get("/healthz")
    assert HEX_ID.fullmatch(response["X-Request-ID"])
    assert structlog.contextvars.get_contextvars() == {}


def run_settings(code, **env):
    return django_process.run_django(code, environ={"PATH": "/usr/bin:/bin"}, **env)


def test_plain_format_for_people_and_levels_from_the_environment(tmp_path):
    code = (
        "import logging; log = logging.getLogger('newsroom.test');"
        "log.info('quiet'); log.warning('Disk %s full', 'three')"
    )
    plain = run_settings(code, LOG_FORMAT="plain", NEWSROOM_VAR_DIR=str(tmp_path))
    assert plain.returncode == 0, plain.stderr
    assert re.search(r"\[info\s*\] quiet\s+\[newsroom\.test\]", plain.stderr), plain.stderr
    warning_only = run_settings(code, LOG_LEVEL="warning", NEWSROOM_VAR_DIR=str(tmp_path))
    records = [json.loads(line) for line in warning_only.stderr.splitlines()]
    assert [(r["level"], r["event"]) for r in records] == [("warning", "Disk three full")]
    bad = run_settings("", LOG_FORMAT="xml", NEWSROOM_VAR_DIR=str(tmp_path))
    assert "LOG_FORMAT='xml': use 'json' or 'plain'." in bad.stderr


def test_head_gets_the_headers_of_get_and_no_warning_in_the_log(session):
    """HEAD answers like GET without a body, and gunicorn has nothing to complain of."""
    exchanges, records = session
    head, story = exchanges["head"], exchanges["story"]
    assert head.status == 200
    assert head.text == ""
    assert head.headers["Content-Length"] == str(len(story.text.encode()))
    assert not [r for r in records if "no-body response" in str(r.get("event", ""))]
