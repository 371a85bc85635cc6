"""The reader's pages: front page, lists, archives, story dates, error pages, robots.txt."""

import re
from datetime import datetime, timedelta

import time_machine
from django.db import connection
from django.test import RequestFactory, TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import publishing, views
from articles.models import Article

from .factories import (
    make_article,
    make_contributor,
    make_draft,
    make_picture,
    make_section,
    make_user,
)


class PageTestCase(TestCase):
    def assertWarmQueries(self, url, expected):
        """``url`` costs ``expected`` queries once the caches are warm (a second request)."""
        self.assertEqual(self.client.get(url).status_code, 200)
        with self.assertNumQueries(expected):
            self.client.get(url)


def story_at(year, month, day, hour=12, **overrides):
    moment = timezone.make_aware(datetime(year, month, day, hour))
    return make_article(publish_at=moment, **overrides)


class FrontPageTests(PageTestCase):
    def test_lead_story_latest_and_a_block_per_section(self):
        """The newest story leads; every section with live stories gets a block of its newest four."""
        now = timezone.now()
        local = make_section(name="Local", slug="local", position=1)
        sport = make_section(name="Sport", slug="sport", position=2)
        make_section(name="Empty", slug="empty", position=3)
        lead = make_article(
            headline="The lead", section=local, publish_at=now - timedelta(minutes=1)
        )
        for n in range(5):
            make_article(
                headline=f"Local {n}", section=local, publish_at=now - timedelta(hours=n + 1)
            )
        make_article(headline="Sport one", section=sport, publish_at=now - timedelta(days=1))
        make_draft(headline="Draft in sport", section=sport)

        response = self.client.get("/")

        page = response.content.decode()
        lead_block = page[page.index('class="lead-story"') : page.index('class="front-columns"')]
        self.assertIn("The lead", lead_block)
        blocks = response.context["section_blocks"]
        self.assertEqual([block["section"].name for block in blocks], ["Local", "Sport"])
        self.assertEqual(
            [a.headline for a in blocks[0]["articles"]],
            ["The lead", "Local 0", "Local 1", "Local 2"],
        )
        self.assertEqual([a.headline for a in blocks[1]["articles"]], ["Sport one"])
        self.assertNotContains(response, "Draft in sport")
        self.assertContains(response, '<a href="/section/sport/">Sport</a>', html=True)
        self.assertEqual(response.context["articles"][0], lead)

    def test_older_pages_list_stories_without_section_blocks(self):
        """Page 2 of the front page is a plain list of older stories."""
        now = timezone.now()
        section = make_section()
        for n in range(21):
            make_article(section=section, publish_at=now - timedelta(minutes=n + 1))
        response = self.client.get("/?page=2")
        self.assertEqual(response.context["section_blocks"], [])
        self.assertContains(response, "Latest news")
        self.assertContains(response, '<a rel="prev" href="?">Newer stories</a>', html=True)

    def test_query_count(self):
        """The front page costs three queries, whatever the number of stories and sections."""
        for _ in range(3):
            section = make_section()
            for _ in range(3):
                make_article(section=section, byline=[make_contributor()])
        # 1 stories with sections (one more than a page: no count), 2 bylines with
        # contributors, 3 the newest stories of every section
        self.assertWarmQueries("/", 3)


