"""Polling partners' feeds end to end: a real local HTTP server, feedparser, ingest and
the database. What editors notice: drafts in Incoming with their source, original URL
and ID; nothing twice; problems on the feed's record and in the log, never a stopped
poll; the command's console report."""

import logging
import time
from datetime import UTC, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from articles.models import Article
from wire import polling
from wire.models import Feed, Provenance
from wire.tests.factories import make_source
from wire.tests.feedserver import FeedServer, closed_port_url

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
<title>KSTP News</title><link>https://kstp.com/</link><description>Local news</description>
<item>
  <title>Bridge reopens after repairs</title>
  <link>https://kstp.com/news/bridge-reopens</link>
  <guid isPermaLink="false">kstp-1001</guid>
  <pubDate>Tue, 01 Dec 2026 07:30:00 GMT</pubDate>
  <description>&lt;p&gt;The Hennepin Avenue bridge is open again.&lt;/p&gt;</description>
</item>
<item>
  <title>School board elects chair</title>
  <link>https://kstp.com/news/school-board</link>
  <guid isPermaLink="false">kstp-1002</guid>
  <pubDate>Tue, 01 Dec 2026 06:00:00 GMT</pubDate>
  <description>&lt;p&gt;The board chose its chair on Monday night.&lt;/p&gt;</description>
</item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Agency wire</title><id>urn:agency:feed</id><updated>2026-12-01T08:00:00Z</updated>
  <link href="https://wire.example/"/>
  <entry>
    <title>Storm closes ports</title>
    <id>urn:agency:story:77</id>
    <link rel="alternate" href="https://wire.example/stories/77"/>
    <published>2026-12-01T05:00:00Z</published>
    <updated>2026-12-01T07:45:00Z</updated>
    <author><name>Ana Ortiz</name></author>
    <summary>Ports along the coast shut as the storm nears.</summary>
    <content type="html">&lt;p&gt;Ports along the coast &lt;strong&gt;shut&lt;/strong&gt; on Tuesday.&lt;/p&gt;</content>
  </entry>
