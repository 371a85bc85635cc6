"""Issue 13: a story's source gives its attribution line, JSON-LD and canonical link."""

import html
import json
import re
from io import StringIO

from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from articles.tests.factories import make_article
from articles.tests.seed import SEED, seed_lines
from articles.tests.test_pagecache import PageCacheOn
from wire.models import Source

from .factories import attach_source, make_source


def json_ld(response):
    match = re.search(
        r'<script type="application/ld\+json"[^>]*>(.*?)</script>', response.content.decode(), re.S
    )
    data = json.loads(match.group(1))
    items = data if isinstance(data, list) else data.get("@graph", [data])
    return next(item for item in items if item.get("@type") == "NewsArticle")


def canonical(response):
    return re.search(r'<link rel="canonical" href="([^"]+)">', response.content.decode()).group(1)


class AttributionTests(TestCase):
    def test_linked_to_the_original_item_when_its_url_is_known(self):
        story = make_article(headline="Bridge reopens")
        attach_source(story, original_url="https://kstp.com/news/bridge-reopens")
        response = self.client.get(story.get_absolute_url())
        self.assertContains(
            response,
            '<p class="attribution">Original Source: '
            '<a href="https://kstp.com/news/bridge-reopens">kstp.com</a></p>',
            html=True,
        )
        data = json_ld(response)
        self.assertEqual(data["isBasedOn"], "https://kstp.com/news/bridge-reopens")
        self.assertEqual(
            data["sourceOrganization"],
            {"@type": "Organization", "name": "kstp.com", "url": "https://kstp.com/"},
        )

    def test_linked_to_the_partners_site_when_only_that_is_known(self):
        story = make_article()
        attach_source(story)
        response = self.client.get(story.get_absolute_url())
        self.assertContains(
            response,
            '<p class="attribution">Original Source: <a href="https://kstp.com/">kstp.com</a></p>',
            html=True,
        )
        self.assertNotIn("isBasedOn", json_ld(response))

    def test_a_source_without_a_site_is_named_not_linked(self):
        story = make_article()
        attach_source(story, make_source(name="Local Radio", site_url=""))
        response = self.client.get(story.get_absolute_url())
        self.assertContains(
            response, '<p class="attribution">Original Source: Local Radio</p>', html=True
        )
        self.assertEqual(
            json_ld(response)["sourceOrganization"],
            {"@type": "Organization", "name": "Local Radio"},
        )

    def test_our_own_story_has_no_attribution(self):
        response = self.client.get(make_article().get_absolute_url())
        self.assertNotContains(response, 'class="attribution"')
        self.assertNotIn("sourceOrganization", json_ld(response))

    def test_the_canonical_link_points_to_the_original_only_when_the_source_says_so(self):
        item = "https://kstp.com/news/bridge-reopens"
        ours = make_article(slug="ours")
        attach_source(ours, original_url=item)
        response = self.client.get(ours.get_absolute_url())
        self.assertEqual(canonical(response), "http://testserver/story/ours/")

        syndicated = make_article(slug="syndicated")
        partner = make_source(
            name="Partner", site_url="https://partner.example/", canonical_to_original=True
        )
        attach_source(syndicated, partner, original_url="https://partner.example/a/1")
        response = self.client.get(syndicated.get_absolute_url())
        self.assertEqual(canonical(response), "https://partner.example/a/1")
        # Without the original's URL there is nothing to point to: the story's own.
        unknown = make_article(slug="unknown-item")
        attach_source(unknown, partner)
        self.assertEqual(
            canonical(self.client.get(unknown.get_absolute_url())),
            "http://testserver/story/unknown-item/",
        )

    def test_the_source_costs_the_story_page_no_query(self):
        plain = make_article()
        credited = make_article()
        attach_source(credited, original_url="https://kstp.com/news/1")
        self.client.get(plain.get_absolute_url())  # warm what is per process
        with CaptureQueriesContext(connection) as own:
            self.client.get(plain.get_absolute_url())
        self.assertLessEqual(len(own), 6)
        # The provenance and source come with the story's own query.
        with CaptureQueriesContext(connection) as theirs:
            response = self.client.get(credited.get_absolute_url())
        self.assertEqual(len(theirs), len(own))
        self.assertContains(response, "Original Source")
        # The partner's own versions (whole stories) are not read for a reader's page.
        story_query = next(q["sql"] for q in theirs if "wire_provenance" in q["sql"])
        self.assertNotIn("partner_copy", story_query)

    def test_a_change_to_the_source_shows_on_the_cached_story(self):
        story = make_article()
        source = make_source()
        attach_source(story, source)
        self.assertContains(self.client.get(story.get_absolute_url()), ">kstp.com</a>")
        with self.captureOnCommitCallbacks(execute=True):
            source.name = "KSTP 5 Eyewitness News"
            source.save()
        self.assertContains(
            self.client.get(story.get_absolute_url()), ">KSTP 5 Eyewitness News</a>"
        )


class CachedAttributionTests(PageCacheOn, TestCase):
    def test_a_change_to_the_source_or_the_credit_shows_on_the_cached_story_at_once(self):
        story = make_article()
        other = make_article()
        source = make_source()
        with self.captureOnCommitCallbacks(execute=True):
            provenance = attach_source(story, source)
        url = story.get_absolute_url()
        for path in (url, other.get_absolute_url()):
            self.client.get(path)
            self.assertEqual(self.client.get(path)["X-Page-Cache"], "hit")
        with self.captureOnCommitCallbacks(execute=True):
            source.name = "KSTP 5 Eyewitness News"
            source.save()
        page = self.client.get(url)
        # Rendered anew by the change itself (pagecache.refresh), the old copy retired.
        self.assertEqual(page["X-Page-Cache"], "hit")
        self.assertContains(page, ">KSTP 5 Eyewitness News</a>")
        # A story with no part in it keeps its cached page.
        self.assertEqual(self.client.get(other.get_absolute_url())["X-Page-Cache"], "hit")
        with self.captureOnCommitCallbacks(execute=True):
            provenance.original_url = "https://kstp.com/news/42"
            provenance.save()
        self.assertContains(self.client.get(url), 'href="https://kstp.com/news/42"')


class SeedStoryTests(TestCase):
    """The story newsroom was conceived from, imported from ../shared/seed/."""

    def test_imported_seed_story_page(self):
        call_command("import_story", str(SEED), "--publish", stdout=StringIO())
        article = Article.objects.get()
        self.assertEqual(article.provenance.source, Source.objects.get(name="kstp.com"))
        response = self.client.get(article.get_absolute_url())
        page = html.unescape(response.content.decode())
        lines = seed_lines()
        self.assertIn(f"<h1>{lines[0]}</h1>", page)
        self.assertIn(lines[1], page)
        for paragraph in lines[2:-2]:
            self.assertIn(f"<p>{paragraph}</p>", page)
        self.assertContains(
            response,
            '<p class="attribution">Original Source: <a href="https://kstp.com/">kstp.com</a></p>',
            html=True,
        )
        # "Post Comment" is the form's button, not a stray line of the story.
        self.assertEqual(len(re.findall(r"Post Comment", page)), 1)
        self.assertIn('<button type="submit">Post Comment</button>', page)
        # The form comes after the story.
        self.assertLess(page.index("Original Source"), page.index("Post Comment"))