class ListPageTests(PageTestCase):
    def test_section_page_has_feeds_canonical_and_marks_its_navigation_link(self):
        """A section page names its own feeds, its canonical URL, and highlights itself in the menu."""
        make_article(section=make_section(name="Sport", slug="sport"))
        response = self.client.get("/section/sport/")
        self.assertContains(
            response, '<link rel="canonical" href="http://testserver/section/sport/">'
        )
        self.assertContains(response, 'href="/section/sport/feed/"')
        self.assertContains(response, 'href="/section/sport/feed/atom/"')
        self.assertContains(response, 'href="/section/sport/" aria-current="page"')

    def test_tag_carried_only_by_drafts_is_not_revealed(self):
        """A tag page exists for readers only while a live story carries the tag."""
        make_draft(tags=["secret-merger"])
        self.assertEqual(self.client.get("/tag/secret-merger/").status_code, 404)
        self.assertEqual(self.client.get("/tag/secret-merger/feed/").status_code, 404)

    def test_list_query_counts(self):
        """Section, tag and contributor pages cost a fixed number of queries."""
        section = make_section(slug="news")
        writer = make_contributor(slug="ann")
        for _ in range(3):
            make_article(section=section, tags=["floods"], byline=[writer, make_contributor()])
        # Each page is asked for twice: the first request fills the caches (navigation,
        # taggit's content type, the comments app's comment counts).
        # 1 section, 2 stories (one more than a page: no count), 3 bylines
        self.assertWarmQueries("/section/news/", 3)
        # 1 tag, 2 stories (one more than a page: no count), 3 bylines
        self.assertWarmQueries("/tag/floods/", 3)
        # 1 contributor, 2 stories (one more than a page: no count), 3 bylines
        self.assertWarmQueries("/contributor/ann/", 3)


class ContributorPageTests(TestCase):
    def test_lists_their_live_stories_and_bio(self):
        """A contributor's page shows their bio and their live stories only."""
        ann = make_contributor(name="Ann Lee", slug="ann-lee", bio="Covers the harbour.")
        mine = make_article(headline="Ann's scoop", byline=[ann, make_contributor()])
        make_article(headline="Someone else's")
        make_draft(headline="Ann's draft", byline=[ann])
        response = self.client.get("/contributor/ann-lee/")
        self.assertContains(response, '<h1 class="page-title">Ann Lee</h1>', html=True)
        self.assertContains(response, "Covers the harbour.")
        self.assertEqual(list(response.context["articles"]), [mine])

    def test_byline_links_to_the_contributor_page(self):
        """Every name in a byline links to that contributor's page."""
        ann = make_contributor(name="Ann Lee", slug="ann-lee")
        article = make_article(byline=[ann])
        response = self.client.get(article.get_absolute_url())
        self.assertContains(
            response,
            '<a class="author" rel="author" href="/contributor/ann-lee/">Ann Lee</a>',
            html=True,
        )

    def test_without_live_stories_is_404(self):
        """Nobody learns of a contributor before their first story is live."""
        make_draft(byline=[make_contributor(slug="newcomer")])
        self.assertEqual(self.client.get("/contributor/newcomer/").status_code, 404)
        self.assertEqual(self.client.get("/contributor/nobody/").status_code, 404)


class DateArchiveTests(PageTestCase):
    def setUp(self):
        self.march_first = story_at(2025, 3, 1, headline="Spring starts")
        self.march_second = story_at(2025, 3, 2, headline="Second of March")
        self.june = story_at(2025, 6, 15, headline="Midsummer")
        story_at(2024, 12, 31, headline="Last year")
        make_draft(headline="Unpublished draft")

    def test_year_lists_its_stories_and_months(self):
        """/2025/ lists that year's live stories, newest first, and links each month with stories."""
        response = self.client.get("/2025/")
        self.assertEqual(
            [a.headline for a in response.context["articles"]],
            ["Midsummer", "Second of March", "Spring starts"],
        )
        self.assertContains(response, "Stories from 2025")
        self.assertContains(response, '<a href="/2025/03/">March</a>', html=True)
        self.assertContains(response, '<a href="/2025/06/">June</a>', html=True)
        self.assertNotContains(response, "/2025/04/")

    def test_month_and_day(self):
        """/2025/03/ lists March and links its days; /2025/03/02/ lists that day only."""
        month = self.client.get("/2025/03/")
        self.assertEqual(
            [a.headline for a in month.context["articles"]], ["Second of March", "Spring starts"]
        )
        self.assertContains(month, '<a href="/2025/03/01/">1 March</a>', html=True)
        day = self.client.get("/2025/03/02/")
        self.assertEqual([a.headline for a in day.context["articles"]], ["Second of March"])
        self.assertContains(day, "Stories from 2 March 2025")
        self.assertContains(day, '<a href="/2025/03/">March</a>', html=True)

    def test_periods_without_live_stories_are_404(self):
        """Empty years, months and days, impossible dates and future stories give 404."""
        story_at(2031, 1, 1, headline="Scheduled far ahead")
        for url in ["/2023/", "/2025/04/", "/2025/03/03/", "/2025/13/", "/2025/02/30/", "/2031/"]:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)

    def test_story_date_links_to_its_day(self):
        """The story's publication date links to the archive of that day."""
        response = self.client.get(self.march_first.get_absolute_url())
        self.assertContains(response, 'href="/2025/03/01/"')

    def test_query_counts(self):
        """Archive pages cost a fixed number of queries."""
        # No count: a page fetches one story more than it shows to know of an older page.
        # 1 months with stories, 2 stories, 3 bylines
        self.assertWarmQueries("/2025/", 3)
        # 1 days with stories, 2 stories, 3 bylines
        self.assertWarmQueries("/2025/03/", 3)
        # 1 stories, 2 bylines
        self.assertWarmQueries("/2025/03/02/", 2)