</feed>"""


def rss(*items, title="KSTP News"):
    """An RSS 2.0 feed of ``(guid, title, body_html)`` items."""
    from xml.sax.saxutils import escape

    entries = "".join(
        f"<item><title>{escape(headline)}</title><guid>{escape(guid)}</guid>"
        f"<link>https://kstp.com/news/{escape(guid)}</link>"
        f"<description>{escape(body)}</description></item>"
        for guid, headline, body in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://kstp.com/</link><description>x</description>"
        f"{entries}</channel></rss>"
    )


@pytest.fixture
def server():
    with FeedServer() as running:
        yield running


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _small_limits(settings):
    settings.WIRE_FEED_TIMEOUT = 0.5
    settings.WIRE_FEED_MAX_BYTES = 1024 * 1024


@pytest.fixture
def kstp(db):
    return make_source(name="KSTP", site_url="https://kstp.com/")


@pytest.fixture
def agency(db):
    return make_source(name="Agency", site_url="https://wire.example/")


def make_feed(source, url, **fields):
    return Feed.objects.create(source=source, url=url, **fields)


def story(guid):
    return Provenance.objects.select_related("article", "feed", "source").get(guid=guid)


@pytest.mark.django_db
class TestWellFormedFeeds:
    def test_rss_items_arrive_as_drafts_with_their_origin(self, server, kstp):
        """Each item of an RSS 2.0 feed becomes a draft, its source, link and GUID kept."""
        feed = make_feed(kstp, server.serve("/rss", RSS, etag='"r1"'))
        result = polling.poll(feed)
        assert (result.new, result.failed, result.error) == (2, 0, "")
        bridge = story("kstp-1001")
        assert bridge.source == kstp
        assert bridge.feed == feed
        assert bridge.original_url == "https://kstp.com/news/bridge-reopens"
        assert bridge.article.status == Article.Status.DRAFT
        assert bridge.article.headline == "Bridge reopens after repairs"
        assert "Hennepin Avenue bridge is open again" in bridge.article.body
        assert bridge.partner_published_at == datetime(2026, 12, 1, 7, 30, tzinfo=UTC)
        assert bridge.received_at == NOW
        assert story("kstp-1002").article.headline == "School board elects chair"
        feed.refresh_from_db()
        assert feed.outcome == Feed.Outcome.OK
        assert (feed.checked_at, feed.succeeded_at) == (NOW, NOW)
        assert (feed.error, feed.failures) == ("", 0)
        assert feed.summary == "2 new, 0 updated, 0 unchanged, 0 failed"
        assert feed.etag == '"r1"'

    def test_atom_entries_arrive_as_drafts_with_their_origin(self, server, agency):
        feed = make_feed(agency, server.serve("/atom", ATOM, content_type="application/atom+xml"))
        assert polling.poll(feed).new == 1
        storm = story("urn:agency:story:77")
        assert storm.source == agency
        assert storm.original_url == "https://wire.example/stories/77"
        assert storm.article.status == Article.Status.DRAFT
        assert storm.article.headline == "Storm closes ports"
        assert "<strong>shut</strong>" in storm.article.body
        assert storm.article.summary == "Ports along the coast shut as the storm nears."
        assert storm.partner_published_at == datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
        assert storm.partner_updated_at == datetime(2026, 12, 1, 7, 45, tzinfo=UTC)

    def test_polling_twice_asks_conditionally_and_adds_nothing(self, server, kstp):
        """The second poll of an unchanged feed is a conditional GET answered 304."""
        feed = make_feed(
            kstp,
            server.serve("/rss", RSS, etag='"r1"', last_modified="Tue, 01 Dec 2026 08:00:00 GMT"),
        )
        polling.poll(feed)
        second = polling.poll(feed)
        assert second.not_modified
        assert (second.new, second.updated, second.unchanged) == (0, 0, 0)
        first_request, second_request = server.requests_to("/rss")
        assert second_request.headers["if-none-match"] == '"r1"'
        assert second_request.headers["if-modified-since"] == "Tue, 01 Dec 2026 08:00:00 GMT"
        assert second_request.status == 304
        assert Article.objects.count() == 2
        feed.refresh_from_db()
        assert feed.outcome == Feed.Outcome.NOT_MODIFIED
        assert feed.etag == '"r1"'

    def test_polling_twice_without_validators_adds_nothing(self, server, kstp):
        """A server that sends the whole feed every time: the same items, still no copies."""
        feed = make_feed(kstp, server.serve("/rss", RSS))
        polling.poll(feed)
        second = polling.poll(feed)
        assert (second.new, second.unchanged, second.not_modified) == (0, 2, False)
        assert Article.objects.count() == Provenance.objects.count() == 2
        feed.refresh_from_db()
        assert feed.summary == "0 new, 0 updated, 2 unchanged, 0 failed"

    def test_a_guid_listed_twice_makes_one_story(self, server, kstp):
        feed = make_feed(
            kstp,
            server.serve(
                "/rss",
                rss(
                    ("dup-1", "Council votes on budget", "<p>First version.</p>"),
                    ("dup-1", "Council votes on budget (copy)", "<p>Second listing.</p>"),
                    ("other-2", "Parade route set", "<p>Route announced.</p>"),
                ),
            ),
        )
        result = polling.poll(feed)
        assert (result.new, result.unchanged, result.failed) == (2, 0, 0)
        assert Provenance.objects.filter(guid="dup-1").count() == 1
        assert story("dup-1").article.headline == "Council votes on budget"

    def test_an_updated_item_updates_the_draft(self, server, kstp):
        url = server.serve("/rss", rss(("upd-1", "Fire downtown", "<p>Crews respond.</p>")))
        feed = make_feed(kstp, url)
        polling.poll(feed)
        server.serve(
            "/rss", rss(("upd-1", "Fire downtown", "<p>Crews put out the fire by noon.</p>"))
        )
        result = polling.poll(feed)
        assert (result.new, result.updated) == (0, 1)
        assert Article.objects.count() == 1
        assert "put out the fire by noon" in story("upd-1").article.body
        feed.refresh_from_db()
        assert feed.summary == "0 new, 1 updated, 0 unchanged, 0 failed"

    def test_html_in_titles_becomes_plain_text(self, server, kstp):
        feed = make_feed(
            kstp,
            server.serve(
                "/rss",
                # The title's text is "<b>Fire</b> &amp; rescue": markup and an entity.
                rss(("t-1", "<b>Fire</b> &amp; rescue", "<p>Crews at the scene.</p>")),
            ),
        )
        polling.poll(feed)
        assert story("t-1").article.headline == "Fire & rescue"

    def test_hostile_markup_in_bodies_is_removed(self, server, kstp):
        hostile = (
            '<p style="position:fixed;top:0">Safe words stay.</p>'
            "<script>alert(document.cookie)</script>"
            '<img src="https://kstp.com/a.jpg" onerror="alert(1)">'
            '<p><a href="javascript:alert(2)">click</a></p>'
            '<iframe src="https://evil.example/"></iframe>'
            '<p onclick="steal()">More words.</p>'
        )
        feed = make_feed(kstp, server.serve("/rss", rss(("h-1", "Hostile", hostile))))
        assert polling.poll(feed).new == 1
        body = story("h-1").article.body
        assert "Safe words stay." in body
        assert "More words." in body
        for bad in ("<script", "alert(", "onerror", "onclick", "javascript:", "<iframe", "style="):
            assert bad not in body.lower()

    def test_an_item_that_cannot_become_a_story_does_not_stop_the_others(
        self, server, kstp, caplog
    ):
        feed = make_feed(
            kstp,
            server.serve(
                "/rss",
                rss(("empty-1", "", ""), ("good-2", "Library opens", "<p>Doors open at 9.</p>")),
            ),
        )
        with caplog.at_level(logging.WARNING, logger="wire"):
            result = polling.poll(feed)
        assert (result.new, result.failed) == (1, 1)
        assert story("good-2").article.headline == "Library opens"
        assert any("empty-1" in record.getMessage() for record in caplog.records)
        feed.refresh_from_db()
        assert feed.outcome == Feed.Outcome.OK
        assert feed.summary == "1 new, 0 updated, 0 unchanged, 1 failed"


MALFORMED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Broken & <not closed
"""


