"""RSS and Atom feeds: well-formed for feed readers, live stories only, stable GUIDs."""

import warnings
from datetime import timedelta

import feedparser
from django.test import TestCase, override_settings
from django.utils import timezone

from articles import seo

from .factories import make_article, make_contributor, make_draft, make_section

FEEDS = {
    "/feed/": ("rss20", "application/rss+xml; charset=utf-8"),
    "/feed/atom/": ("atom10", "application/atom+xml; charset=utf-8"),
}


class FeedTestCase(TestCase):
    def parse(self, url, version):
        """Fetch and parse a feed; fail on any problem feedparser reports."""
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200, url)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            feed = feedparser.parse(response.content)
        self.assertFalse(feed.bozo, f"{url}: {feed.get('bozo_exception')}")
        self.assertEqual(feed.version, version)
        return response, feed


class SiteFeedTests(FeedTestCase):
    def setUp(self):
        now = timezone.now()
        self.section = make_section(name="Local", slug="local")
        self.story = make_article(
            headline="Bridge & tunnel <reopen>",
            summary="Traffic flows again.",
            section=self.section,
            tags=["transport"],
            byline=[make_contributor(name="Ann Lee"), make_contributor(name="Bo Chan")],
            publish_at=now - timedelta(hours=1),
        )
        self.older = make_article(publish_at=now - timedelta(days=1))
        make_draft(headline="Secret draft")
        make_article(headline="Tomorrow's story", publish_at=now + timedelta(days=1))

    def test_rss_and_atom_parse_cleanly_and_list_live_stories(self):
        """Both feeds parse without warnings and carry live stories only, newest first."""
        for url, (version, content_type) in FEEDS.items():
            with self.subTest(feed=url):
                response, feed = self.parse(url, version)
                self.assertEqual(response["Content-Type"], content_type)
                self.assertIn("max-age=300", response["Cache-Control"])
                self.assertEqual(feed.feed.title, "Newsroom")
                self.assertEqual(feed.feed.link, "http://testserver/")
                self.assertEqual(
                    [entry.link for entry in feed.entries],
                    [
                        f"http://testserver{self.story.get_absolute_url()}",
                        f"http://testserver{self.older.get_absolute_url()}",
                    ],
                )
                entry = feed.entries[0]
                self.assertEqual(entry.title, "Bridge & tunnel <reopen>")
                self.assertEqual(entry.summary, "Traffic flows again.")
                self.assertEqual(entry.author, "Ann Lee, Bo Chan")
                self.assertEqual({tag.term for tag in entry.tags}, {"Local", "transport"})
                self.assertEqual(
                    entry.published_parsed[:6],
                    seo.instant(self.story.publish_at).utctimetuple()[:6],
                )

    def test_guid_survives_edits(self):
        """Editing a story's headline, slug or text keeps its GUID, so readers do not see it twice."""
        _, before = self.parse("/feed/", "rss20")
        _, before_atom = self.parse("/feed/atom/", "atom10")
        self.story.headline = "Bridge reopens, corrected"
        self.story.slug = "bridge-reopens-corrected"
        self.story.body = "<p>New text.</p>"
        self.story.save()
        _, after = self.parse("/feed/", "rss20")
        _, after_atom = self.parse("/feed/atom/", "atom10")
        self.assertEqual(after.entries[0].title, "Bridge reopens, corrected")
        self.assertEqual(after.entries[0].id, before.entries[0].id)
        self.assertEqual(after_atom.entries[0].id, before_atom.entries[0].id)
        self.assertTrue(after.entries[0].id.startswith("tag:testserver,"))
        self.assertFalse(after.entries[0].guidislink)
        self.assertNotEqual(after.entries[0].id, after.entries[1].id)

    @override_settings(SITE_URL="https://news.example.com")
    def test_links_and_guids_use_site_url(self):
        _, feed = self.parse("/feed/atom/", "atom10")
        self.assertEqual(
            feed.entries[0].link, f"https://news.example.com{self.story.get_absolute_url()}"
        )
        self.assertTrue(feed.entries[0].id.startswith("tag:news.example.com,"))

    def test_query_count(self):
        """A feed costs a fixed number of queries however many stories it lists."""
        self.client.get("/feed/")  # taggit caches the content type
        # 1 stories with sections, 2 bylines with contributors, 3 tags
        with self.assertNumQueries(3):
            self.client.get("/feed/")


class SectionAndTagFeedTests(FeedTestCase):
    def test_section_feeds(self):
        """A section's feeds hold that section's live stories only."""
        sport = make_section(name="Sport", slug="sport")
        mine = make_article(section=sport, headline="Cup final")
        make_article(headline="Elsewhere")
        make_draft(section=sport)
        for url, version in [
            ("/section/sport/feed/", "rss20"),
            ("/section/sport/feed/atom/", "atom10"),
        ]:
            with self.subTest(feed=url):
                _, feed = self.parse(url, version)
                self.assertEqual(feed.feed.title, "Sport — Newsroom")
                self.assertEqual(feed.feed.link, "http://testserver/section/sport/")
                self.assertEqual(
                    [e.link for e in feed.entries], [f"http://testserver{mine.get_absolute_url()}"]
                )
        self.assertEqual(self.client.get("/section/none/feed/").status_code, 404)

    def test_tag_feeds(self):
        """A tag's feeds hold the live stories carrying the tag."""
        tagged = make_article(tags=["floods"])
        make_article(tags=["fires"])
        for url, version in [("/tag/floods/feed/", "rss20"), ("/tag/floods/feed/atom/", "atom10")]:
            with self.subTest(feed=url):
                _, feed = self.parse(url, version)
                self.assertEqual(
                    [e.link for e in feed.entries],
                    [f"http://testserver{tagged.get_absolute_url()}"],
                )
        self.assertEqual(self.client.get("/tag/unknown/feed/atom/").status_code, 404)

    def test_empty_site_feed_is_still_valid(self):
        for url, (version, _) in FEEDS.items():
            with self.subTest(feed=url):
                _, feed = self.parse(url, version)
                self.assertEqual(feed.entries, [])
