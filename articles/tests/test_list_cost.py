"""List pages cost the same whatever the size of the archive, and every query uses an index.

The home, section, tag and contributor pages run a fixed handful of queries with no count and
no window over the story table; ``EXPLAIN`` of each (on PostgreSQL, or ``EXPLAIN QUERY PLAN``
on SQLite) shows it driven by an index once the table holds thousands of stories.
"""

import re
from datetime import UTC, datetime, timedelta
from unittest import mock

import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from articles.models import Article, Byline, Contributor, FrontPagePin, Section
from articles.pagination import MAX_PAGES

from .factories import make_article, make_contributor, make_draft, make_section

LIST_PAGES = ["/", "/section/news/", "/tag/floods/", "/contributor/ann/"]
# The tables whose size grows with the archive: a query must never scan them whole.
GROWING_TABLES = ("articles_article", "articles_byline", "taggit_taggeditem")


def story_queries(queries):
    return [q["sql"] for q in queries if "articles_article" in q["sql"]]


class ListCostTests(TestCase):
    def setUp(self):
        self.sections = [
            make_section(name="News", slug="news", position=1),
            make_section(name="Sport", slug="sport", position=2),
            make_section(name="Arts", slug="arts", position=3),
        ]
        self.ann = make_contributor(name="Ann", slug="ann")
        self.made = 0

    def add_stories(self, total):
        """Live stories across the three sections until there are ``total``."""
        now = timezone.now()
        while self.made < total:
            self.made += 1
            make_article(
                section=self.sections[self.made % 3],
                publish_at=now - timedelta(minutes=self.made),
                tags=["floods"],
                byline=[self.ann, make_contributor()],
            )

    def measure(self, url):
        """Queries of ``url`` once the caches (navigation, comment counts) are warm."""
        self.assertEqual(self.client.get(url).status_code, 200)
        with CaptureQueriesContext(connection) as captured:
            self.assertEqual(self.client.get(url).status_code, 200)
        return [q["sql"] for q in captured.captured_queries]

    def test_query_counts_do_not_grow_with_the_archive(self):
        """5 stories or 60: each list page runs the same few queries, at most six."""
        # home: 1 a page of stories (+1 row: is there an older page?) with sections,
        #   2 their bylines with contributors, 3 the newest four of every section (one query)
        # section: 1 the section, 2 a page of stories, 3 bylines
        # tag: 1 the tag, 2 a page of stories carrying it, 3 bylines
        # contributor: 1 the contributor, 2 a page of their stories, 3 bylines
        expected = {"/": 3, "/section/news/": 3, "/tag/floods/": 3, "/contributor/ann/": 3}
        counts = {}
        for size in (5, 60):
            self.add_stories(size)
            counts[size] = {url: len(self.measure(url)) for url in LIST_PAGES}
        self.assertEqual(counts[5], expected)
        self.assertEqual(counts[60], expected)

    @time_machine.travel(datetime(2026, 6, 15, 12, tzinfo=UTC), tick=False)
    def test_archive_and_search_queries_do_not_grow_with_the_archive(self):
        """5 stories or 60: year and month archives and search run the same three queries."""
        # year / month: 1 the months (days) that have stories, one probe each, in one
        #   query, 2 a page of the period's stories, 3 their bylines
        # search: 1 the ranked ids of the newest matches, 2 the page's stories with
        #   snippets, 3 their bylines
        pages = ["/2026/", "/2026/06/", "/search/?q=story", "/search/?q=number"]
        counts = {}
        for size in (5, 60):
            self.add_stories(size)
            counts[size] = {url: len(self.measure(url)) for url in pages}
        self.assertEqual(counts[5], dict.fromkeys(pages, 3))
        self.assertEqual(counts[60], dict.fromkeys(pages, 3))

    def test_archives_list_the_periods_that_have_stories(self):
        """A year lists its months with live stories, a month its days; drafts do not count."""
        for when in ("2025-02-03T10:00Z", "2025-02-28T23:30Z", "2025-11-01T00:00Z"):
            make_article(publish_at=datetime.fromisoformat(when))
        make_draft(publish_at=datetime(2025, 5, 5, tzinfo=UTC))
        year = self.client.get("/2025/")
        self.assertEqual(
            [d.date() for d in year.context["date_list"]],
            [datetime(2025, 2, 1).date(), datetime(2025, 11, 1).date()],
        )
        self.assertContains(year, '<a href="/2025/02/">February</a>', html=True)
        self.assertNotContains(year, '<a href="/2025/05/">')
        month = self.client.get("/2025/02/")
        self.assertEqual([d.day for d in month.context["date_list"]], [3, 28])
        # In a time zone ahead of UTC the last story falls on 1 March.
        with self.settings(TIME_ZONE="Asia/Tokyo"):
            self.assertEqual(
                [d.day for d in self.client.get("/2025/02/").context["date_list"]], [3]
            )
            months = self.client.get("/2025/").context["date_list"]
            self.assertEqual([d.month for d in months], [2, 3, 11])

    def test_search_ranks_only_the_newest_matches(self):
        """A word found everywhere costs what a rare one does: the newest matches are ranked,
        best first, and counted up to the limit."""
        from articles import search

        now = timezone.now()
        old = make_article(headline="Ferry ferry ferry", publish_at=now - timedelta(days=9))
        for n in range(5):
            make_article(
                headline=f"Story {n}",
                body="<p>The ferry.</p>",
                publish_at=now - timedelta(hours=n + 1),
            )
        make_article(headline="Ferry strike", publish_at=now - timedelta(hours=9))
        with mock.patch.object(search, "MAX_RESULTS", 6):
            results = search.results("ferry")
            ranked = results.ids()
            page = results[0:3]
        self.assertEqual(len(results), 6)
        self.assertNotIn(old.pk, ranked)  # the oldest match is past the limit
        self.assertEqual(page[0].headline, "Ferry strike")  # the headline match ranks first
        self.assertEqual([a.pk for a in page], ranked[:3])

    def test_no_count_or_window_over_the_story_table(self):
        """No list page counts the stories or ranks them all with a window function."""
        self.add_stories(45)
        for url in [*LIST_PAGES, "/?page=2", "/section/news/?page=1"]:
            for sql in self.measure(url):
                with self.subTest(url=url, sql=sql[:120]):
                    self.assertNotIn("ROW_NUMBER", sql.upper())
                    self.assertNotIn(" OVER ", sql.upper())
                    if "articles_article" in sql:
                        self.assertNotIn("COUNT(", sql.upper())

    def test_pages_say_newer_and_older_without_a_total(self):
        """Pagination names the page and links newer and older stories, never "of N"."""
        self.add_stories(45)
        first = self.client.get("/section/news/")  # 15 stories: one page
        self.assertNotContains(first, 'class="pagination"')
        home = self.client.get("/?page=2")
        self.assertContains(home, "<span>Page 2</span>", html=True)
        self.assertContains(home, '<a rel="prev" href="?">Newer stories</a>', html=True)
        self.assertContains(home, '<a rel="next" href="?page=3">Older stories</a>', html=True)
        self.assertNotContains(home, "Page 2 of")
        last = self.client.get("/?page=3")
        self.assertEqual(len(last.context["articles"]), 5)
        self.assertNotContains(last, 'rel="next"')
        for page in ("4", "0", "-1", "abc", "last", "2.5"):
            with self.subTest(page=page):
                self.assertEqual(self.client.get(f"/?page={page}").status_code, 404)

    @time_machine.travel(datetime(2026, 6, 15, 12, tzinfo=UTC), tick=False)
    def test_pages_past_the_limit_point_to_the_date_archives(self):
        """A page deeper than the limit is a 404 telling the reader where older stories are."""
        self.add_stories(1)
        response = self.client.get(f"/?page={MAX_PAGES + 1}")
        self.assertContains(response, "Older stories are in the date archives", status_code=404)
        self.assertContains(response, 'href="/2026/"', status_code=404)
        # The limit answers before any story is fetched.
        with self.assertNumQueries(0):
            self.client.get(f"/?page={MAX_PAGES + 1}")
        for url in ("/section/news/", "/tag/floods/", "/contributor/ann/", "/2026/"):
            with self.subTest(url=url):
                deep = self.client.get(f"{url}?page={MAX_PAGES + 1}")
                self.assertContains(deep, "date archives", status_code=404)
        self.assertEqual(self.client.get(f"/?page={MAX_PAGES}").status_code, 404)  # empty

    def test_empty_tag_and_contributor_are_404_without_a_count(self):
        """A tag or contributor with no live story is a 404, decided from an empty page 1."""
        make_draft(tags=["secret"], byline=[make_contributor(slug="ghost")])
        self.assertEqual(self.client.get("/tag/secret/").status_code, 404)
        self.assertEqual(self.client.get("/contributor/ghost/").status_code, 404)

    def test_home_blocks_follow_navigation_order_and_skip_empty_sections(self):
        """Blocks come in navigation order, newest first, four at most, none for empty ones."""
        empty = make_section(name="Empty", slug="empty", position=0)
        self.add_stories(14)
        cache.clear()
        blocks = self.client.get("/").context["section_blocks"]
        self.assertNotIn(empty, [b["section"] for b in blocks])
        self.assertEqual([b["section"].slug for b in blocks], ["news", "sport", "arts"])
        for block in blocks:
            expected = list(
                Article.objects.live().in_section(block["section"]).order_by("-publish_at")[:4]
            )
            self.assertEqual(block["articles"], expected)

    def test_home_blocks_are_read_at_the_time_of_each_request(self):
        """The blocks' query is compiled once per process; each request still asks for "now"."""
        self.add_stories(3)
        news = Section.objects.get(slug="news")
        at = timezone.now() + timedelta(hours=2)
        make_article(headline="Later in the news", section=news, publish_at=at)
        cache.clear()
        self.assertNotIn(
            "Later in the news",
            [
                a.headline
                for b in self.client.get("/").context["section_blocks"]
                for a in b["articles"]
            ],
        )
        with time_machine.travel(at + timedelta(seconds=1), tick=False):
            blocks = self.client.get("/").context["section_blocks"]
        self.assertEqual(blocks[0]["articles"][0].headline, "Later in the news")
        # A new section in the navigation gets a query of its own.
        late = make_section(name="Late", slug="late", position=9)
        make_article(headline="First in Late", section=late)
        cache.clear()
        blocks = self.client.get("/").context["section_blocks"]
        self.assertEqual(blocks[-1]["section"].slug, "late")