class StoryDatesTests(TestCase):
    def test_published_and_updated_after_a_correction(self):
        """A correction adds "Updated" with its time and the public note; silent edits do not."""
        article = make_article(publish_at=timezone.now() - timedelta(days=1))
        page = self.client.get(article.get_absolute_url())
        self.assertContains(page, "Published <time")
        self.assertNotContains(page, "Updated <time")
        self.assertNotContains(page, "Updates and corrections")

        editor = make_user(groups=["Editors"])
        publishing.record_change(
            article,
            by=editor,
            kind="correction",
            note="An earlier version misspelt the mayor's name.",
        )
        article.refresh_from_db()
        page = self.client.get(article.get_absolute_url())
        updated = article.modified_at.replace(microsecond=0)
        self.assertContains(
            page, f'Updated <time datetime="{timezone.localtime(updated).isoformat()}">'
        )
        self.assertContains(page, "Updates and corrections")
        self.assertContains(page, "An earlier version misspelt the mayor&#x27;s name.")

    def test_corrections_cost_a_query_only_on_updated_stories(self):
        """A story never updated needs no query for corrections; an updated one needs exactly one."""
        plain = make_article()
        corrected = make_article()
        publishing.record_change(
            corrected, by=make_user(groups=["Editors"]), kind="update", note="More."
        )
        counts = []
        for article in (plain, corrected):
            self.client.get(article.get_absolute_url())  # warm caches
            with CaptureQueriesContext(connection) as queries:
                self.client.get(article.get_absolute_url())
            counts.append(len(queries))
        self.assertEqual(counts[1], counts[0] + 1)

    def test_times_carry_whole_seconds(self):
        """Machine-readable times are valid HTML: whole seconds, never microseconds."""
        article = make_article(
            publish_at=timezone.now().replace(microsecond=123456) - timedelta(hours=1)
        )
        page = self.client.get(article.get_absolute_url()).content.decode()
        stamps = re.findall(r'datetime="([^"]+)"', page)
        self.assertTrue(stamps)
        for stamp in stamps:
            self.assertNotIn(".", stamp)


class ImageTests(TestCase):
    def test_lead_image_has_size_and_alt_and_loads_eagerly(self):
        """The story's lead picture is sized (no layout shift), described, and not lazy: it is above the fold."""
        article = make_article(lead_picture=make_picture(640, 360, alt_text="The bridge at dawn"))
        page = self.client.get(article.get_absolute_url()).content.decode()
        tag = re.search(r'<figure class="lead-image">\s*<picture>.*?(<img[^>]+>)', page, re.S)[1]
        self.assertIn('alt="The bridge at dawn"', tag)
        self.assertIn('width="640" height="360"', tag)
        self.assertIn('fetchpriority="high"', tag)
        self.assertNotIn("lazy", tag)

    def test_images_further_down_lists_load_lazily(self):
        """In lists, pictures below the lead story load lazily, and every one is sized and described."""
        for n in range(3):
            make_article(
                lead_picture=make_picture(640, 360, alt_text=f"Picture {n}"),
                publish_at=timezone.now() - timedelta(hours=n + 1),
            )
        page = self.client.get("/").content.decode()
        images = re.findall(r"<img[^>]+>", page)
        self.assertEqual(len(images), 3)
        self.assertNotIn('loading="lazy"', images[0])  # the lead story
        for image in images:
            self.assertRegex(image, r'alt="Picture \d"')
            self.assertIn('width="640" height="360"', image)
        for image in images[1:]:
            self.assertIn('loading="lazy"', image)

    def test_pictures_follow_where_media_are_served(self):
        """Rendition links follow MEDIA_URL (e.g. a move to a CDN)."""
        for n in range(2):
            make_article(lead_picture=make_picture(320, 180, alt_text=f"Picture {n}"))
        before = re.findall(r"<picture>.*?</picture>", self.client.get("/").content.decode())
        with self.settings(MEDIA_URL="https://cdn.example.com/media/"):
            after = re.findall(r"<picture>.*?</picture>", self.client.get("/").content.decode())
        self.assertEqual(len(after), 2)
        for old, new in zip(before, after, strict=True):
            self.assertRegex(old, r'srcset="/media/pictures/renditions/[^" ]+\.avif \d+w')
            self.assertEqual(new, old.replace("/media/", "https://cdn.example.com/media/"))


