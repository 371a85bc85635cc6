"""Cached pages answered before Django runs (newsroom/fastpath.py), as gunicorn calls it."""

import io
import sys

from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import TestCase, override_settings

from articles.tests.factories import make_article
from newsroom.wsgi import application


def call(path, method="GET", **headers):
    """One request through the WSGI application gunicorn serves: (status, headers, body)."""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
    }
    environ.update({f"HTTP_{name.upper()}": value for name, value in headers.items()})
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"] = int(status.split()[0])
        answer["headers"] = dict(response_headers)

    chunks = application(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return answer["status"], answer["headers"], body


class FastPathTests(TestCase):
    def setUp(self):
        # After the suite's conftest, which turns the page cache off for other tests.
        cache_on = override_settings(NEWSROOM_PAGE_CACHE_SECONDS=600)
        cache_on.enable()
        self.addCleanup(cache_on.disable)
        # As Django's test client does: the handler's request signals would close the
        # test's database connection (and its transaction) after each request.
        for signal in (request_started, request_finished):
            signal.disconnect(close_old_connections)
            self.addCleanup(signal.connect, close_old_connections)
        self.url = make_article(headline="Tide tables").get_absolute_url()
        status, self.first_headers, self.first_body = call(self.url)
        self.assertEqual(status, 200)
        self.assertEqual(self.first_headers["X-Page-Cache"], "miss")

    def test_a_hit_is_the_stored_page_with_no_query(self):
        with self.assertNumQueries(0):
            status, headers, body = call(self.url)
        self.assertEqual(status, 200)
        self.assertEqual(headers["X-Page-Cache"], "hit")
        self.assertEqual(body, self.first_body)
        for name in ("Content-Type", "ETag", "Content-Security-Policy", "Surrogate-Key"):
            self.assertEqual(headers[name], self.first_headers[name], name)

    def test_every_hit_gets_its_own_request_id(self):
        ids = {call(self.url)[1]["X-Request-ID"] for _ in range(3)}
        self.assertEqual(len(ids), 3)
        self.assertNotIn(self.first_headers["X-Request-ID"], ids)

    @override_settings(TRUSTED_PROXIES=["127.0.0.1"])
    def test_a_trusted_proxys_request_id_is_kept(self):
        self.assertEqual(call(self.url, x_request_id="edge-42")[1]["X-Request-ID"], "edge-42")

    def test_head_has_the_headers_and_no_body(self):
        status, headers, body = call(self.url, method="HEAD")
        self.assertEqual((status, body), (200, b""))
        self.assertEqual(headers["Content-Length"], str(len(self.first_body)))

    def test_a_matching_etag_answers_304_without_the_database(self):
        with self.assertNumQueries(0):
            status, headers, body = call(self.url, if_none_match=self.first_headers["ETag"])
        self.assertEqual((status, body), (304, b""))
        self.assertEqual(headers["ETag"], self.first_headers["ETag"])

    def test_staff_and_unknown_hosts_go_to_django(self):
        status, headers, _ = call(self.url, cookie="sessionid=abc")
        self.assertEqual(status, 200)
        self.assertNotEqual(headers.get("X-Page-Cache"), "hit")
        status, headers, body = call(self.url, host="evil.example")
        self.assertEqual(status, 400)
        self.assertNotIn(b"Tide tables", body)
