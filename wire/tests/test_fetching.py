"""Fetching feeds from a real local HTTP server: conditional GETs, time and size limits,
and the messages editors see when a partner's server misbehaves."""

import time

import pytest

from wire.fetching import FetchError, fetch
from wire.tests.feedserver import FeedServer, closed_port_url

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>KSTP</title><link>https://kstp.com/</link>
<description>News</description>
<item><title>Bridge reopens</title><guid>kstp-1</guid><link>https://kstp.com/news/1</link>
<description>The bridge is open again.</description></item>
</channel></rss>"""
ETAG = '"v1"'
LAST_MODIFIED = "Tue, 01 Dec 2026 08:00:00 GMT"


@pytest.fixture
def server():
    with FeedServer() as running:
        yield running


@pytest.fixture(autouse=True)
def _small_limits(settings):
    """Limits small enough for tests to reach them quickly."""
    settings.WIRE_FEED_TIMEOUT = 0.5
    settings.WIRE_FEED_MAX_BYTES = 1024 * 1024


def test_a_feed_is_read_with_its_validators(server):
    """The body comes back with the ETag and Last-Modified to send next time, and
    the request says who is asking."""
    url = server.serve("/rss", RSS, etag=ETAG, last_modified=LAST_MODIFIED)
    fetched = fetch(url)
    assert not fetched.not_modified
    assert b"Bridge reopens" in fetched.content
    assert (fetched.etag, fetched.last_modified) == (ETAG, LAST_MODIFIED)
    assert fetched.content_type.startswith("application/rss+xml")
    [request] = server.requests_to("/rss")
    assert request.headers["user-agent"].startswith("newsroom-wire/1")
    assert "if-none-match" not in request.headers


def test_the_user_agent_names_the_site(server, settings):
    settings.SITE_URL = "https://news.example.com"
    fetch(server.serve("/rss", RSS))
    [request] = server.requests_to("/rss")
    assert request.headers["user-agent"] == "newsroom-wire/1 (+https://news.example.com)"


def test_an_unchanged_feed_is_answered_304_by_etag(server):
    url = server.serve("/rss", RSS, etag=ETAG, last_modified=LAST_MODIFIED)
    fetched = fetch(url, etag=ETAG, last_modified=LAST_MODIFIED)
    assert fetched.not_modified
    assert fetched.content == b""
    assert (fetched.etag, fetched.last_modified) == (ETAG, LAST_MODIFIED)
    [request] = server.requests_to("/rss")
    assert request.headers["if-none-match"] == ETAG
    assert request.headers["if-modified-since"] == LAST_MODIFIED
    assert request.status == 304


def test_an_unchanged_feed_is_answered_304_by_date(server):
    """A server that only gives Last-Modified is asked If-Modified-Since."""
    url = server.serve("/rss", RSS, last_modified=LAST_MODIFIED)
    fetched = fetch(url, last_modified=LAST_MODIFIED)
    assert fetched.not_modified
    assert fetched.last_modified == LAST_MODIFIED
    assert server.requests_to("/rss")[0].status == 304


def test_a_changed_feed_is_sent_again(server):
    url = server.serve("/rss", RSS, etag='"v2"')
    fetched = fetch(url, etag=ETAG)
    assert not fetched.not_modified
    assert fetched.etag == '"v2"'
    assert b"Bridge reopens" in fetched.content


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (503, "The server answered 503 Service Unavailable."),
        (500, "The server answered 500 Internal Server Error."),
        (404, "The server answered 404 Not Found: the feed is not at this address."),
        (403, "The server answered 403 Forbidden: the feed is not open to us."),
    ],
)
def test_an_error_status_is_reported(server, status, message):
    url = server.serve("/rss", "<html>Oops</html>", status=status, content_type="text/html")
    with pytest.raises(FetchError) as caught:
        fetch(url)
    assert str(caught.value) == message


def test_a_server_that_never_answers_is_given_up_on(server):
    url = server.hang("/hang", seconds=30)
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        fetch(url)
    assert time.monotonic() - started < 15  # far less than the server would take
    assert str(caught.value) == "The feed did not answer within 0.5 seconds."


def test_the_default_timeout_is_ten_seconds(server, settings):
    """Without the setting, a feed has 10 seconds (the message says so)."""
    del settings.WIRE_FEED_TIMEOUT
    url = server.hang("/hang", seconds=30)
    with pytest.raises(FetchError) as caught:
        fetch(url, timeout=0.3)  # the message uses what applied; the test stays quick
    assert "0.3 seconds" in str(caught.value)
    from wire import fetching

    assert fetching.DEFAULT_TIMEOUT == 10
    assert fetching.DEFAULT_MAX_BYTES == 10 * 1024 * 1024


def test_a_server_trickling_bytes_is_cut_off_at_the_deadline(server):
    """Each byte arrives well within the read timeout, but the whole feed never does:
    the total deadline ends it."""
    url = server.trickle("/slow")
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        fetch(url)
    elapsed = time.monotonic() - started
    assert 0.4 < elapsed < 15
    assert str(caught.value) == "The feed was still arriving after 0.5 seconds; polling stopped."


def test_a_huge_feed_announced_as_such_is_not_read(server):
    url = server.huge("/huge", 50 * 1024 * 1024, declare_length=True)
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        fetch(url)
    assert time.monotonic() - started < 15  # far less than the server would take
    assert str(caught.value) == "The feed is larger than the 1 MB limit; nothing was read from it."


def test_a_huge_feed_without_a_length_is_read_up_to_the_limit(server):
    """50 MB sent without Content-Length: reading stops at the cap, quickly."""
    url = server.huge("/huge", 50 * 1024 * 1024, declare_length=False)
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        fetch(url)
    assert time.monotonic() - started < 15  # far less than the server would take
    assert str(caught.value) == "The feed is larger than the 1 MB limit; reading stopped there."


def test_a_compressed_feed_is_limited_by_what_it_unpacks_to(server):
    """A few kilobytes of gzip that unpack to 20 MB are stopped at the cap."""
    url = server.gzip_bomb("/bomb", 20 * 1024 * 1024)
    with pytest.raises(FetchError) as caught:
        fetch(url)
    assert "larger than the 1 MB limit" in str(caught.value)


def test_a_compressed_feed_is_unpacked(server):
    import gzip

    url = server.serve(
        "/gz", gzip.compress(RSS.encode()), extra_headers={"Content-Encoding": "gzip"}
    )
    assert b"Bridge reopens" in fetch(url).content


def test_a_refused_connection_is_reported():
    with pytest.raises(FetchError) as caught:
        fetch(closed_port_url())
    assert str(caught.value) == "Could not connect to 127.0.0.1: connection refused."


@pytest.mark.parametrize(
    "url", ["ftp://kstp.com/feed.xml", "file:///etc/passwd", "kstp.com/feed", "https:///feed"]
)
def test_only_web_addresses_are_fetched(url):
    with pytest.raises(FetchError) as caught:
        fetch(url)
    assert "Only http:// and https:// feed addresses can be polled" in str(caught.value)
