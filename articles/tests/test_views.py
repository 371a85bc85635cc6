from datetime import timedelta

from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from .factories import (
    make_article,
    make_contributor,
    make_draft,
    make_picture,
    make_section,
    make_user,
)


class HomePageTests(TestCase):
    def test_lists_live_stories_newest_first(self):
        """Readers see published stories, newest first, and never drafts or scheduled ones."""
        now = timezone.now()
        older = make_article(headline="Older story", publish_at=now - timedelta(days=2))
        newer = make_article(headline="Newer story", publish_at=now - timedelta(hours=1))
        make_draft(headline="Secret draft")
        make_article(headline="Tomorrow's story", publish_at=now + timedelta(days=1))
        response = self.client.get("/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(list(response.context["articles"]), [newer, older])
        self.assertNotContains(response, "Secret draft")
        self.assertNotContains(response, "Tomorrow&#x27;s story")
        self.assertContains(
            response, f'<a href="{newer.get_absolute_url()}">Newer story</a>', html=True
        )

    def test_is_paginated(self):
        """Twenty stories a page; older ones on the next page."""
        now = timezone.now()
        for n in range(21):
            make_article(headline=f"Story {n:02d}", publish_at=now - timedelta(minutes=n + 1))
        first = self.client.get("/")
        self.assertEqual(len(first.context["articles"]), 20)
        self.assertContains(first, 'rel="next"')
        second = self.client.get("/?page=2")
        self.assertEqual([a.headline for a in second.context["articles"]], ["Story 20"])
        self.assertEqual(self.client.get("/?page=99").status_code, 404)
        self.assertEqual(self.client.get("/?page=abc").status_code, 404)

    def test_query_count(self):
        """The home page costs a fixed number of queries however many stories it lists."""
        section = make_section()
        for _ in range(5):
            make_article(section=section, byline=[make_contributor()])
        self.client.get("/")  # warm the navigation cache
        # 1 stories with sections (one more than a page: no count), 2 bylines with
        # contributors, 3 the newest stories of each section (front-page blocks)
        with self.assertNumQueries(3):
            self.client.get("/")


class StoryPageTests(TestCase):
    def setUp(self):
        self.section = make_section(name="World", slug="world")
        self.article = make_article(
            headline="Bridge reopens",
            summary="Traffic flows again.",
            body="<p>Paragraph one.</p><p>Paragraph two.</p>",
            section=self.section,
            byline=[make_contributor(name="Ann Lee"), make_contributor(name="Bo Chan")],
            tags=["transport", "city hall"],
            lead_picture=make_picture(
                640,
                360,
                alt_text="The bridge at dawn",
                caption="The bridge on Monday.",
                credit="Photo: Desk",
            ),
        )

    def test_shows_every_part_of_the_story(self):
        response = self.client.get(self.article.get_absolute_url())
        self.assertContains(response, "<h1>Bridge reopens</h1>", html=True)
        self.assertContains(response, '<p class="standfirst">Traffic flows again.</p>', html=True)
        self.assertRegex(
            response.content.decode(),
            r'By <a class="author" rel="author" href="/contributor/[\w-]+/">Ann Lee</a> and '
            r'<a class="author" rel="author" href="/contributor/[\w-]+/">Bo Chan</a>',
        )
        self.assertContains(response, "Published <time")
        self.assertContains(response, '<a href="/section/world/">World</a>', html=True)
        self.assertContains(
            response, '<a href="/tag/transport/" rel="tag">transport</a>', html=True
        )
        self.assertContains(
            response, '<a href="/tag/city-hall/" rel="tag">city hall</a>', html=True
        )
        self.assertContains(response, "<p>Paragraph one.</p><p>Paragraph two.</p>")
        self.assertNotContains(response, 'class="attribution"')  # our own story
        self.assertContains(response, 'alt="The bridge at dawn" width="640" height="360"')
        self.assertContains(response, "The bridge on Monday.")
        self.assertContains(response, "Photo: Desk")
        self.assertContains(response, '<button type="submit">Post Comment</button>', html=True)

    def test_anonymous_page_holds_no_per_visitor_secret(self):
        """The story page for readers can be cached whole: no cookie, no CSRF token, no Vary: Cookie."""
        response = self.client.get(self.article.get_absolute_url())
        self.assertNotIn("csrfmiddlewaretoken", response.content.decode())
        self.assertFalse(response.cookies)
        self.assertNotIn("Cookie", response.get("Vary", ""))

    def test_query_count(self):
        """A story page costs a fixed number of queries."""
        self.client.get(self.article.get_absolute_url())  # warm the navigation cache
        # 1 story with section and lead picture, 2 bylines with contributors, 3 tags,
        # 4 the lead picture's renditions, 5 approved comments
        with self.assertNumQueries(5):
            self.client.get(self.article.get_absolute_url())

    def test_unknown_story_is_404_in_the_site_design(self):
        response = self.client.get("/story/no-such-story/")
        self.assertEqual(response.status_code, 404)
        self.assertContains(response, "Page not found", status_code=404)
        self.assertContains(response, "Go to the latest news", status_code=404)


class DraftVisibilityTests(TestCase):
    """A draft is hidden from readers and previewable by staff who may see stories."""

    def setUp(self):
        self.draft = make_draft(headline="Embargoed scoop")
        self.url = self.draft.get_absolute_url()

    def test_anonymous_reader_gets_404(self):
        self.assertEqual(self.client.get(self.url).status_code, 404)

    def test_logged_in_non_staff_gets_404(self):
        self.client.force_login(make_user(is_staff=False))
        self.assertEqual(self.client.get(self.url).status_code, 404)

    def test_staff_without_story_permission_gets_404(self):
        self.client.force_login(make_user(is_staff=True))
        self.assertEqual(self.client.get(self.url).status_code, 404)

    def test_writer_editor_and_moderator_see_a_preview(self):
        for group in ["Writers", "Editors", "Moderators"]:
            with self.subTest(group=group):
                self.client.force_login(make_user(groups=[group]))
                response = self.client.get(self.url)
                self.assertContains(response, "Embargoed scoop")
                self.assertContains(response, "Preview: this story is not published")
                self.assertContains(response, '<meta name="robots" content="noindex">')
                self.assertIn("no-store", response["Cache-Control"])
                self.assertIn("private", response["Cache-Control"])
                # No comment form on a preview.
                self.assertNotContains(response, "Post Comment")

    def test_scheduled_story_is_hidden_until_its_time(self):
        article = make_article(publish_at=timezone.now() + timedelta(minutes=5))
        self.assertEqual(self.client.get(article.get_absolute_url()).status_code, 404)
        self.assertNotContains(self.client.get("/"), article.headline)


class ListPageTests(TestCase):
    def test_section_page_lists_only_its_live_stories(self):
        section = make_section(name="Sport", slug="sport")
        mine = make_article(section=section, headline="Cup final")
        make_article(headline="Elsewhere")
        make_draft(section=section, headline="Draft in section")
        response = self.client.get("/section/sport/")
        self.assertEqual(list(response.context["articles"]), [mine])
        self.assertContains(response, '<h1 class="page-title">Sport</h1>', html=True)
        self.assertEqual(self.client.get("/section/nope/").status_code, 404)

    def test_tag_page_lists_live_stories_with_that_tag(self):
        tagged = make_article(tags=["floods"])
        make_article(tags=["fires"])
        make_draft(tags=["floods"])
        response = self.client.get("/tag/floods/")
        self.assertEqual(list(response.context["articles"]), [tagged])
        self.assertEqual(self.client.get("/tag/unknown/").status_code, 404)

    def test_navigation_lists_sections(self):
        make_section(name="Weather", slug="weather")
        self.assertContains(
            self.client.get("/"), '<a href="/section/weather/">Weather</a>', html=True
        )


class HealthTests(TestCase):
    def test_healthz(self):
        response = self.client.get("/healthz")
        self.assertEqual(response.json(), {"status": "ok"})

    def test_readyz_checks_database_cache_and_media(self):
        response = self.client.get("/readyz")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(), {"status": "ok", "database": "ok", "cache": "ok", "media": "ok"}
        )

    def test_urls_are_named(self):
        self.assertEqual(reverse("articles:home"), "/")
