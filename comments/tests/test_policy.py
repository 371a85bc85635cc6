"""Who may comment where: site, section and story settings, and closing after N days."""

from datetime import timedelta

from django.test import TestCase
from django.utils import timezone

from articles.models import CommentMode
from articles.tests.factories import make_article, make_section
from comments.models import Comment, CommentSettings
from comments.policy import policy_for

from .factories import make_comment, make_settings

OPEN, PRE, CLOSED, INHERIT = (
    CommentMode.OPEN,
    CommentMode.PREMODERATED,
    CommentMode.CLOSED,
    CommentMode.INHERIT,
)


class InheritanceTests(TestCase):
    def test_defaults_without_a_settings_row(self):
        """With nothing configured, comments are open (first-time commenters still held)."""
        self.assertFalse(CommentSettings.objects.exists())
        site = CommentSettings.load()
        self.assertEqual(
            (site.default_mode, site.max_links, site.flood_seconds, site.report_threshold),
            (OPEN, 2, 15, 3),
        )
        self.assertEqual(policy_for(make_article()).mode, OPEN)

    def test_story_then_section_then_site(self):
        """The first setting that is not "inherit" wins: story, then section, then site."""
        cases = [
            # (site, section, story) -> effective
            ((PRE, INHERIT, INHERIT), PRE),
            ((CLOSED, OPEN, INHERIT), OPEN),
            ((OPEN, CLOSED, INHERIT), CLOSED),
            ((OPEN, CLOSED, PRE), PRE),
            ((CLOSED, PRE, OPEN), OPEN),
            ((OPEN, INHERIT, CLOSED), CLOSED),
        ]
        for (site, section, story), expected in cases:
            with self.subTest(site=site, section=section, story=story):
                make_settings(default_mode=site)
                article = make_article(
                    section=make_section(comment_mode=section), comment_mode=story
                )
                self.assertEqual(policy_for(article).mode, expected)

    def test_story_without_section_uses_the_site(self):
        make_settings(default_mode=PRE)
        self.assertEqual(policy_for(make_article(section=None)).mode, PRE)


class AutoCloseTests(TestCase):
    def setUp(self):
        make_settings(close_after_days=14)

    def test_comments_close_n_days_after_publication(self):
        now = timezone.now()
        fresh = make_article(publish_at=now - timedelta(days=13, hours=23))
        old = make_article(publish_at=now - timedelta(days=14, minutes=1))
        self.assertTrue(policy_for(fresh).is_open)
        self.assertEqual(policy_for(fresh).closes_at, fresh.publish_at + timedelta(days=14))
        self.assertFalse(policy_for(old).is_open)
        self.assertIn("14 days after a story is published", policy_for(old).closed_because)

    def test_a_story_set_to_open_stays_open(self):
        """An editor reopens an old story by setting the story itself to Open."""
        old = make_article(publish_at=timezone.now() - timedelta(days=60), comment_mode=OPEN)
        self.assertTrue(policy_for(old).is_open)

    def test_section_setting_does_not_escape_auto_close(self):
        old = make_article(
            publish_at=timezone.now() - timedelta(days=60),
            section=make_section(comment_mode=OPEN),
        )
        self.assertFalse(policy_for(old).is_open)

    def test_closed_story_page_shows_notice_and_comments_but_no_form(self):
        """Readers still see the conversation, are told it is closed, and get no form or Reply links."""
        old = make_article(publish_at=timezone.now() - timedelta(days=20))
        make_comment(old, body="Said while open", status=Comment.Status.APPROVED)
        page = self.client.get(old.get_absolute_url())
        self.assertContains(page, "Said while open")
        self.assertContains(page, "this story&#x27;s comments are closed")
        self.assertNotContains(page, "Post Comment")
        self.assertNotContains(page, 'name="token"')
        self.assertNotContains(page, "reply_to=")

    def test_premoderated_story_says_so_on_the_form(self):
        article = make_article(comment_mode=PRE)
        page = self.client.get(article.get_absolute_url())
        self.assertContains(page, "Comments on this story are reviewed before they appear.")
