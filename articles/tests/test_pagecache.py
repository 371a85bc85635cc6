"""The whole-page cache for anonymous readers: fast, and never stale."""

import time
from datetime import UTC, datetime, timedelta
from unittest import mock

import structlog
import time_machine
from django.core.signals import request_finished
from django.test import TestCase, override_settings

from articles import publishing
from articles.models import Correction
from comments import moderation
from comments.models import Comment, CommentSettings
from comments.tests.factories import make_comment, make_settings
from pagecache import refresh, store

from .factories import make_article, make_contributor, make_draft, make_section, make_user


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
        self.local = make_section(name="Local", slug="local")
        self.sport = make_section(name="Sport", slug="sport")
        self.reporter = make_contributor(name="Ada Reporter", slug="ada")
        self.article = make_article(
            headline="Ferry timetable changes",
            section=self.local,
            byline=[self.reporter],
            tags=["ferries"],
        )
        self.other = make_article(headline="Cup final tonight", section=self.sport, tags=["cup"])
        self.url = self.article.get_absolute_url()
        self.editor = make_user(groups=["Editors"])

    def cached(self, *paths):
        """Fill the cache with these pages."""
        for path in paths:
            self.assertEqual(self.client.get(path).status_code, 200, path)
            self.assertEqual(self.client.get(path)["X-Page-Cache"], "hit", path)

    def assertHit(self, path):
        self.assertEqual(self.client.get(path)["X-Page-Cache"], "hit", path)

    def assertMiss(self, path):
        self.assertEqual(self.client.get(path)["X-Page-Cache"], "miss", path)

    def test_second_reader_is_served_from_the_cache_without_any_query(self):
        first = self.client.get(self.url)
        self.assertEqual(first["X-Page-Cache"], "miss")
        with self.assertNumQueries(0):
            second = self.client.get(self.url)
        self.assertEqual(second["X-Page-Cache"], "hit")
        self.assertEqual(first.content, second.content)
        self.assertEqual(first["ETag"], second["ETag"])

    def test_conditional_requests_get_304_without_any_query(self):
        first = self.client.get(self.url)
        self.assertIn("must-revalidate", first["Cache-Control"])
        with self.assertNumQueries(0):
            again = self.client.get(self.url, headers={"if-none-match": first["ETag"]})
        self.assertEqual(again.status_code, 304)
        self.assertEqual(again.content, b"")
        self.assertEqual(again["ETag"], first["ETag"])
        other = self.client.get(self.url, headers={"if-none-match": '"something-else"'})
        self.assertEqual(other.status_code, 200)

    def test_pages_name_the_keys_they_depend_on(self):
        story = self.client.get(self.url)["Surrogate-Key"].split()
        self.assertIn(f"story:{self.article.pk}", story)
        self.assertIn("site", story)
        self.assertIn(f"person:{self.reporter.pk}", story)
        self.assertNotIn("home", story)
        home = self.client.get("/")["Surrogate-Key"].split()
        self.assertIn("home", home)
        self.assertNotIn(f"story:{self.article.pk}", home)
        self.assertIn("section:local", self.client.get("/section/local/")["Surrogate-Key"].split())
        self.assertIn("tag:ferries", self.client.get("/tag/ferries/")["Surrogate-Key"].split())
        self.assertIn("feed", self.client.get("/feed/")["Surrogate-Key"].split())

    def test_editing_a_live_story_refreshes_its_page_and_lists_and_nothing_else(self):
        other_url = self.other.get_absolute_url()
        self.cached(self.url, "/", "/section/local/", "/tag/ferries/", "/contributor/ada/")
        self.cached(other_url, "/section/sport/", "/tag/cup/")
        with self.captureOnCommitCallbacks(execute=True):
            self.article.headline = "Ferry timetable changes again"
            self.article.save()
        for path in (self.url, "/", "/section/local/", "/tag/ferries/", "/contributor/ada/"):
            self.assertContains(self.client.get(path), "Ferry timetable changes again")
        self.assertHit(other_url)
        self.assertHit("/section/sport/")
        self.assertHit("/tag/cup/")

    def test_approving_a_comment_refreshes_its_story_page_only(self):
        comment = make_comment(self.article, body="Good to know")
        other_url = self.other.get_absolute_url()
        self.cached(self.url, other_url, "/", "/section/local/")
        with self.captureOnCommitCallbacks(execute=True):
            moderation.approve(comment, by=self.editor)
        self.assertContains(self.client.get(self.url), "Good to know")
        self.assertHit(other_url)
        self.assertHit("/")
        self.assertHit("/section/local/")

    def test_the_first_reader_after_an_approval_gets_the_new_page_from_the_cache(self):
        # The moderator's process renders the page before retiring the old one: nobody
        # who reads it afterwards waits for it to render.
        comment = make_comment(self.article, body="Good to know")
        self.cached(self.url)
        with self.captureOnCommitCallbacks(execute=True):
            moderation.approve(comment, by=self.editor)
        with self.assertNumQueries(0):
            response = self.client.get(self.url)
        self.assertEqual(response["X-Page-Cache"], "hit")
        self.assertContains(response, "Good to know")

    def test_every_address_the_story_page_was_stored_at_is_rendered_anew(self):
        comment = make_comment(self.article, body="Good to know")
        second = f"{self.url}?from=newsletter"  # another address, the same story page
        self.cached(self.url, second)
        with self.captureOnCommitCallbacks(execute=True):
            moderation.approve(comment, by=self.editor)
        for path in (self.url, second):
            response = self.client.get(path)
            self.assertEqual(response["X-Page-Cache"], "hit", path)
            self.assertContains(response, "Good to know")

    def test_a_change_while_the_page_renders_sends_readers_to_render_it(self):
        # Another change numbered while the new page rendered may be missing from it:
        # that page is not kept, and the first reader renders the page again.
        comment = make_comment(self.article, body="Good to know")
        self.cached(self.url)
        render = refresh._render

        def render_while_something_changes(address):
            page = render(address)
            store.invalidate(["unrelated:1"])
            return page

        with (
            mock.patch.object(refresh, "_render", render_while_something_changes),
            self.captureOnCommitCallbacks(execute=True),
        ):
            moderation.approve(comment, by=self.editor)
        response = self.client.get(self.url)
        self.assertEqual(response["X-Page-Cache"], "miss")
        self.assertContains(response, "Good to know")

    def test_a_page_that_fails_to_render_anew_is_rendered_by_its_first_reader(self):
        comment = make_comment(self.article, body="Good to know")
        self.cached(self.url)
        with (
            mock.patch.object(refresh, "_render", side_effect=RuntimeError("template broke")),
            self.assertLogs("pagecache.refresh", "ERROR") as logs,
            self.captureOnCommitCallbacks(execute=True),
        ):
            self.assertEqual(moderation.approve(comment, by=self.editor), 1)
        self.assertIn("rendering http://testserver/", logs.output[0])
        response = self.client.get(self.url)
        self.assertEqual(response["X-Page-Cache"], "miss")
        self.assertContains(response, "Good to know")

    def test_rendering_anew_leaves_the_moderator_s_request_as_it_was(self):
        # The page renders inside the moderator's request: its log context (request id)
        # and database connection must come out of it unchanged.
        comment = make_comment(self.article, body="Good to know")
        self.cached(self.url)
        finished = []
        request_finished.connect(finished.append, dispatch_uid="refresh-test")
        self.addCleanup(request_finished.disconnect, dispatch_uid="refresh-test")
        structlog.contextvars.bind_contextvars(request_id="the-moderator-s-request")
        self.addCleanup(structlog.contextvars.clear_contextvars)
        with self.captureOnCommitCallbacks(execute=True):
            moderation.approve(comment, by=self.editor)
        self.assertEqual(finished, [])  # it would have closed the moderator's connection
        self.assertEqual(
            structlog.contextvars.get_contextvars(), {"request_id": "the-moderator-s-request"}
        )
        self.assertEqual(self.client.get(self.url)["X-Page-Cache"], "hit")  # it did render

    def test_list_comment_counts_lag_by_at_most_a_minute(self):
        start = datetime(2030, 6, 3, 9, 0, 0, tzinfo=UTC)
        comment = make_comment(self.article, body="Good to know")
        with time_machine.travel(start, tick=False):
            self.cached("/")
            with self.captureOnCommitCallbacks(execute=True):
                moderation.approve(comment, by=self.editor)
        with time_machine.travel(start + timedelta(seconds=59), tick=False):
            self.assertHit("/")
        with time_machine.travel(start + timedelta(seconds=61), tick=False):
            self.assertMiss("/")

    def test_editing_a_draft_retires_nothing(self):
        draft = make_draft(headline="Not yet", section=self.local)
        self.cached(self.url, "/", "/section/local/")
        with self.captureOnCommitCallbacks(execute=True):
            draft.headline = "Still not yet"
            draft.save()
        self.assertHit(self.url)
        self.assertHit("/")
        self.assertHit("/section/local/")

    def test_correction_and_takedown_are_seen_at_once(self):
        self.cached(self.url, "/")
        with self.captureOnCommitCallbacks(execute=True):
            publishing.record_change(
                self.article,
                by=self.editor,
                kind=Correction.Kind.CORRECTION,
                note="Fixed the times.",
            )
        self.assertContains(self.client.get(self.url), "Fixed the times.")
        self.assertContains(self.client.get("/corrections/"), "Fixed the times.")
        self.client.get("/")
        with self.captureOnCommitCallbacks(execute=True):
            publishing.take_down(self.article, by=self.editor, reason="Error")
        self.assertEqual(self.client.get(self.url).status_code, 410)
        self.assertNotContains(self.client.get("/"), "Ferry timetable")
        self.assertNotContains(self.client.get("/section/local/"), "Ferry timetable")

    def test_moving_a_story_to_another_section_refreshes_both(self):
        self.cached("/section/local/", "/section/sport/")
        with self.captureOnCommitCallbacks(execute=True):
            self.article.section = self.sport
            self.article.save()
        self.assertNotContains(self.client.get("/section/local/"), "Ferry timetable")
        self.assertContains(self.client.get("/section/sport/"), "Ferry timetable")

    def test_tagging_a_live_story_refreshes_its_page_and_the_tag(self):
        self.cached(self.url, "/tag/cup/", "/tag/ferries/")
        with self.captureOnCommitCallbacks(execute=True):
            self.article.tags.add("harbour")
        self.assertContains(self.client.get(self.url), "harbour")
        self.assertContains(self.client.get("/tag/harbour/"), "Ferry timetable")
        self.assertHit("/tag/cup/")
        with self.captureOnCommitCallbacks(execute=True):
            self.article.tags.clear()
        self.assertNotContains(
            self.client.get("/tag/ferries/", follow=True), "Ferry timetable", status_code=404
        )

    def test_renaming_a_contributor_refreshes_pages_showing_their_byline(self):
        self.cached(self.url, "/", self.other.get_absolute_url())
        with self.captureOnCommitCallbacks(execute=True):
            self.reporter.name = "Ada Lovelace"
            self.reporter.save()
        self.assertContains(self.client.get(self.url), "Ada Lovelace")
        self.assertContains(self.client.get("/"), "Ada Lovelace")
        self.assertHit(self.other.get_absolute_url())

    def test_section_rename_reaches_every_cached_page(self):
        self.cached("/section/local/", self.other.get_absolute_url())
        with self.captureOnCommitCallbacks(execute=True):
            self.local.name = "Getting around"
            self.local.save()
        self.assertContains(self.client.get("/section/local/"), "Getting around")
        self.assertContains(self.client.get(self.other.get_absolute_url()), "Getting around")

    def test_scheduled_story_appears_on_cached_pages_on_its_second(self):
        nine = datetime(2030, 6, 3, 9, 0, 0, tzinfo=UTC)
        with time_machine.travel(nine - timedelta(hours=1), tick=False):
            self.cached("/feed/")
            draft = make_draft(headline="Walrus sighted")
            with self.captureOnCommitCallbacks(execute=True):
                publishing.schedule(draft, by=self.editor, at=nine)
        with time_machine.travel(nine - timedelta(seconds=1), tick=False):
            self.assertNotContains(self.client.get("/feed/"), "Walrus sighted")
            self.assertHit("/feed/")
        with time_machine.travel(nine, tick=False):
            self.assertContains(self.client.get("/feed/"), "Walrus sighted")
            self.assertContains(self.client.get("/"), "Walrus sighted")

    def test_an_expiring_story_leaves_its_cached_page_on_time(self):
        noon = datetime(2030, 6, 3, 12, 0, 0, tzinfo=UTC)
        with time_machine.travel(noon - timedelta(minutes=5), tick=False):
            story = make_article(headline="Short-lived", expire_at=noon)
            self.cached(story.get_absolute_url())
        with time_machine.travel(noon - timedelta(seconds=1), tick=False):
            self.assertHit(story.get_absolute_url())
        with time_machine.travel(noon, tick=False):
            self.assertNotEqual(self.client.get(story.get_absolute_url()).status_code, 200)

    def test_a_cached_story_stops_offering_the_form_when_comments_close(self):
        make_settings(close_after_days=2)
        opened = datetime(2030, 6, 1, 12, 0, 0, tzinfo=UTC)
        with time_machine.travel(opened + timedelta(days=2, minutes=-5), tick=False):
            story = make_article(headline="Old news", publish_at=opened)
            self.cached(story.get_absolute_url())
            self.assertContains(self.client.get(story.get_absolute_url()), "Post Comment")
        with time_machine.travel(opened + timedelta(days=2), tick=False):
            page = self.client.get(story.get_absolute_url())
            self.assertEqual(page["X-Page-Cache"], "miss")
            self.assertNotContains(page, "Post Comment")

    def test_changing_the_comment_rules_refreshes_every_story_page(self):
        self.cached(self.url, self.other.get_absolute_url())
        with self.captureOnCommitCallbacks(execute=True):
            make_settings(default_mode="closed")
        for url in (self.url, self.other.get_absolute_url()):
            self.assertNotContains(self.client.get(url), "Post Comment")

    def test_the_comment_rules_row_made_with_the_defaults_retires_nothing(self):
        """The digest check creates the settings row on first use: readers saw those defaults."""
        self.cached(self.url)
        with self.captureOnCommitCallbacks(execute=True):
            CommentSettings.objects.get_or_create(pk=CommentSettings.SINGLETON_PK)
        self.assertEqual(self.client.get(self.url)["X-Page-Cache"], "hit")

    def test_staff_and_posts_are_never_cached(self):
        self.client.force_login(self.editor)
        response = self.client.get(self.url)
        self.assertNotIn("X-Page-Cache", response)
        self.client.logout()
        self.assertEqual(self.client.get("/story/nothing-here/").status_code, 404)
        self.assertNotIn("X-Page-Cache", self.client.get("/story/nothing-here/"))


