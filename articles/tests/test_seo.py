"""What search engines and link previews read in a story page: JSON-LD, Open Graph, canonical."""

import json
import re
from datetime import timedelta

from django.test import SimpleTestCase, TestCase, override_settings
from django.urls import set_script_prefix
from django.utils import timezone

from articles import publishing, seo
from images import renditions

from .factories import (
    make_article,
    make_contributor,
    make_draft,
    make_picture,
    make_section,
    make_user,
)


def json_ld(response):
    blocks = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S
    )
    assert len(blocks) == 1, blocks
    return json.loads(blocks[0])


def meta(response, prop):
    """The content of every ``<meta property=…>`` or ``<meta name=…>`` called ``prop``."""
    page = response.content.decode()
    return re.findall(rf'<meta (?:property|name)="{re.escape(prop)}" content="([^"]*)">', page)


def time_datetime(response, label):
    """The ``datetime`` of the ``<time>`` after a visible label such as "Published"."""
    match = re.search(rf'{label} <time datetime="([^"]+)">', response.content.decode())
    return match.group(1) if match else None


class StoryStructuredDataTests(TestCase):
    def setUp(self):
        self.staff = make_contributor(name="Ann Lee", slug="ann-lee", user=make_user())
        self.agency = make_contributor(name="Wire Agency", slug="wire")
        self.article = make_article(
            headline="Bridge reopens",
            summary="Traffic flows again.",
            section=make_section(name="Local", slug="local"),
            byline=[self.staff, self.agency],
            tags=["transport"],
            lead_picture=make_picture(800, 450, alt_text="The bridge at dawn"),
            publish_at=timezone.now() - timedelta(days=1),
        )

    def test_news_article_json_ld(self):
        """The page describes itself as a schema.org NewsArticle with everything Google asks for."""
        data = json_ld(self.client.get(self.article.get_absolute_url()))
        url = "http://testserver/story/" + self.article.slug + "/"
        self.assertEqual(data["@context"], "https://schema.org")
        self.assertEqual(data["@type"], "NewsArticle")
        self.assertEqual(data["mainEntityOfPage"]["@id"], url)
        self.assertEqual(data["headline"], "Bridge reopens")
        self.assertEqual(data["description"], "Traffic flows again.")
        # The 16:9, 4:3 and 1:1 crops of the lead picture, the largest of each, absolute.
        crops = renditions.structured_data(self.article.lead_picture)
        self.assertEqual(len(crops), 3)
        self.assertEqual(data["image"], ["http://testserver" + crop for crop in crops])
        self.assertEqual(
            data["author"],
            [
                {
                    "@type": "Person",
                    "name": "Ann Lee",
                    "url": "http://testserver/contributor/ann-lee/",
                },
                {
                    "@type": "Organization",
                    "name": "Wire Agency",
                    "url": "http://testserver/contributor/wire/",
                },
            ],
        )
        self.assertEqual(data["publisher"]["name"], "Newsroom")
        self.assertTrue(data["publisher"]["logo"]["url"].startswith("http://testserver/static/"))
        # Our own story: based on nothing (wire/tests/test_attribution.py has partner copy).
        self.assertNotIn("isBasedOn", data)
        self.assertNotIn("sourceOrganization", data)
        self.assertEqual(data["articleSection"], "Local")
        self.assertEqual(data["keywords"], ["transport"])
        self.assertEqual(data["inLanguage"], "en-US")

    def test_every_output_states_the_same_instants(self):
        """Published and Updated on the page equal JSON-LD, Open Graph, the feeds and the sitemap."""
        publishing.record_change(
            self.article, by=make_user(groups=["Editors"]), kind="update", note="New figures."
        )
        response = self.client.get(self.article.get_absolute_url())
        data = json_ld(response)
        published = time_datetime(response, "Published")
        updated = time_datetime(response, "Updated")
        self.assertIsNotNone(updated)
        self.assertNotEqual(published, updated)
        self.assertEqual(data["datePublished"], published)
        self.assertEqual(data["dateModified"], updated)
        self.assertEqual(meta(response, "article:published_time"), [published])
        self.assertEqual(meta(response, "article:modified_time"), [updated])

        sitemap = self.client.get("/sitemap-stories.xml").content.decode()
        self.assertIn(f"<lastmod>{updated}</lastmod>", sitemap)
        news = self.client.get("/news-sitemap.xml").content.decode()
        self.assertIn(f"<news:publication_date>{published}</news:publication_date>", news)
        atom = self.client.get("/feed/atom/").content.decode()
        self.assertIn(f"<published>{published}</published>", atom)
        self.assertIn(f"<updated>{updated}</updated>", atom)

    def test_never_updated_story_is_modified_when_published(self):
        """Without a public update, dateModified is the publication time and no "Updated" shows."""
        response = self.client.get(self.article.get_absolute_url())
        data = json_ld(response)
        self.assertIsNone(time_datetime(response, "Updated"))
        self.assertEqual(data["dateModified"], data["datePublished"])

    def test_open_graph_twitter_canonical_and_description(self):
        """Shared links get a title, summary and picture; the canonical URL is absolute."""
        response = self.client.get(self.article.get_absolute_url())
        url = f"http://testserver{self.article.get_absolute_url()}"
        image = "http://testserver" + renditions.structured_data(self.article.lead_picture)[0]
        self.assertContains(response, f'<link rel="canonical" href="{url}">')
        self.assertEqual(meta(response, "description"), ["Traffic flows again."])
        self.assertEqual(meta(response, "og:type"), ["article"])
        self.assertEqual(meta(response, "og:title"), ["Bridge reopens"])
        self.assertEqual(meta(response, "og:url"), [url])
        self.assertEqual(meta(response, "og:image"), [image])
        self.assertEqual(meta(response, "og:image:alt"), ["The bridge at dawn"])
        self.assertEqual(meta(response, "og:image:width"), ["800"])
        self.assertEqual(meta(response, "og:image:height"), ["450"])
        self.assertEqual(meta(response, "og:locale"), ["en_US"])
        self.assertEqual(meta(response, "twitter:card"), ["summary_large_image"])
        self.assertEqual(meta(response, "twitter:image"), [image])
        self.assertEqual(
            meta(response, "article:author"),
            ["http://testserver/contributor/ann-lee/", "http://testserver/contributor/wire/"],
        )

    @override_settings(SITE_URL="https://news.example.com")
    def test_site_url_names_the_public_address(self):
        """With SITE_URL set, absolute URLs use it whatever host the request came to."""
        response = self.client.get(self.article.get_absolute_url())
        url = f"https://news.example.com{self.article.get_absolute_url()}"
        self.assertContains(response, f'<link rel="canonical" href="{url}">')
        self.assertEqual(json_ld(response)["url"], url)


