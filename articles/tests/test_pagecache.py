"""The whole-page cache for anonymous readers: fast, and never stale."""

from datetime import UTC, datetime, timedelta

import time_machine
from django.test import TestCase, override_settings

from articles import pagecache, publishing
from articles.models import Correction
from comments import moderation
from comments.models import Comment
from comments.tests.factories import make_comment

from .factories import make_article, make_draft, make_section, make_user


class PageCacheOn:
    """Turn the page cache on (the suite's conftest turns it off for other tests)."""

    def setUp(self):
        super().setUp()
        cache_on = override_settings(NEWSROOM_PAGE_CACHE_SECONDS=600)
        cache_on.enable()
        self.addCleanup(cache_on.disable)


class PageCacheTests(PageCacheOn, TestCase):
    def setUp(self):
        super().setUp()
        self.article = make_article(headline="Ferry timetable changes")
        self.url = self.article.get_absolute_url()
        self.editor = make_user(groups=["Editors"])

    def test_second_reader_is_served_from_the_cache_with_one_query(self):
        first = self.client.get(self.url)
        self.assertEqual(first["X-Page-Cache"], "miss")
        # 1 the page version
        with self.assertNumQueries(1):
            second = self.client.get(self.url)
        self.assertEqual(second["X-Page-Cache"], "hit")
        self.assertEqual(first.content, second.content)

    def test_conditional_requests_get_304(self):
        first = self.client.get(self.url)
        self.assertIn("must-revalidate", first["Cache-Control"])
        again = self.client.get(self.url, headers={"if-none-match": first["ETag"]})
        self.assertEqual(again.status_code, 304)

    def test_editing_a_story_refreshes_every_page_showing_it(self):
        self.client.get(self.url)
        self.client.get("/")
        with self.captureOnCommitCallbacks(execute=True):
            self.article.headline = "Ferry timetable changes again"
            self.article.save()
        self.assertContains(self.client.get(self.url), "Ferry timetable changes again")
        self.assertContains(self.client.get("/"), "Ferry timetable changes again")

    def test_approving_a_comment_refreshes_the_story(self):
        comment = make_comment(self.article, body="Good to know")
        self.assertNotContains(self.client.get(self.url), "Good to know")
        with self.captureOnCommitCallbacks(execute=True):
            moderation.approve(comment, by=self.editor)
        self.assertContains(self.client.get(self.url), "Good to know")

    def test_correction_and_takedown_are_seen_at_once(self):
        self.client.get(self.url)
        with self.captureOnCommitCallbacks(execute=True):
            publishing.record_change(
                self.article,
                by=self.editor,
                kind=Correction.Kind.CORRECTION,
                note="Fixed the times.",
            )
        self.assertContains(self.client.get(self.url), "Fixed the times.")
        self.client.get("/")
        with self.captureOnCommitCallbacks(execute=True):
            publishing.take_down(self.article, by=self.editor, reason="Error")
        self.assertEqual(self.client.get(self.url).status_code, 410)
        self.assertNotContains(self.client.get("/"), "Ferry timetable")

    def test_section_rename_reaches_cached_pages(self):
        section = make_section(name="Transport", slug="transport")
        self.client.get("/section/transport/")
        with self.captureOnCommitCallbacks(execute=True):
            section.name = "Getting around"
            section.save()
        self.assertContains(self.client.get("/section/transport/"), "Getting around")

    def test_scheduled_story_appears_on_cached_pages_on_its_second(self):
        nine = datetime(2030, 6, 3, 9, 0, 0, tzinfo=UTC)
        with time_machine.travel(nine - timedelta(hours=1), tick=False):
            draft = make_draft(headline="Walrus sighted")
            with self.captureOnCommitCallbacks(execute=True):
                publishing.schedule(draft, by=self.editor, at=nine)
        with time_machine.travel(nine - timedelta(seconds=1), tick=False):
            self.assertNotContains(self.client.get("/"), "Walrus sighted")
            self.assertEqual(self.client.get("/")["X-Page-Cache"], "hit")
        with time_machine.travel(nine, tick=False):
            self.assertContains(self.client.get("/"), "Walrus sighted")

    def test_staff_and_posts_are_never_cached(self):
        self.client.force_login(self.editor)
        response = self.client.get(self.url)
        self.assertNotIn("X-Page-Cache", response)
        self.client.logout()
        self.assertEqual(self.client.get("/story/nothing-here/").status_code, 404)
        self.assertNotIn("X-Page-Cache", self.client.get("/story/nothing-here/"))

    def test_version_counts_up(self):
        before = pagecache.current()
        self.assertEqual(pagecache.bump(), before + 1)
        self.assertEqual(pagecache.current(), before + 1)


class CommentPostTests(PageCacheOn, TestCase):
    def test_reader_sees_the_outcome_message_after_posting(self):
        """The redirect after posting carries the outcome in its address, so it is cacheable."""
        from comments.tests.factories import form_data

        article = make_article()
        self.client.get(article.get_absolute_url())
        response = self.client.post(
            f"/comments/post/{article.pk}/",
            form_data(article),
            headers={"sec-fetch-site": "same-origin"},
            follow=True,
        )
        self.assertContains(response, "awaiting")
        self.assertEqual(Comment.objects.count(), 1)


@override_settings(ALLOWED_HOSTS=["news.example", "www.news.example"], SITE_URL="")
class PageCacheHostTests(PageCacheOn, TestCase):
    """A cached page belongs to the host name it was rendered for."""

    def setUp(self):
        super().setUp()
        self.url = make_article(headline="Harbour news").get_absolute_url()

    def test_a_host_the_site_does_not_serve_is_refused_even_when_the_page_is_cached(self):
        self.assertEqual(
            self.client.get(self.url, HTTP_HOST="news.example")["X-Page-Cache"], "miss"
        )
        response = self.client.get(self.url, HTTP_HOST="evil.example")
        self.assertEqual(response.status_code, 400)
        self.assertNotIn("X-Page-Cache", response)
        self.assertNotContains(response, "Harbour news", status_code=400)

    def test_a_page_rendered_for_one_host_is_never_served_to_another(self):
        first = self.client.get(self.url, HTTP_HOST="news.example")
        self.assertContains(first, 'href="http://news.example/')
        other = self.client.get(self.url, HTTP_HOST="www.news.example")
        self.assertEqual(other["X-Page-Cache"], "miss")
        self.assertContains(other, 'href="http://www.news.example/')
        self.assertNotContains(other, "http://news.example/")
        self.assertEqual(self.client.get(self.url, HTTP_HOST="news.example")["X-Page-Cache"], "hit")