class ListIndexTests(TestCase):
    """With thousands of stories, EXPLAIN shows every list query driven by an index."""

    @classmethod
    def setUpTestData(cls):
        now = timezone.now()
        sections = [
            Section.objects.create(name=f"Section {n}", slug=f"s{n}", position=n) for n in range(6)
        ]
        contributors = [
            Contributor.objects.create(name=f"Writer {n}", slug=f"w{n}") for n in range(100)
        ]
        tags = [Tag.objects.create(name=f"tag {n}", slug=f"t{n}") for n in range(100)]
        # Stories the size of real ones (a standfirst and ~1,500 characters of body, stored
        # inline), so that reading the whole table costs what it would on a real site.
        summary = "A standfirst of one or two sentences about what happened. " * 3
        body = "<p>" + "A paragraph of the story, as a reporter filed it. " * 30 + "</p>"
        statuses = [Article.Status.PUBLISHED] * 8 + [Article.Status.DRAFT, Article.Status.REVIEW]
        stories = Article.objects.bulk_create(
            Article(
                headline=f"Story {n}",
                slug=f"story-{n}",
                summary=summary,
                body=body,
                section=sections[n % 6],
                status=statuses[n % 10],
                publish_at=now - timedelta(minutes=n + 1),
            )
            for n in range(3000)
        )
        # A tag and a contributor on every tenth story, and another pair on three stories:
        # the most and the least used must both be read through an index.
        popular, rare = Tag.objects.create(name="popular"), Tag.objects.create(name="rare")
        wire = Contributor.objects.create(name="Wire", slug="wire")
        once = Contributor.objects.create(name="Once", slug="once")

        def pick(n, usual, most, least):
            return most if n % 10 == 0 else least if n in (1, 2, 3) else usual[n % 100]

        Byline.objects.bulk_create(
            Byline(article=story, contributor=pick(n, contributors, wire, once))
            for n, story in enumerate(stories)
        )
        article_type = ContentType.objects.get_for_model(Article)
        TaggedItem.objects.bulk_create(
            TaggedItem(
                content_type=article_type, object_id=story.pk, tag=pick(n, tags, popular, rare)
            )
            for n, story in enumerate(stories)
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            if connection.vendor == "postgresql":
                # Merge the search index's pending entries, as autovacuum soon does.
                cursor.execute("SELECT gin_clean_pending_list('article_search_idx')")

    def plan(self, sql):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"EXPLAIN {sql}")
            else:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            return "\n".join(str(row[-1]) for row in cursor.fetchall())

    def assertIndexDriven(self, sql):
        plan = self.plan(sql)
        for table in GROWING_TABLES:
            if connection.vendor == "postgresql":
                self.assertNotIn(f"Seq Scan on {table}", plan, f"{plan}\n\n{sql}")
            else:
                # A bare "SCAN table" reads every row; "SEARCH … USING INDEX" does not.
                self.assertNotRegex(plan, rf"SCAN {table}(?! USING)", f"{plan}\n\n{sql}")
        self.assertRegex(plan, r"Index|USING (COVERING )?INDEX|USING INTEGER PRIMARY KEY", plan)
        return plan

    def test_stories_named_by_key_are_looked_up_by_key_without_statistics(self):
        """The home page's newest and pinned stories, and a page of search results, are a
        few keys; their query looks them up rather than walking the index of every live
        story, which SQLite's planner chose when the query also filtered the outer rows
        by live() and no statistics were kept (as on a site's database, where nothing
        runs ANALYZE): a cost that grew with the archive."""
        lead = FrontPagePin.objects.filter(slot=FrontPagePin.Slot.LEAD).first()
        if lead is None:  # (the pinned variant of these tests has one)
            lead = FrontPagePin.objects.create(
                article=Article.objects.get(slug="story-2500"), slot=FrontPagePin.Slot.LEAD
            )
        pinned = lead.article
        self.forget_statistics()
        # Each page's query for the stories it names by key (the home page's section
        # blocks are read through the section index, a few newest each, by design).
        named = {"/": "articles_frontpagepin", "/search/?q=standfirst": '"headline"'}
        for url, mark in named.items():
            self.client.get(url)  # warm the caches
            with CaptureQueriesContext(connection) as captured:
                response = self.client.get(url)
            self.assertEqual(response.status_code, 200)
            if url == "/":
                self.assertEqual(response.context["lead"], pinned)
            else:
                self.assertTrue(response.context["page_obj"].object_list)
            cards = [
                q["sql"]
                for q in captured.captured_queries
                if '"headline"' in q["sql"] and mark in q["sql"]
            ]
            self.assertTrue(cards)
            for sql in cards:
                with self.subTest(url=url, sql=sql[:160]):
                    self.assertKeyed(sql)

    def forget_statistics(self):
        """As on a site's database, where nothing runs ANALYZE."""
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM sqlite_stat1")
                cursor.execute("ANALYZE sqlite_master")  # the planner forgets them too

    def test_a_rare_tags_page_reads_its_few_stories_by_key(self):
        """A tag (a contributor) on three stories of 3,000: its page reads those stories
        by key, where SQLite's planner walked every live story to find them, a cost that
        grew with the archive; and it shows only the live ones, newest first. A popular
        tag's page still walks the newest stories, and both ways list the same."""
        now = timezone.now()
        rare = Tag.objects.get(name="rare")
        once = Contributor.objects.get(slug="once")
        article_type = ContentType.objects.get_for_model(Article)
        hidden = [
            Article.objects.get(slug="story-8"),  # a draft
            Article.objects.create(
                headline="Scheduled",
                slug="scheduled",
                section=Section.objects.first(),
                status=Article.Status.PUBLISHED,
                publish_at=now + timedelta(hours=1),
            ),
            Article.objects.create(
                headline="Expired",
                slug="expired",
                section=Section.objects.first(),
                status=Article.Status.PUBLISHED,
                publish_at=now - timedelta(seconds=30),
                expire_at=now - timedelta(seconds=10),
            ),
        ]
        for story in hidden:
            TaggedItem.objects.create(content_type=article_type, object_id=story.pk, tag=rare)
            Byline.objects.get_or_create(article=story, contributor=once)
        self.forget_statistics()
        expected = ["story-1", "story-2", "story-3"]
        for url in ("/tag/rare/", "/contributor/once/"):
            self.client.get(url)  # warm the caches
            with CaptureQueriesContext(connection) as captured:
                response = self.client.get(url)
            self.assertEqual(response.status_code, 200)
            shown = [story.slug for story in response.context["page_obj"].object_list]
            self.assertEqual(shown, expected, url)
            cards = [q["sql"] for q in captured.captured_queries if '"headline"' in q["sql"]]
            self.assertEqual(len(cards), 1, cards)
            with self.subTest(url=url):
                self.assertKeyed(cards[0])
                self.assertIndexDriven(cards[0])
        # The popular tag: every tenth story, the newest first, as live() orders them.
        popular = (
            Article.objects.live()
            .filter(tags__name="popular")
            .order_by("-publish_at", "-pk")
            .values_list("slug", flat=True)
        )
        for page in (1, 3):
            response = self.client.get(f"/tag/popular/?page={page}")
            shown = [story.slug for story in response.context["page_obj"].object_list]
            per_page = len(shown)
            self.assertTrue(shown)
            self.assertEqual(shown, list(popular[(page - 1) * per_page : page * per_page]))

    def assertKeyed(self, sql):
        """The outer query's story table (the one named without an alias; subqueries'
        are U0…) is read by its primary key only."""
        plan = self.plan(sql)
        if connection.vendor == "sqlite":
            outer = re.findall(r"(?:SCAN|SEARCH) articles_article\b.*", plan)
            keyed = "USING INTEGER PRIMARY KEY"
        else:
            outer = re.findall(r"Scan\b.* on articles_article(?!\S)(?! \")", plan)
            keyed = "articles_article_pkey"
        self.assertTrue(outer, plan)
        for step in outer:
            self.assertIn(keyed, step, plan)

    def test_every_list_query_uses_an_index(self):
        """Home, section, tag, contributor and archive pages: each query on a growing table
        uses an index, for the most and the least used tag and contributor alike."""
        year, month = f"{timezone.now():%Y}", f"{timezone.now():%Y/%m}"
        urls = ["/", "/?page=7", "/section/s2/", "/tag/t4/", "/contributor/w5/"]
        urls += ["/tag/popular/", "/tag/rare/", "/contributor/wire/", "/contributor/once/"]
        urls += [f"/{year}/", f"/{month}/", f"/{month}/?page=3"]
        if connection.vendor == "postgresql":
            # Full-text search reads the GIN index; SQLite's fallback matches text as it goes.
            urls += ["/search/?q=standfirst", "/search/?q=story+17", "/search/?q=zeppelin"]
        for url in urls:
            self.client.get(url)  # warm the caches
            with CaptureQueriesContext(connection) as captured:
                self.assertEqual(self.client.get(url).status_code, 200)
            queries = [
                q["sql"]
                for q in captured.captured_queries
                if any(table in q["sql"] for table in GROWING_TABLES)
            ]
            self.assertTrue(queries)
            for sql in queries:
                with self.subTest(url=url, sql=re.sub(r"\s+", " ", sql)[:160]):
                    self.assertIndexDriven(sql)
