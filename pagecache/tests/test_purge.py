"""Purges reach the configured proxies with exactly the changed keys, and never break a change."""

import http.server
import logging
import socket
import threading

import pytest
from django.db import transaction
from django.test import TestCase, override_settings

from articles import publishing
from articles.tests.factories import make_article, make_draft, make_section, make_user
from pagecache import purge


class PurgeRecorder(http.server.ThreadingHTTPServer):
    """A stand-in proxy on loopback that records every PURGE it is sent."""

    def __init__(self):
        self.purges = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_PURGE(handler):  # noqa: N802 - the HTTP method's name
                self.purges.append((handler.path, handler.headers.get("Surrogate-Key", "")))
                handler.send_response(200)
                handler.send_header("Content-Length", "0")
                handler.end_headers()

            def log_message(handler, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def key_sets(self):
        return [set(keys.split()) for _, keys in self.purges]

    def stop(self):
        self.shutdown()
        self.server_close()


@pytest.fixture
def recorder():
    server = PurgeRecorder()
    yield server
    server.stop()


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PurgeTests(TestCase):
    @pytest.fixture(autouse=True)
    def _recorder(self, recorder):
        self.recorder = recorder

    def setUp(self):
        self.editor = make_user(groups=["Editors"])
        self.section = make_section(slug="harbour")
        purging = override_settings(PAGECACHE_PURGE_URLS=[self.recorder.url])
        purging.enable()
        self.addCleanup(purging.disable)

    def test_publishing_purges_the_story_and_its_lists(self):
        draft = make_draft(headline="Ferry returns", section=self.section)
        with self.captureOnCommitCallbacks(execute=True):
            publishing.publish(draft, by=self.editor)
        keys = set().union(*self.recorder.key_sets())
        assert {f"story:{draft.pk}", "home", "section:harbour", "feed", "sitemap"} <= keys
        assert "site" not in keys

    def test_an_unseen_draft_purges_nothing(self):
        draft = make_draft(headline="Not yet")
        with self.captureOnCommitCallbacks(execute=True):
            draft.summary = "Reworded"
            draft.save()
        assert self.recorder.purges == []

    def test_a_rolled_back_change_purges_nothing(self):
        story = make_article(section=self.section)
        with self.captureOnCommitCallbacks(execute=True):
            try:
                with transaction.atomic():
                    story.headline = "Never seen"
                    story.save()
                    raise RuntimeError("the editor's save failed later on")
            except RuntimeError:
                pass
        assert self.recorder.purges == []

    def test_a_proxy_that_does_not_answer_is_logged_and_the_change_still_happens(self):
        story = make_article(section=self.section)
        dead = f"http://127.0.0.1:{closed_port()}/"
        with (
            override_settings(PAGECACHE_PURGE_URLS=[dead, self.recorder.url]),
            self.assertLogs("pagecache.purge", logging.WARNING) as logs,
            self.captureOnCommitCallbacks(execute=True),
        ):
            publishing.take_down(story, by=self.editor, reason="Legal")
        story.refresh_from_db()
        assert story.status == "taken_down"
        assert any("failed" in line for line in logs.output)
        assert any(f"story:{story.pk}" in keys for keys in self.recorder.key_sets())


def test_long_key_lists_are_split_under_header_limits():
    keys = {f"story:{n}" for n in range(2000)}
    batches = list(purge.batches(keys))
    assert len(batches) > 1
    assert set().union(*batches) == keys
    assert all(len(" ".join(batch)) <= purge.MAX_HEADER for batch in batches)
