"""Sitemaps: valid against the protocol's schema, live stories only, correct lastmod."""

from datetime import timedelta
from pathlib import Path
from unittest import mock

from django.test import TestCase, override_settings
from django.utils import timezone
from lxml import etree

from articles import publishing, seo

from .factories import make_article, make_contributor, make_draft, make_section, make_user

SCHEMAS = Path(__file__).parent / "schemas"
NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}


def schema(name):
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


class SitemapTestCase(TestCase):
    def fetch_valid(self, url, schema_name):
        """GET ``url`` and check it against one of our schemas; return the parsed document."""
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/xml")
        document = etree.fromstring(response.content)
        validator = schema(schema_name)
        self.assertTrue(validator.validate(document), validator.error_log)
        return document

    def entries(self, document):
        """{loc: lastmod} of a sitemap."""
        return {
            url.findtext("sm:loc", namespaces=NS): url.findtext("sm:lastmod", namespaces=NS)
            for url in document.iterfind("sm:url", NS)
        }


class SitemapIndexTests(SitemapTestCase):
    def setUp(self):
        now = timezone.now()
        self.section = make_section(slug="local")
        self.writer = make_contributor(slug="ann")
        self.old = make_article(
            section=self.section,
            byline=[self.writer],
            tags=["harbour"],
            publish_at=now - timedelta(days=3),
        )
        self.new = make_article(section=self.section, publish_at=now - timedelta(hours=2))
        make_draft(
            headline="Draft",
            tags=["secret"],
            byline=[make_contributor(slug="hidden")],
            slug="draft",
        )
        make_article(slug="later", publish_at=now + timedelta(hours=1))

    def test_index_names_every_sitemap_and_all_validate(self):
        """/sitemap.xml is a valid index; each sitemap it names is a valid urlset."""
        index = self.fetch_valid("/sitemap.xml", "siteindex.xsd")
        locations = [loc.text for loc in index.iterfind("sm:sitemap/sm:loc", NS)]
        self.assertEqual(
            locations,
            [
                f"http://testserver/sitemap-{name}.xml"
                for name in ["pages", "stories", "sections", "tags", "contributors"]
            ],
        )
        for location in locations:
            with self.subTest(sitemap=location):
                self.fetch_valid(location.removeprefix("http://testserver"), "sitemap.xsd")

    def test_only_what_readers_can_see(self):
        """Stories, tags and contributors appear only through live stories."""
        stories = self.entries(self.fetch_valid("/sitemap-stories.xml", "sitemap.xsd"))
        self.assertEqual(
            set(stories),
            {f"http://testserver{a.get_absolute_url()}" for a in (self.old, self.new)},
        )
        tags = self.entries(self.fetch_valid("/sitemap-tags.xml", "sitemap.xsd"))
        self.assertEqual(set(tags), {"http://testserver/tag/harbour/"})
        people = self.entries(self.fetch_valid("/sitemap-contributors.xml", "sitemap.xsd"))
        self.assertEqual(set(people), {"http://testserver/contributor/ann/"})
        sections = self.entries(self.fetch_valid("/sitemap-sections.xml", "sitemap.xsd"))
        self.assertEqual(set(sections), {"http://testserver/section/local/"})

    def test_lastmod_is_the_public_update_time(self):
        """A story's lastmod is its last public update, else its publication; lists take their newest."""
        publishing.record_change(
            self.old, by=make_user(groups=["Editors"]), kind="correction", note="Fixed a name."
        )
        self.old.refresh_from_db()
        stories = self.entries(self.client_entries("/sitemap-stories.xml"))
        self.assertEqual(
            stories[f"http://testserver{self.old.get_absolute_url()}"],
            seo.iso8601(self.old.modified_at),
        )
        self.assertEqual(
            stories[f"http://testserver{self.new.get_absolute_url()}"],
            seo.iso8601(self.new.publish_at),
        )
        # The corrected story is now the section's and the contributor's latest change.
        sections = self.entries(self.client_entries("/sitemap-sections.xml"))
        self.assertEqual(
            sections["http://testserver/section/local/"], seo.iso8601(self.old.modified_at)
        )
        people = self.entries(self.client_entries("/sitemap-contributors.xml"))
        self.assertEqual(
            people["http://testserver/contributor/ann/"], seo.iso8601(self.old.modified_at)
        )
        index = self.client_entries("/sitemap.xml")
        lastmods = {
            s.findtext("sm:loc", namespaces=NS): s.findtext("sm:lastmod", namespaces=NS)
            for s in index.iterfind("sm:sitemap", NS)
        }
        self.assertEqual(
            lastmods["http://testserver/sitemap-stories.xml"], seo.iso8601(self.old.modified_at)
        )

    def client_entries(self, url):
        return etree.fromstring(self.client.get(url).content)

    def test_unknown_sitemap_or_page_is_404(self):
        self.assertEqual(self.client.get("/sitemap-nothing.xml").status_code, 404)
        self.assertEqual(self.client.get("/sitemap-stories.xml?p=9").status_code, 404)

    def test_large_sitemaps_are_split_in_pages(self):
        """Past the protocol's limit a sitemap continues on ?p=2, and the index names that page."""
        with mock.patch("articles.sitemaps.StorySitemap.limit", 1):
            index = self.fetch_valid("/sitemap.xml", "siteindex.xsd")
            locations = [loc.text for loc in index.iterfind("sm:sitemap/sm:loc", NS)]
            self.assertIn("http://testserver/sitemap-stories.xml?p=2", locations)
            page_two = self.entries(self.fetch_valid("/sitemap-stories.xml?p=2", "sitemap.xsd"))
        self.assertEqual(list(page_two), [f"http://testserver{self.old.get_absolute_url()}"])

    @override_settings(SITE_URL="https://news.example.com")
    def test_urls_use_site_url(self):
        index = self.client_entries("/sitemap.xml")
        self.assertEqual(
            index.findtext("sm:sitemap/sm:loc", namespaces=NS),
            "https://news.example.com/sitemap-pages.xml",
        )
        stories = self.entries(self.client_entries("/sitemap-stories.xml"))
        self.assertIn(f"https://news.example.com{self.new.get_absolute_url()}", stories)

    def test_query_counts(self):
        """Sitemaps cost a fixed number of queries however many stories there are."""
        for _ in range(5):
            make_article(section=self.section, byline=[make_contributor()], tags=["more"])
        self.client.get("/sitemap-tags.xml")  # taggit caches the content type
        # 1 front page: latest change; 2 stories: latest change, 3 count; then for sections,
        # tags and contributors the annotated list for the latest change and the count:
        # 4-5, 6-7, 8-9
        with self.assertNumQueries(9):
            self.client.get("/sitemap.xml")
        # 1 count, 2 stories
        with self.assertNumQueries(2):
            self.client.get("/sitemap-stories.xml")
        # 1 count, 2 tags with their latest change
        with self.assertNumQueries(2):
            self.client.get("/sitemap-tags.xml")


