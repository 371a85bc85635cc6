"""Issue 13: partner copy in the Incoming queue — new, updated by the partner, and
changed by the partner after we published it (never overwritten)."""

from django.test import TestCase
from django.urls import reverse

from articles import publishing
from articles.models import Article, ArticleEvent
from articles.tests.factories import make_user
from wire import ingest
from wire.models import IncomingStory

from .factories import make_source

QUEUE = reverse("admin:wire_incomingstory_changelist")


def item(**overrides):
    fields = {
        "guid": "kstp-1001",
        "title": "Ferry strike ends",
        "summary": "Crews return on Monday.",
        "body": "<p>The strike is over after three weeks.</p>",
        "url": "https://kstp.com/news/kstp-1001",
    } | overrides
    return ingest.Item(**fields)


class IncomingQueueTests(TestCase):
    def setUp(self):
        self.source = make_source()
        self.editor = make_user(groups=["Editors"])
        self.client.force_login(self.editor)

    def story(self):
        return Article.objects.get(provenance__guid="kstp-1001")

    def test_a_new_item_waits_in_the_queue_as_a_draft_with_its_origin(self):
        self.assertEqual(ingest.receive(self.source, item()), ingest.Outcome.NEW)
        story = self.story()
        self.assertEqual(story.status, Article.Status.DRAFT)
        self.assertEqual(story.provenance.original_url, "https://kstp.com/news/kstp-1001")
        self.assertEqual(story.revisions.get().saved_by, "poll_sources")
        queue = self.client.get(QUEUE)
        self.assertContains(queue, "Incoming")
        self.assertContains(queue, "Ferry strike ends")
        self.assertContains(queue, reverse("admin:articles_article_change", args=[story.pk]))
        self.assertContains(queue, "kstp.com")
        # Published, it leaves the queue.
        publishing.publish(story, by=self.editor)
        self.assertNotContains(self.client.get(QUEUE), "Ferry strike ends")

    def test_the_same_item_again_changes_nothing(self):
        ingest.receive(self.source, item())
        self.assertEqual(ingest.receive(self.source, item()), ingest.Outcome.UNCHANGED)
        self.assertEqual(Article.objects.count(), 1)
        self.assertEqual(self.story().revisions.count(), 1)

    def test_an_updated_item_updates_the_draft_and_shows_what_changed(self):
        ingest.receive(self.source, item())
        outcome = ingest.receive(
            self.source, item(body="<p>The strike is over after four weeks.</p>")
        )
        self.assertEqual(outcome, ingest.Outcome.UPDATED)
        story = self.story()
        self.assertIn("four weeks", story.body)
        self.assertEqual(story.revisions.count(), 2)  # the first text is kept
        self.assertContains(self.client.get(QUEUE), "updated by the partner")
        form = self.client.get(reverse("admin:articles_article_change", args=[story.pk]))
        self.assertContains(form, "<del>three</del>", html=False)
        self.assertContains(form, "<ins>four</ins>", html=False)

    def test_a_published_story_is_never_overwritten_and_the_editor_is_told(self):
        ingest.receive(self.source, item())
        story = self.story()
        publishing.publish(story, by=self.editor)
        outcome = ingest.receive(self.source, item(title="Ferry strike ends; fares frozen"))
        self.assertEqual(outcome, ingest.Outcome.PARTNER_CHANGED)
        story.refresh_from_db()
        self.assertEqual(story.headline, "Ferry strike ends")
        self.assertTrue(
            ArticleEvent.objects.filter(article=story, action="partner_changed").exists()
        )
        # Back in the queue, flagged; the story's form says so, with the partner's changes.
        queue = self.client.get(QUEUE + "?todo=changed")
        self.assertContains(queue, "changed by the partner")
        change = reverse("admin:articles_article_change", args=[story.pk])
        form = self.client.get(change)
        self.assertContains(form, "changed this story on")
        self.assertContains(form, "frozen</ins>", html=False)
        # Seen: the flag goes, the queue empties, the audit log keeps it.
        seen = self.client.post(reverse("admin:wire_incomingstory_seen", args=[story.pk]))
        self.assertRedirects(seen, change, fetch_redirect_response=False)
        self.assertFalse(IncomingStory.objects.incoming().exists())
        self.assertTrue(
            ArticleEvent.objects.filter(article=story, action="partner_change_seen").exists()
        )

    def test_titles_are_text_and_bodies_keep_only_the_allowlist(self):
        ingest.receive(
            self.source,
            item(
                title="<b>Fire</b> &amp; rescue &lt;i&gt;now&lt;/i&gt;",
                body='<p onclick="x()">Hi<script>alert(1)</script>'
                '<a href="javascript:alert(1)">link</a></p><iframe src="https://e.example"></iframe>',
            ),
        )
        story = self.story()
        self.assertEqual(story.headline, "Fire & rescue now")
        for bad in ("<script", "onclick", "javascript:", "<iframe"):
            self.assertNotIn(bad, story.body)
        self.assertIn("Hi", story.body)

    def test_relative_links_in_a_partners_body_point_to_the_partners_site(self):
        ingest.receive(
            self.source,
            item(
                body='<p><a href="/news/earlier">Earlier</a> and <a href="#notes">notes</a> '
                'and <a href="https://other.example/x">elsewhere</a>.</p>'
            ),
        )
        body = self.story().body
        self.assertIn('href="https://kstp.com/news/earlier"', body)
        self.assertIn('href="#notes"', body)
        self.assertIn('href="https://other.example/x"', body)

    def test_items_that_cannot_be_stories_are_refused_with_a_reason(self):
        with self.assertRaisesMessage(Exception, "has no title"):
            ingest.receive(self.source, item(title="<b> </b>"))
        with self.assertRaisesMessage(Exception, "has no text"):
            ingest.receive(self.source, item(body="", summary=""))
        with self.assertRaisesMessage(Exception, "neither an ID nor a link"):
            ingest.receive(self.source, item(guid="", url=""))
        self.assertFalse(Article.objects.exists())

    def test_the_same_guid_from_two_sources_is_two_stories(self):
        other = make_source(name="Other", site_url="https://other.example/")
        ingest.receive(self.source, item())
        ingest.receive(other, item(url="https://other.example/1"))
        self.assertEqual(Article.objects.count(), 2)

    def test_the_desk_shows_what_is_waiting(self):
        desk = self.client.get(reverse("admin:index"))
        self.assertContains(desk, "No partner copy waiting")
        ingest.receive(self.source, item())
        desk = self.client.get(reverse("admin:index"))
        self.assertContains(desk, f'<a href="{QUEUE}">Incoming</a>', html=True)
        self.assertContains(desk, "Ferry strike ends")
        self.assertContains(desk, "kstp.com, ")

    def test_writers_see_the_queue_too(self):
        ingest.receive(self.source, item())
        self.client.force_login(make_user(groups=["Writers"]))
        self.assertContains(self.client.get(QUEUE), "Ferry strike ends")


