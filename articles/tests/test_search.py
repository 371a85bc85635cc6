"""Search at /search/?q=: PostgreSQL full-text search, or the plain fallback on SQLite.

The same tests run on both databases; where behaviour differs (the index, phrase
syntax) a test branches on the database in use, so nothing is skipped.
"""

from datetime import timedelta
from unittest import mock

from django.db import connection
from django.test import TestCase
from django.utils import timezone

from articles import search
from articles.models import Article

from .factories import make_article, make_contributor, make_draft


def headlines(response):
    return [article.headline for article in response.context["articles"]]


class SearchResultsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        now = timezone.now()
        cls.headline_match = make_article(
            headline="Harbour bridge reopens",
            summary="Traffic flows again.",
            body="<p>Cars crossed at six.</p>",
            publish_at=now - timedelta(days=3),
        )
        cls.body_match = make_article(
            headline="Council meets",
            summary="A long agenda.",
            body="<p>The councillors also discussed the harbour wall and the <b>bridges</b>.</p>",
            publish_at=now - timedelta(hours=1),
        )
        cls.other = make_article(
            headline="Bakery opens", summary="Bread.", body="<p>Sourdough.</p>"
        )
        make_draft(headline="Harbour bridge draft", summary="Secret", body="<p>harbour</p>")
        make_article(headline="Harbour bridge tomorrow", publish_at=now + timedelta(days=1))

    def test_a_capped_result_count_says_so(self):
        with mock.patch.object(search, "MAX_RESULTS", 2):
            response = self.client.get("/search/", {"q": "harbour"})
        self.assertContains(response, "2 or more stories found; the newest are shown first.")

    def test_finds_live_stories_only_best_match_first(self):
        """Words in the headline outrank words in the body; drafts and scheduled stories never show."""
        response = self.client.get("/search/", {"q": "harbour bridge"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(headlines(response), ["Harbour bridge reopens", "Council meets"])
        self.assertContains(response, "2 stories found.")
        self.assertContains(response, '<meta name="robots" content="noindex">')

    def test_matches_summary_and_body_words(self):
        self.assertEqual(headlines(self.client.get("/search/?q=agenda")), ["Council meets"])
        self.assertEqual(headlines(self.client.get("/search/?q=sourdough")), ["Bakery opens"])

    def test_snippet_highlights_matches_and_escapes_text(self):
        """Results show an excerpt with the reader's words marked, and no markup from the story."""
        response = self.client.get("/search/", {"q": "councillors"})
        article = response.context["articles"][0]
        self.assertIn("<mark>councillors</mark>", article.snippet)
        self.assertNotIn("<b>", article.snippet)
        self.assertNotIn("<p>", article.snippet)
        self.assertContains(response, "<mark>councillors</mark>")

    def test_story_text_cannot_inject_markup_through_snippets(self):
        make_article(
            headline="Script story",
            summary="About <script>alert(1)</script> tags.",
            body="<p>Plain text about scripts &amp; tags.</p>",
        )
        response = self.client.get("/search/", {"q": "script"})
        self.assertEqual(headlines(response), ["Script story"])
        self.assertNotContains(response, "<script>alert(1)</script>")
        snippet = response.context["articles"][0].snippet
        self.assertIn("alert(1)", snippet)
        self.assertNotIn("<script", snippet)

    def test_no_match_and_empty_query(self):
        """An empty query shows the form without searching; no match says so."""
        self.client.get("/")  # warm the navigation cache
        with self.assertNumQueries(0):
            empty = self.client.get("/search/")
        self.assertEqual(headlines(empty), [])
        self.assertNotContains(empty, "stories found")
        nothing = self.client.get("/search/", {"q": "zeppelin"})
        self.assertContains(nothing, "No stories found.")

    def test_pagination_keeps_the_query(self):
        """Page links carry the reader's words along."""
        for n in range(21):
            make_article(
                headline=f"Ferry timetable {n}",
                publish_at=timezone.now() - timedelta(minutes=n + 1),
            )
        response = self.client.get("/search/", {"q": "ferry"})
        self.assertContains(response, 'href="?q=ferry&amp;page=2"')
        second = self.client.get("/search/", {"q": "ferry", "page": 2})
        self.assertEqual(len(second.context["articles"]), 1)

    def test_query_count(self):
        """A search costs a fixed number of queries."""
        for _ in range(3):
            make_article(headline="Harbour news", byline=[make_contributor()])
        self.client.get("/search/", {"q": "harbour"})  # fills the caches
        # 1 count, 2 matching stories (ranked, with snippets), 3 bylines
        with self.assertNumQueries(3):
            self.client.get("/search/", {"q": "harbour"})

    def test_long_queries_are_cut(self):
        response = self.client.get("/search/", {"q": "harbour " * 100})
        self.assertEqual(response.status_code, 200)
        self.assertLessEqual(len(response.context["query"]), search.MAX_QUERY_LENGTH)


class SearchEngineTests(TestCase):
    def test_uses_the_gin_index_on_postgresql_and_the_fallback_on_sqlite(self):
        """PostgreSQL answers from the GIN index of migration 0003; SQLite uses the fallback."""
        make_article(headline="Harbour bridge reopens")
        results = search.search("harbour")
        sql, params = results.query.sql_with_params()
        if connection.vendor == "postgresql":
            self.assertTrue(search.full_text_available())
            # Enough other live stories, and fresh statistics, for the planner to see
            # that the word is rare: as on a real site, it then reads the GIN index.
            now = timezone.now()
            Article.objects.bulk_create(
                Article(
                    headline=f"Filler {n}",
                    slug=f"filler-{n}",
                    summary="Nothing to see.",
                    body=f"<p>Paragraph {n} about something else.</p>",
                    status=Article.Status.PUBLISHED,
                    publish_at=now - timedelta(days=1),
                )
                for n in range(500)
            )
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE articles_article")
                # New entries wait in the index's pending list until autovacuum merges
                # them, as it soon does on a real site; until then the planner avoids it.
                cursor.execute("SELECT gin_clean_pending_list('article_search_idx')")
                cursor.execute(f"EXPLAIN {sql}", params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            self.assertIn("article_search_idx", plan)
        else:
            self.assertFalse(search.full_text_available())
            self.assertNotIn("to_tsvector", sql)
            self.assertIn("LIKE", sql.upper())
        self.assertEqual([a.headline for a in results], ["Harbour bridge reopens"])

    def test_phrases_and_exclusions(self):
        """ "Quoted phrases" must appear as written and -words must not, on either database."""
        make_article(headline="Bridge over the harbour")
        make_article(headline="Harbour bridge traffic")
        phrase = [a.headline for a in search.search('"harbour bridge"')]
        excluded = [a.headline for a in search.search("harbour -traffic")]
        self.assertEqual(phrase, ["Harbour bridge traffic"])
        self.assertEqual(excluded, ["Bridge over the harbour"])

    def test_stemming_on_postgresql_substrings_on_sqlite(self):
        """ "bridges" finds "bridge" on PostgreSQL (stemming); the fallback matches word parts."""
        make_article(headline="New bridge planned")
        found = [a.headline for a in search.search("bridges")]
        if connection.vendor == "postgresql":
            self.assertEqual(found, ["New bridge planned"])
        else:
            self.assertEqual(found, [])
            self.assertEqual([a.headline for a in search.search("bridg")], ["New bridge planned"])