class NewsSitemapTests(SitemapTestCase):
    def test_google_news_format_last_two_days_only(self):
        """/news-sitemap.xml lists live stories of the last two days, newest first, in Google's format."""
        now = timezone.now()
        today = make_article(headline="Today & tonight", publish_at=now - timedelta(hours=1))
        yesterday = make_article(publish_at=now - timedelta(days=1))
        make_article(publish_at=now - timedelta(days=2, minutes=1))
        make_draft()
        make_article(publish_at=now + timedelta(hours=1))
        document = self.fetch_valid("/news-sitemap.xml", "news-sitemap.xsd")
        urls = document.findall("sm:url", NS)
        self.assertEqual(
            [url.findtext("sm:loc", namespaces=NS) for url in urls],
            [f"http://testserver{a.get_absolute_url()}" for a in (today, yesterday)],
        )
        first = urls[0]
        self.assertEqual(first.findtext("news:news/news:title", namespaces=NS), "Today & tonight")
        self.assertEqual(
            first.findtext("news:news/news:publication/news:name", namespaces=NS), "Newsroom"
        )
        self.assertEqual(
            first.findtext("news:news/news:publication/news:language", namespaces=NS), "en"
        )
        self.assertEqual(
            first.findtext("news:news/news:publication_date", namespaces=NS),
            seo.iso8601(today.publish_at),
        )

    def test_at_most_the_limit(self):
        """The news sitemap stops at its limit (1,000 in production), keeping the newest."""
        now = timezone.now()
        stories = [make_article(publish_at=now - timedelta(minutes=n + 1)) for n in range(4)]
        with mock.patch("articles.sitemaps.NEWS_LIMIT", 3):
            document = self.fetch_valid("/news-sitemap.xml", "news-sitemap.xsd")
        self.assertEqual(
            [u.findtext("sm:loc", namespaces=NS) for u in document.findall("sm:url", NS)],
            [f"http://testserver{a.get_absolute_url()}" for a in stories[:3]],
        )

    def test_empty_news_sitemap_is_valid(self):
        self.fetch_valid("/news-sitemap.xml", "news-sitemap.xsd")

    def test_query_count(self):
        for n in range(3):
            make_article(publish_at=timezone.now() - timedelta(hours=n + 1))
        # 1 the stories
        with self.assertNumQueries(1):
            self.client.get("/news-sitemap.xml")