class JsonLdSafetyTests(TestCase):
    def test_text_cannot_break_out_of_the_script_element(self):
        """A headline containing </script> stays data: it is escaped inside the JSON."""
        article = make_article(headline="Quote </script><script>alert(1)</script> & more")
        response = self.client.get(article.get_absolute_url())
        page = response.content.decode()
        self.assertNotIn("<script>alert(1)", page)
        self.assertEqual(json_ld(response)["headline"], article.headline)

    def test_story_without_picture_byline_or_source(self):
        """Optional parts are left out rather than written empty."""
        article = make_article()
        response = self.client.get(article.get_absolute_url())
        data = json_ld(response)
        for key in ("image", "isBasedOn", "sourceOrganization", "articleSection", "keywords"):
            self.assertNotIn(key, data)
        self.assertEqual(data["author"], [])
        self.assertEqual(meta(response, "twitter:card"), ["summary"])


class PreviewMetaTests(TestCase):
    def test_preview_is_not_described_to_machines(self):
        """A staff preview carries noindex and no canonical URL, JSON-LD or Open Graph."""
        draft = make_draft()
        self.client.force_login(make_user(groups=["Editors"]))
        response = self.client.get(draft.get_absolute_url())
        self.assertContains(response, '<meta name="robots" content="noindex">')
        self.assertNotContains(response, "application/ld+json")
        self.assertNotContains(response, 'rel="canonical"')
        self.assertNotContains(response, "og:title")


class ListPageMetaTests(TestCase):
    def test_list_pages_have_canonical_and_description(self):
        """Lists name their canonical URL (keeping only the page number) and a description."""
        section = make_section(name="Sport", slug="sport", description="Games and results.")
        for n in range(21):
            make_article(section=section, publish_at=timezone.now() - timedelta(minutes=n + 1))
        response = self.client.get("/section/sport/?page=2&utm_source=x")
        self.assertContains(
            response, '<link rel="canonical" href="http://testserver/section/sport/?page=2">'
        )
        self.assertEqual(meta(response, "description"), ["Games and results."])
        self.assertEqual(meta(response, "og:type"), ["website"])
        home = self.client.get("/")
        self.assertContains(home, '<link rel="canonical" href="http://testserver/">')
        self.assertContains(home, 'type="application/rss+xml"')
        self.assertContains(home, 'type="application/atom+xml"')


class PathTests(SimpleTestCase):
    def test_remembered_links_follow_the_script_prefix(self):
        """Links made once are still right for a site served under a path (SCRIPT_NAME)."""
        self.assertEqual(seo.path("articles:tag", "floods"), "/tag/floods/")
        set_script_prefix("/news/")
        try:
            self.assertEqual(seo.path("articles:tag", "floods"), "/news/tag/floods/")
        finally:
            set_script_prefix("/")
        self.assertEqual(seo.path("articles:tag", "floods"), "/tag/floods/")
