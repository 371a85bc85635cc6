"""Issue 13: a rights window ends a story's time on the site on time, by the query-time
rule of ``live()`` (no job), and editors see and extend it."""

from datetime import UTC, datetime, timedelta

import time_machine
from django.test import TestCase
from django.urls import reverse

from articles import publishing
from articles.models import Article, ArticleEvent
from articles.tests.factories import make_article, make_section, make_user
from articles.tests.test_admin import form_data
from wire import ingest
from wire.models import Provenance

from .factories import attach_source, make_source

NOON = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)


def receive_and_publish(source, *, released, guid="item-1", headline="Ferry strike ends"):
    """Partner copy through the real path: received, then published by the system."""
    ingest.receive(
        source,
        ingest.Item(
            guid=guid,
            title=headline,
            summary="Crews return on Monday.",
            body="<p>The strike is over.</p>",
            url=f"https://kstp.com/news/{guid}",
            published=released,
        ),
    )
    article = Article.objects.get(provenance__guid=guid)
    publishing.publish(article, by=publishing.System("tests"))
    return article


class RightsWindowTests(TestCase):
    def setUp(self):
        self.section = make_section(slug="local", name="Local")
        self.source = make_source(rights_days=7)

    def test_the_window_counts_from_the_partners_release_and_ends_everywhere_on_time(self):
        with time_machine.travel(NOON, tick=False):
            story = receive_and_publish(self.source, released=NOON - timedelta(days=1))
            story.section = self.section
            story.tags.set(["ferries"])
            story.save()
            # Our own story on the same lists keeps them there once the partner's is gone.
            make_article(headline="Ferry timetable", section=self.section, tags=["ferries"])
        end = NOON + timedelta(days=6)
        self.assertEqual(story.expire_at, end)
        places = [
            "/",
            "/section/local/",
            "/tag/ferries/",
            "/feed/",
            "/feed/atom/",
            "/sitemap-stories.xml",
            "/search/?q=strike",
        ]
        with time_machine.travel(end - timedelta(seconds=1), tick=False):
            for place in places:
                self.assertContains(self.client.get(place), "ferry-strike-ends", msg_prefix=place)
            self.assertEqual(self.client.get(story.get_absolute_url()).status_code, 200)
        with time_machine.travel(end, tick=False):
            for place in places:
                self.assertNotContains(
                    self.client.get(place), "ferry-strike-ends", msg_prefix=place
                )
            gone = self.client.get(story.get_absolute_url())
            self.assertEqual(gone.status_code, 410)
            self.assertContains(gone, "no longer available", status_code=410)
            self.assertContains(gone, ">kstp.com</a>", status_code=410)
            self.assertContains(gone, "7 March 2030", status_code=410)

    def test_copy_whose_window_has_passed_arrives_but_cannot_go_live(self):
        with time_machine.travel(NOON, tick=False):
            ingest.receive(
                self.source,
                ingest.Item(
                    guid="old",
                    title="Last week's storm",
                    body="<p>It rained.</p>",
                    published=NOON - timedelta(days=10),
                ),
            )
            story = Article.objects.get(provenance__guid="old")
            self.assertEqual(story.expire_at, NOON - timedelta(days=3))
            editor = make_user(groups=["Editors"])
            with self.assertRaisesMessage(Exception, "time on the site ends"):
                publishing.publish(story, by=editor)
            self.client.force_login(editor)
            response = self.client.post(
                reverse("admin:articles_article_change", args=[story.pk]),
                form_data(
                    headline=story.headline,
                    slug=story.slug,
                    summary=story.summary,
                    body=story.body,
                    expire_at_0="2030-02-26",
                    expire_at_1="12:00:00",
                    expected_version=str(story.version),
                    _transition="publish",
                ),
            )
            self.assertContains(response, "cannot go live then")
            story.refresh_from_db()
            self.assertEqual(story.status, Article.Status.DRAFT)

    def test_a_source_without_a_window_sets_no_end(self):
        story = receive_and_publish(make_source(name="Open", site_url=""), released=None)
        self.assertIsNone(story.expire_at)

    def test_a_source_chosen_on_the_story_form_brings_its_window(self):
        editor = make_user(groups=["Editors"])
        with time_machine.travel(NOON, tick=False):
            self.client.force_login(editor)  # sessions live in the travelled time
            response = self.client.post(
                reverse("admin:articles_article_add"),
                form_data(source=str(self.source.pk), original_url="https://kstp.com/news/7"),
            )
        self.assertEqual(response.status_code, 302, response.content.decode()[-3000:])
        story = Article.objects.get()
        self.assertEqual(story.provenance.source, self.source)
        self.assertEqual(story.provenance.original_url, "https://kstp.com/news/7")
        self.assertEqual(story.expire_at, NOON + timedelta(days=7))
        # The story's one revision records it.
        self.assertEqual(story.revisions.count(), 1)
        self.assertIsNotNone(story.revisions.get().data["expire_at"])