class ErrorPageTests(TestCase):
    def test_taken_down_story_is_410_in_the_site_design(self):
        """A story taken down answers 410 Gone with a generic notice, never its content."""
        article = make_article(headline="Disputed story")
        publishing.take_down(article, by=make_user(groups=["Editors"]), reason="Court order")
        response = self.client.get(article.get_absolute_url())
        self.assertEqual(response.status_code, 410)
        self.assertContains(response, "This story has been removed", status_code=410)
        self.assertContains(response, 'class="site-header"', status_code=410)
        self.assertNotContains(response, "Disputed story", status_code=410)
        self.assertNotContains(response, "Court order", status_code=410)

    def test_unknown_story_is_404_in_the_site_design(self):
        response = self.client.get("/story/never-was/")
        self.assertContains(response, "Page not found", status_code=404)
        self.assertContains(response, 'role="search"', status_code=404)

    def test_server_error_page_needs_no_database(self):
        """The 500 page is in the site's design and renders without a single query."""
        request = RequestFactory().get("/")
        with self.assertNumQueries(0):
            response = views.server_error(request)
        self.assertEqual(response.status_code, 500)
        self.assertContains(response, "Something went wrong", status_code=500)
        self.assertContains(response, 'class="site-header"', status_code=500)


class RobotsTests(TestCase):
    def test_names_both_sitemaps(self):
        """robots.txt points crawlers at the sitemap index and the news sitemap."""
        response = self.client.get("/robots.txt")
        self.assertEqual(response["Content-Type"], "text/plain; charset=utf-8")
        lines = response.content.decode().splitlines()
        self.assertIn("Sitemap: http://testserver/sitemap.xml", lines)
        self.assertIn("Sitemap: http://testserver/news-sitemap.xml", lines)
        self.assertIn("Disallow: /admin/", lines)


class CacheabilityTests(TestCase):
    def test_anonymous_story_page_is_the_same_for_every_reader(self):
        """Two anonymous readers get byte-identical story pages: no nonce, token or cookie in them."""
        article = make_article(tags=["x"], byline=[make_contributor()])
        # The form token names the second the page was made: the same for every
        # reader within it, so the two requests share one (frozen) second.
        with time_machine.travel(timezone.now(), tick=False):
            first = self.client.get(article.get_absolute_url())
            self.client.cookies.clear()
            second = self.client.get(article.get_absolute_url())
        self.assertEqual(first.content, second.content)
        self.assertNotIn("nonce", first.content.decode())
        self.assertNotIn("nonce-", first.get("Content-Security-Policy", ""))


class ArticleStatusTests(TestCase):
    def test_scheduled_and_unpublished_stories_are_404_not_410(self):
        """Only a takedown says "removed"; other hidden stories are simply not there."""
        scheduled = make_article(publish_at=timezone.now() + timedelta(hours=2))
        unpublished = make_article(status=Article.Status.UNPUBLISHED)
        for article in (scheduled, unpublished):
            with self.subTest(status=article.status):
                self.assertEqual(self.client.get(article.get_absolute_url()).status_code, 404)