@pytest.mark.django_db
class TestFeedsThatFail:
    def test_malformed_xml_fails_readably_and_others_are_still_read(self, server, kstp, caplog):
        broken = make_feed(kstp, server.serve("/broken", MALFORMED))
        good = make_feed(kstp, server.serve("/rss", RSS))
        with caplog.at_level(logging.WARNING, logger="wire"):
            done = polling.poll_all([broken, good])
        assert [feed for feed, _result in done] == [broken, good]
        broken.refresh_from_db()
        assert broken.outcome == Feed.Outcome.FAILED
        assert broken.error.startswith("The feed is not well-formed XML (")
        assert "line" in broken.error
        assert broken.failures == 1
        assert broken.checked_at == NOW
        assert broken.succeeded_at is None
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert any(broken.url in message and "well-formed" in message for message in warnings)
        good.refresh_from_db()
        assert good.outcome == Feed.Outcome.OK
        assert Provenance.objects.filter(feed=good).count() == 2

    def test_failures_are_counted_until_the_feed_reads_again(self, server, kstp):
        feed = make_feed(kstp, server.serve("/rss", "<html><body>Down for maintenance"))
        polling.poll(feed)
        polling.poll(feed)
        feed.refresh_from_db()
        assert (feed.outcome, feed.failures) == (Feed.Outcome.FAILED, 2)
        assert feed.error == "This is a web page, not an RSS or Atom feed."
        server.serve("/rss", RSS)
        polling.poll(feed)
        feed.refresh_from_db()
        assert (feed.outcome, feed.failures, feed.error) == (Feed.Outcome.OK, 0, "")

    def test_a_document_that_is_not_a_feed_fails(self, server, kstp):
        feed = make_feed(kstp, server.serve("/note", '<?xml version="1.0"?><note>hi</note>'))
        result = polling.poll(feed)
        assert result.error.startswith("This is not an RSS or Atom feed")

    def test_a_feed_that_hangs_fails_in_bounded_time(self, server, kstp):
        hanging = make_feed(kstp, server.hang("/hang", seconds=30))
        good = make_feed(kstp, server.serve("/rss", RSS))
        started = time.monotonic()
        polling.poll_all([hanging, good])
        assert time.monotonic() - started < 15  # the server would hold it 30 s
        hanging.refresh_from_db()
        assert hanging.outcome == Feed.Outcome.FAILED
        assert hanging.error == "The feed did not answer within 0.5 seconds."
        assert Provenance.objects.filter(feed=good).count() == 2

    def test_a_50_mb_feed_fails_at_the_size_cap(self, server, kstp):
        feed = make_feed(kstp, server.huge("/huge", 50 * 1024 * 1024, declare_length=False))
        started = time.monotonic()
        result = polling.poll(feed)
        assert time.monotonic() - started < 15  # reading stops at the 1 MB cap
        assert result.error == "The feed is larger than the 1 MB limit; reading stopped there."
        feed.refresh_from_db()
        assert feed.outcome == Feed.Outcome.FAILED
        assert Article.objects.count() == 0

    def test_a_server_error_and_a_refused_connection_are_reported(self, server, kstp):
        down = make_feed(kstp, server.serve("/rss", "busy", status=503, content_type="text/plain"))
        gone = make_feed(kstp, closed_port_url())
        polling.poll_all([down, gone])
        down.refresh_from_db()
        gone.refresh_from_db()
        assert down.error == "The server answered 503 Service Unavailable."
        assert gone.error == "Could not connect to 127.0.0.1: connection refused."

    def test_a_switched_off_feed_is_not_polled(self, server, kstp):
        feed = make_feed(kstp, server.serve("/rss", RSS), active=False)
        assert polling.poll_all([feed]) == []
        assert server.requests_to("/rss") == []


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("poll_sources", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
class TestCommand:
    def test_each_feed_has_a_line_and_the_poll_a_summary(self, server, kstp, agency):
        make_feed(kstp, server.serve("/rss", RSS))
        make_feed(agency, server.serve("/atom", ATOM, content_type="application/atom+xml"))
        make_feed(kstp, server.serve("/down", "busy", status=503))
        out, err = run()  # returns: exit status 0 although a feed failed
        assert f"Agency — {server.url('/atom')}: 1 new, 0 updated, 0 unchanged, 0 failed" in out
        assert f"KSTP — {server.url('/rss')}: 2 new, 0 updated, 0 unchanged, 0 failed" in out
        assert (
            f"KSTP — {server.url('/down')}: failed: The server answered 503 Service Unavailable."
            in err
        )
        assert "Polled 3 feeds: 3 new, 0 updated, 0 unchanged, 1 failed." in out
        assert "3/3" in err  # the progress bar

    def test_the_summary_counts_updates_and_unchanged(self, server, kstp):
        make_feed(
            kstp, server.serve("/rss", rss(("a", "One", "<p>1</p>"), ("b", "Two", "<p>2</p>")))
        )
        run()
        server.serve("/rss", rss(("a", "One", "<p>1</p>"), ("b", "Two", "<p>2, more</p>")))
        out, err = run()
        assert "Polled 1 feed: 0 new, 1 updated, 1 unchanged, 0 failed." in out
        assert err == ""  # one feed: no progress bar

    def test_an_unchanged_feed_says_so(self, server, kstp):
        make_feed(kstp, server.serve("/rss", RSS, etag='"r1"'))
        run()
        out, _err = run()
        assert "not changed since the last poll" in out

    def test_no_feeds(self, db):
        out, _err = run()
        assert "No feeds to poll" in out

    def test_one_source_only(self, server, kstp, agency):
        make_feed(kstp, server.serve("/rss", RSS))
        make_feed(agency, server.serve("/atom", ATOM))
        out, _err = run("--source", "agency")
        assert "Polled 1 feed: 1 new" in out
        assert server.requests_to("/rss") == []
        out, _err = run("--source", str(kstp.pk))
        assert "Polled 1 feed: 2 new" in out

    def test_one_feed_only(self, server, kstp):
        make_feed(kstp, server.serve("/rss", RSS))
        make_feed(kstp, server.serve("/other", RSS.replace("kstp-100", "kstp-200")))
        out, _err = run("--feed", server.url("/other"))
        assert "Polled 1 feed: 2 new" in out
        assert server.requests_to("/rss") == []

    def test_unknown_names_are_refused_clearly(self, server, kstp):
        make_feed(kstp, server.serve("/rss", RSS), active=False)
        with pytest.raises(CommandError, match="No source is named Nobody."):
            run("--source", "Nobody")
        with pytest.raises(CommandError, match="No feed has the address"):
            run("--feed", "https://kstp.com/nothing.xml")
        with pytest.raises(CommandError, match="switched off"):
            run("--feed", server.url("/rss"))
        out, _err = run("--source", "KSTP")
        assert "KSTP has no feed that is polled" in out


@pytest.mark.django_db
class TestLooseFeeds:
    def test_a_slightly_broken_feed_is_still_read_with_a_warning(self, server, kstp, caplog):
        """Items feedparser could read from XML that is not well-formed are taken."""
        sloppy = rss(("s-1", "Roads close for parade", "<p>Detours posted.</p>")).replace(
            "</channel></rss>", "<item><title>Half"
        )
        feed = make_feed(kstp, server.serve("/rss", sloppy))
        with caplog.at_level(logging.WARNING, logger="wire"):
            result = polling.poll(feed)
        assert result.error == ""
        assert story("s-1").article.headline == "Roads close for parade"
        assert any("not well-formed" in record.getMessage() for record in caplog.records)

    def test_links_are_made_absolute_and_ids_kept_as_written(self, server, kstp):
        xml = (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>K</title>'
            "<link>https://kstp.com/</link><description>x</description>"
            "<item><title>Relative link</title><guid>kstp-5</guid><link>/news/5</link>"
            "<description>Words.</description></item>"
            "<item><title>No link at all</title><guid>kstp-6</guid>"
            "<description>More words.</description></item></channel></rss>"
        )
        feed = make_feed(kstp, server.serve("/feeds/rss", xml))
        assert polling.poll(feed).new == 2
        assert story("kstp-5").original_url == server.url("/news/5")
        assert story("kstp-6").original_url == ""


@pytest.mark.django_db
def test_a_published_story_changed_by_the_partner_is_counted_apart(server, kstp):
    """The partner's new words for a story we published are kept beside it, not put
    over it, and the poll's summary says so."""
    from articles import publishing

    make_feed(kstp, server.serve("/rss", rss(("p-1", "Mayor resigns", "<p>First report.</p>"))))
    run()
    publishing.publish(story("p-1").article, by=publishing.System("test"))
    server.serve("/rss", rss(("p-1", "Mayor resigns", "<p>Second, longer report.</p>")))
    out, _err = run()
    assert "Polled 1 feed: 0 new, 0 updated, 0 unchanged, 1 partner change, 0 failed." in out
    published = story("p-1")
    assert "First report." in published.article.body
    assert published.partner_changed_at == NOW


@pytest.mark.django_db
def test_a_poll_result_reads_as_a_sentence(server, kstp):
    """What the admin's "poll now" shows for a feed."""
    feed = make_feed(kstp, server.serve("/rss", RSS, etag='"r1"'))
    assert str(polling.poll(feed)) == "2 new, 0 updated, 0 unchanged, 0 failed"
    assert str(polling.poll(feed)) == "not changed since the last poll"
    server.serve("/rss", "oops", status=500)
    feed.etag = ""
    assert str(polling.poll(feed)) == "failed: The server answered 500 Internal Server Error."