class SourceAdminTests(TestCase):
    def setUp(self):
        self.client.force_login(make_user(groups=["Editors"]))
        self.source = make_source(rights_days=30)

    def test_a_failing_feed_is_reported_on_its_sources_page(self):
        import socket

        from wire.models import Feed

        with socket.socket() as probe:  # a port nothing listens on
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        feed = Feed.objects.create(source=self.source, url=f"http://127.0.0.1:{port}/feed.xml")
        working = Feed.objects.create(
            source=make_source(name="Calm", site_url="https://calm.example/"),
            url="http://calm.example/feed.xml",
            active=False,
        )
        changelist = reverse("admin:wire_source_changelist")
        response = self.client.post(
            changelist,
            {"action": "poll_now", "_selected_action": [self.source.pk]},
            follow=True,
        )
        self.assertContains(response, "connection refused")
        feed.refresh_from_db()
        self.assertEqual((feed.outcome, feed.failures), (Feed.Outcome.FAILED, 1))
        page = self.client.get(reverse("admin:wire_source_change", args=[self.source.pk]))
        self.assertContains(page, "failed when last polled")
        self.assertContains(page, "connection refused")
        self.assertContains(self.client.get(changelist), "1 of 1 failing")
        # Nothing else was touched.
        working.refresh_from_db()
        self.assertEqual(working.outcome, "")

    def test_the_sources_list_shows_terms_at_a_glance(self):
        response = self.client.get(reverse("admin:wire_source_changelist"))
        self.assertContains(response, "30 days")
        self.assertContains(response, "kstp.com")


class ReadOnlyStoryTests(TestCase):
    def test_someone_who_may_only_read_a_story_still_sees_where_it_came_from(self):
        ingest.receive(make_source(), item())
        story = Article.objects.get()
        publishing.publish(story, by=publishing.System("tests"))
        self.client.force_login(make_user(groups=["Writers"]))  # not theirs, and live
        page = self.client.get(reverse("admin:articles_article_change", args=[story.pk]))
        self.assertContains(page, "View story")
        self.assertContains(page, 'kstp.com — <a href="https://kstp.com/news/kstp-1001">')