class ExtendTests(TestCase):
    def setUp(self):
        self.editor = make_user(groups=["Editors"])
        self.writer = make_user(groups=["Writers"])
        with time_machine.travel(NOON, tick=False):
            self.story = receive_and_publish(make_source(rights_days=3), released=NOON)

    def test_the_desk_lists_stories_about_to_leave_the_site_with_a_way_to_extend(self):
        with time_machine.travel(NOON + timedelta(days=1), tick=False):
            self.client.force_login(self.editor)
            desk = self.client.get(reverse("admin:index"))
        self.assertContains(desk, "Expiring soon")
        self.assertContains(desk, "Ferry strike ends")
        self.assertContains(desk, reverse("admin:articles_article_extend", args=[self.story.pk]))

    def test_an_editor_extends_with_a_note_kept_in_the_audit_log(self):
        url = reverse("admin:articles_article_extend", args=[self.story.pk])
        later = NOON + timedelta(days=30)
        with time_machine.travel(NOON + timedelta(days=1), tick=False):
            self.client.force_login(self.editor)
            page = self.client.get(url)
            self.assertContains(page, "leaves the site on")
            # No note: refused, with what was typed kept.
            refused = self.client.post(
                url, {"until_0": "2030-03-31", "until_1": "12:00:00", "note": ""}
            )
            self.assertEqual(refused.status_code, 200)
            self.assertContains(refused, "This field is required")
            self.assertContains(refused, 'value="2030-03-31"')
            done = self.client.post(
                url,
                {
                    "until_0": "2030-03-31",
                    "until_1": "12:00:00",
                    "note": "Licence renewed by email",
                },
            )
        self.assertEqual(done.status_code, 302)
        self.story.refresh_from_db()
        self.assertEqual(self.story.expire_at, later)
        event = ArticleEvent.objects.filter(article=self.story, action="extend_expiry").get()
        self.assertEqual(event.by, self.editor)
        self.assertIn("Licence renewed by email", event.note)
        self.assertIn("2030-03-04 12:00", event.note.replace("T", " "))

    def test_an_expired_story_comes_back_when_extended(self):
        with time_machine.travel(NOON + timedelta(days=4), tick=False):
            self.assertEqual(self.client.get(self.story.get_absolute_url()).status_code, 410)
            publishing.extend_expiry(
                self.story, by=self.editor, until=None, note="Rights bought outright"
            )
            self.assertEqual(self.client.get(self.story.get_absolute_url()).status_code, 200)

    def test_bad_extensions_are_refused_with_a_reason(self):
        with time_machine.travel(NOON + timedelta(days=1), tick=False):
            with self.assertRaisesMessage(Exception, "later than the current one"):
                publishing.extend_expiry(
                    self.story, by=self.editor, until=NOON + timedelta(days=2), note="x"
                )
            with self.assertRaisesMessage(Exception, "in the future"):
                publishing.extend_expiry(self.story, by=self.editor, until=NOON, note="x")
            with self.assertRaisesMessage(Exception, "Only editors"):
                publishing.extend_expiry(self.story, by=self.writer, until=None, note="x")
            self.client.force_login(self.writer)
            url = reverse("admin:articles_article_extend", args=[self.story.pk])
            self.assertEqual(self.client.get(url).status_code, 403)


class ProvenanceOnTheFormTests(TestCase):
    def setUp(self):
        self.client.force_login(make_user(groups=["Editors"]))

    def test_a_post_without_the_source_fields_leaves_the_source_alone(self):
        story = make_article()
        attach_source(story, original_url="https://kstp.com/news/1")
        response = self.client.post(
            reverse("admin:articles_article_change", args=[story.pk]),
            form_data(
                headline=story.headline,
                slug=story.slug,
                summary=story.summary,
                body=story.body,
                expected_version=str(story.version),
                change_kind="typo",
            ),
        )
        self.assertEqual(response.status_code, 302, response.content.decode()[-2000:])
        self.assertTrue(Provenance.objects.filter(article=story).exists())

    def test_a_url_without_a_source_or_on_another_site_is_refused_keeping_the_input(self):
        make_source()
        response = self.client.post(
            reverse("admin:articles_article_add"),
            form_data(original_url="https://elsewhere.example/x"),
        )
        self.assertContains(response, "Choose the source the original story")
        self.assertContains(response, "https://elsewhere.example/x")
        source = make_source(name="Other", site_url="https://other.example/")
        response = self.client.post(
            reverse("admin:articles_article_add"),
            form_data(source=str(source.pk), original_url="https://elsewhere.example/x"),
        )
        self.assertContains(response, "not on other.example")
        self.assertFalse(Article.objects.exists())