class PageStoreTests(TestCase):
    """The store's rule: a page rendered while a change committed is never kept as current."""

    def page(self, sequence, keys=("site", "story:1")):
        return store.Page(
            status=200,
            headers=(("Content-Type", "text/html"),),
            body=b"<p>old</p>",
            etag='"x"',
            keys=keys,
            sequence=sequence,
            expires_at=time.time() + 60,
        )

    def test_a_change_during_rendering_keeps_the_page_out(self):
        started = store.sequence()
        store.invalidate(["story:1"])  # committed while the page was being rendered
        self.assertFalse(store.save("http://testserver/a/", self.page(started)))
        self.assertIsNone(store.lookup("http://testserver/a/"))

    def test_a_change_after_storing_retires_only_pages_with_that_key(self):
        started = store.sequence()
        self.assertTrue(store.save("http://testserver/a/", self.page(started)))
        self.assertTrue(store.save("http://testserver/b/", self.page(started, ("site", "story:2"))))
        store.invalidate(["story:1"])
        self.assertIsNone(store.lookup("http://testserver/a/"))
        self.assertIsNotNone(store.lookup("http://testserver/b/"))

    def test_a_lost_version_makes_pages_stale_never_current(self):
        started = store.sequence()
        store.save("http://testserver/a/", self.page(started))
        store.cache().delete(store.version_key("story:1"))
        self.assertIsNone(store.lookup("http://testserver/a/"))


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
