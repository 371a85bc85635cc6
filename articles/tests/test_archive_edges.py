"""Date archives at the calendar's ends, and HEAD requests on the reader's pages."""

from datetime import UTC, datetime

from django.test import TestCase, override_settings

from .factories import make_article

# Years 1 and 9999, months 1 and 12, days 1 and 31 (and 28 to 31 where they end).
EDGES = [
    "/0001/",
    "/9999/",
    "/0001/01/",
    "/0001/12/",
    "/9999/01/",
    "/9999/12/",
    "/0001/01/01/",
    "/0001/01/31/",
    "/0001/12/01/",
    "/0001/12/31/",
    "/9999/01/01/",
    "/9999/12/01/",
    "/9999/12/30/",
    "/9999/12/31/",
]
IMPOSSIBLE = [
    "/0000/",
    "/0000/01/01/",
    "/2026/00/",
    "/2026/13/",
    "/2026/02/30/",
    "/2024/02/30/",
    "/2025/02/29/",
    "/2026/04/31/",
    "/2026/01/32/",
    "/2026/01/00/",
    "/9999/12/32/",
]


class CalendarEdgeTests(TestCase):
    def setUp(self):
        make_article(headline="An ordinary story")

    def assertNotFound(self, urls):
        for url in urls:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 404)
                self.assertContains(response, "Page not found", status_code=404)

    def test_archives_at_the_calendars_ends_are_404(self):
        """No date archive at the first or last day, month or year Python can hold
        is a server error; with nothing published then, each is a 404."""
        self.assertNotFound(EDGES)

    def test_impossible_dates_are_404(self):
        self.assertNotFound(IMPOSSIBLE)

    def test_edges_are_404_in_time_zones_either_side_of_utc(self):
        """Midnight of 1 January 0001 ahead of UTC, or of 31 December 9999 behind it,
        falls outside the calendar in UTC: still a 404."""
        for zone in ["Pacific/Kiritimati", "Pacific/Pago_Pago"]:
            with self.subTest(zone=zone), override_settings(TIME_ZONE=zone):
                self.assertNotFound(EDGES)

    def test_a_story_dated_in_year_one_is_listed(self):
        """The archive of the calendar's first day works like any other day."""
        make_article(
            headline="Dated at the start of the calendar",
            publish_at=datetime(1, 1, 1, 12, tzinfo=UTC),
        )
        for url in ["/0001/", "/0001/01/", "/0001/01/01/"]:
            with self.subTest(url=url):
                self.assertContains(self.client.get(url), "Dated at the start of the calendar")


class HeadTests(TestCase):
    """HEAD answers wherever GET does: the same status and headers, no body."""

    def setUp(self):
        self.article = make_article(headline="Headline for HEAD")
        day = self.article.publish_at
        self.urls = [
            "/",
            self.article.get_absolute_url(),
            f"/{day:%Y}/",
            f"/{day:%Y/%m}/",
            f"/{day:%Y/%m/%d}/",
        ]

    def assertHeadLikeGet(self):
        for url in self.urls:
            with self.subTest(url=url):
                get = self.client.get(url)
                head = self.client.head(url)
                self.assertEqual((get.status_code, head.status_code), (200, 200))
                self.assertEqual(head.content, b"")
                self.assertEqual(head["Content-Type"], get["Content-Type"])

    def test_head_on_home_story_and_archives(self):
        self.assertHeadLikeGet()

    def test_head_on_cached_pages(self):
        """With the whole-page cache on, HEAD before or after GET still answers 200."""
        with override_settings(NEWSROOM_PAGE_CACHE_SECONDS=600):
            for url in self.urls:
                with self.subTest(url=url):
                    self.assertEqual(self.client.head(url).status_code, 200)
            self.assertHeadLikeGet()
