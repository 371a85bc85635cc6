"""Issue 10's daily path: one path for every change, one record per save, and the
kind-of-change question only when it matters."""

import json
import re
from datetime import timedelta
from io import StringIO

import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from articles import publishing
from articles.models import Article, Correction, Revision
from comments.tests.factories import make_settings

from .factories import make_article, make_contributor, make_draft, make_user
from .seed import SEED
from .test_admin import change_url, form_data
from .test_admin_workflow import edit_data

Kind = Revision.Kind


def history(article):
    return list(article.revisions.order_by("number").values_list("kind", flat=True))


class SystemActorTests(TestCase):
    def test_import_makes_a_first_revision_and_an_audit_entry_named_for_the_command(self):
        call_command("import_story", str(SEED), "--publish", stdout=StringIO())
        article = Article.objects.get()
        self.assertEqual(history(article), [Kind.CREATED, Kind.PUBLISHED])
        first = article.revisions.get(number=1)
        self.assertEqual(first.saved_by, "import_story")
        self.assertIsNone(first.created_by)
        # The original text can be diffed and restored: it is all in the first revision.
        self.assertEqual(first.data["body"], article.body)
        self.assertEqual(article.provenance.source.name, "kstp.com")
        self.assertEqual(
            list(article.events.order_by("at", "pk").values_list("action", "actor", "by")),
            [("create", "import_story", None), ("publish", "import_story", None)],
        )
        self.assertEqual(article.first_published_at, article.publish_at)

    def test_a_system_actor_still_meets_the_embargo_and_the_states(self):
        actor = publishing.System("ingest")
        embargoed = make_draft(embargo_until=timezone.now() + timedelta(hours=3))
        with self.assertRaisesMessage(Exception, "under embargo"):
            publishing.publish(embargoed, by=actor)
        gone = make_article(status=Article.Status.TAKEN_DOWN)
        with self.assertRaisesMessage(Exception, "is not possible for a story"):
            publishing.publish(gone, by=actor)
        self.assertFalse(publishing.is_editor(actor))
        self.assertFalse(publishing.can_edit(actor, embargoed))

    def test_demo_stories_come_through_the_workflow(self):
        call_command("load_demo", stdout=StringIO())
        for article in Article.objects.all():
            with self.subTest(article=article.slug):
                kinds = history(article)
                self.assertEqual(kinds[0], Kind.CREATED)
                self.assertEqual(article.events.first().actor, "load_demo")
                if article.status == Article.Status.PUBLISHED:
                    self.assertIn(kinds[-1], {Kind.PUBLISHED, Kind.SCHEDULED})
                    self.assertEqual(article.first_published_at, article.publish_at)
        # Published in the past, in order, as the demo says.
        live = list(Article.objects.live().order_by("-publish_at"))
        self.assertGreater(len(live), 3)
        self.assertTrue(all(a.publish_at < timezone.now() for a in live))


class OneRevisionPerSaveTests(TestCase):
    def setUp(self):
        self.editor = make_user(groups=["Editors"])
        self.client.force_login(self.editor)

    def test_a_new_story_has_a_revision_from_its_first_save(self):
        self.client.post(reverse("admin:articles_article_add"), form_data())
        article = Article.objects.get()
        self.assertEqual(history(article), [Kind.CREATED])

    def test_save_and_publish_makes_exactly_one_revision(self):
        draft = make_draft()
        publishing.record_revision(draft, by=self.editor, kind=Kind.CREATED)
        response = self.client.post(
            change_url(draft), edit_data(draft, headline="Changed", _transition="publish")
        )
        self.assertEqual(response.status_code, 302)
        draft.refresh_from_db()
        self.assertEqual(draft.status, Article.Status.PUBLISHED)
        self.assertEqual(history(draft), [Kind.CREATED, Kind.PUBLISHED])
        self.assertEqual(draft.revisions.first().data["headline"], "Changed")

    def test_every_route_records_its_kind(self):
        draft = make_draft()
        publishing.submit(draft, by=self.editor)
        publishing.send_back(draft, by=self.editor, note="Needs a second source.")
        publishing.schedule(draft, by=self.editor, at=timezone.now() + timedelta(hours=2))
        publishing.unpublish(draft, by=self.editor)
        publishing.take_down(draft, by=self.editor, reason="Legal")
        publishing.restore_draft(draft, by=self.editor)
        self.assertEqual(
            history(draft),
            [
                Kind.SUBMITTED,
                Kind.SENT_BACK,
                Kind.SCHEDULED,
                Kind.UNPUBLISHED,
                Kind.TAKEN_DOWN,
                Kind.RETURNED,
            ],
        )

    def test_history_names_kinds_and_shows_dates_as_people_read_them(self):
        article = make_draft()
        publishing.record_revision(article, by=self.editor, kind=Kind.CREATED)
        publishing.schedule(article, by=self.editor, at=timezone.now() + timedelta(days=1))
        page = self.client.get(
            reverse("admin:articles_article_revisions", args=[article.pk]) + "?a=1&b=2"
        )
        # What people read: the page's text, not its machine-readable attributes.
        text = re.sub(r"<[^>]+>", " ", page.content.decode())
        self.assertContains(page, "Created")
        self.assertContains(page, "Scheduled")
        # The diff of the publication time is a date people read, never an ISO string.
        self.assertIsNone(re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", text))
        when = timezone.localtime(article.publish_at)
        self.assertContains(page, f"{when.day} {when:%B} {when.year}, {when:%H:%M}")


class KindOfChangeTests(TestCase):
    def setUp(self):
        self.editor = make_user(groups=["Editors"])
        self.client.force_login(self.editor)
        self.live = make_article(publish_at=timezone.now() - timedelta(days=1))

    def save(self, article, **changes):
        return self.client.post(change_url(article), edit_data(article, **changes))

    def test_an_unchanged_save_of_a_live_story_is_not_asked(self):
        response = self.save(self.live)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(history(self.live), [Kind.EDIT])

    def test_a_change_readers_see_is_asked(self):
        response = self.save(self.live, headline="A new headline")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "say whether it is a typo fix")

    def test_internal_fields_are_not_asked(self):
        response = self.save(self.live, comment_mode="closed")
        self.assertEqual(response.status_code, 302)

    def test_take_down_and_unpublish_are_not_asked(self):
        for name, extra in (("unpublish", {}), ("take_down", {"transition_note": "Legal"})):
            with self.subTest(name=name):
                article = make_article(publish_at=timezone.now() - timedelta(days=1))
                response = self.save(article, headline="Edited too", _transition=name, **extra)
                self.assertEqual(response.status_code, 302)
                article.refresh_from_db()
                self.assertNotEqual(article.status, Article.Status.PUBLISHED)

    def test_a_scheduled_story_not_live_yet_is_not_asked_and_gets_no_note(self):
        scheduled = make_article(publish_at=timezone.now() + timedelta(days=1))
        response = self.save(scheduled, headline="Reworded before it goes live")
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Correction.objects.exists())
        # Even asked directly, no note dated before the first publication is made.
        publishing.record_change(scheduled, by=self.editor, kind="update", note="Early")
        self.assertFalse(Correction.objects.exists())

    def test_the_take_down_reason_is_publishings_message_on_the_form(self):
        response = self.save(self.live, _transition="take_down", transition_note="")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Say why the story is being taken down")
        self.live.refresh_from_db()
        self.assertEqual(self.live.status, Article.Status.PUBLISHED)

    def test_scheduling_in_the_past_is_refused_on_the_form_before_saving(self):
        draft = make_draft()
        past = timezone.localtime() - timedelta(hours=1)
        response = self.save(
            draft,
            headline="Not saved",
            _transition="schedule",
            schedule_for_0=past.strftime("%Y-%m-%d"),
            schedule_for_1=past.strftime("%H:%M:%S"),
        )
        self.assertContains(response, "Choose a time in the future")
        draft.refresh_from_db()
        self.assertNotEqual(draft.headline, "Not saved")
        self.assertFalse(draft.revisions.exists())


class PublicationTimeTests(TestCase):
    def setUp(self):
        self.editor = make_user(groups=["Editors"])

    def test_date_published_never_moves_after_unpublish_and_republish(self):
        first = timezone.now() - timedelta(days=3)
        article = make_article(publish_at=first)
        publishing.unpublish(article, by=self.editor)
        publishing.publish(article, by=self.editor)
        article.refresh_from_db()
        self.assertEqual(article.first_published_at, first)
        self.assertGreater(article.modified_at, first)
        page = self.client.get(article.get_absolute_url())
        data = json.loads(
            re.search(
                r'<script type="application/ld\+json"[^>]*>(.*?)</script>',
                page.content.decode(),
                re.S,
            ).group(1)
        )
        article_data = next(
            d
            for d in (data if isinstance(data, list) else data.get("@graph", [data]))
            if d.get("@type") == "NewsArticle"
        )
        self.assertTrue(article_data["datePublished"].startswith(first.strftime("%Y-%m-%dT")))
        self.assertNotEqual(article_data["dateModified"], article_data["datePublished"])

    def test_restoring_a_revision_of_a_live_story_keeps_it_live(self):
        client = self.client
        client.force_login(self.editor)
        article = make_article(headline="Original words", publish_at=timezone.now() - timedelta(1))
        publishing.record_revision(article, by=self.editor)
        article.headline = "Later words"
        article.save()
        publishing.record_revision(article, by=self.editor)
        url = reverse("admin:articles_article_restore", args=[article.pk, 1])
        page = client.get(url)
        self.assertContains(page, "stays live")
        self.assertContains(page, "Kind of change")
        refused = client.post(url, {"change_kind": "correction", "change_note": ""})
        self.assertContains(refused, "Write the note readers will see")
        client.post(url, {"change_kind": "correction", "change_note": "Restored the headline."})
        article.refresh_from_db()
        self.assertEqual(article.status, Article.Status.PUBLISHED)
        self.assertTrue(article.is_live)
        self.assertEqual(article.headline, "Original words")
        self.assertEqual(article.revisions.first().kind, Kind.RESTORE)
        self.assertEqual(article.corrections.get().note, "Restored the headline.")


class WhatEachPersonSeesTests(TestCase):
    def test_writers_are_not_shown_schedule_embargo_or_reason_fields(self):
        writer = make_user(groups=["Writers"])
        self.client.force_login(writer)
        page = self.client.get(change_url(make_draft(created_by=writer)))
        for name in ("schedule_for_0", "embargo_until_0", "expire_at_0"):
            self.assertNotContains(page, f'name="{name}"')
        # Their note is for the editor, not a take-down reason.
        self.assertContains(page, "Note for the editor")
        self.assertNotContains(page, "Required to take a story down")
        editor = make_user(groups=["Editors"])
        self.client.force_login(editor)
        page = self.client.get(change_url(make_draft()))
        for name in ("schedule_for_0", "embargo_until_0"):
            self.assertContains(page, f'name="{name}"')

    def test_a_read_only_view_shows_the_body_formatted(self):
        writer = make_user(groups=["Writers"])
        self.client.force_login(writer)
        story = make_article(body="<p>Words in <strong>bold</strong>.</p>")
        page = self.client.get(change_url(story))
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "<strong>bold</strong>", html=False)
        self.assertNotContains(page, "&lt;strong&gt;")

    def test_send_back_mails_the_writer_and_a_writer_can_withdraw(self):
        editor = make_user(groups=["Editors"])
        writer = make_user(groups=["Writers"], email="writer@example.com")
        story = make_draft(created_by=writer)
        publishing.submit(story, by=writer)
        publishing.withdraw(story, by=writer)
        self.assertEqual(story.status, Article.Status.DRAFT)
        publishing.submit(story, by=writer)
        with self.captureOnCommitCallbacks(execute=True):
            publishing.send_back(story, by=editor, note="Please add a second source.")
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["writer@example.com"])
        self.assertIn("Please add a second source.", mail.outbox[0].body)
        other = make_user(groups=["Writers"])
        publishing.submit(story, by=writer)
        with self.assertRaises(PermissionDenied):
            publishing.withdraw(story, by=other)


class StoryContextTests(TestCase):
    """Every route that shows the story page shows its correction notes."""

    def setUp(self):
        self.editor = make_user(groups=["Editors"])
        self.article = make_article(
            byline=[make_contributor(name="Ann Reporter")],
            publish_at=timezone.now() - timedelta(days=1),
        )
        publishing.record_change(self.article, by=self.editor, kind="correction", note="Fixed X.")
        self.article.refresh_from_db()

    def test_story_page(self):
        self.assertContains(self.client.get(self.article.get_absolute_url()), "Fixed X.")

    def test_a_refused_comment_shows_the_page_with_its_notes(self):
        make_settings()
        response = self.client.post(
            reverse("comments:post", args=[self.article.pk]),
            {"name": "", "email": "bad", "body": ""},
            HTTP_SEC_FETCH_SITE="same-origin",
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Fixed X.", status_code=400)

    def test_a_preview_link_shows_the_notes(self):
        from articles import previews

        publishing.unpublish(self.article, by=self.editor)
        link = previews.create_preview_link(self.article, by=self.editor)
        response = self.client.get(previews.preview_url(link))
        self.assertContains(response, "Fixed X.")


class LoopTests(TestCase):
    """Between writer and editor: notes, the desk, the story list, preview links, conflicts."""

    def setUp(self):
        self.editor = make_user(groups=["Editors"], first_name="Eda", last_name="Editor")
        self.writer = make_user(groups=["Writers"], first_name="Wyn", last_name="Writer")

    def test_a_send_back_note_is_on_the_writers_desk_and_atop_the_form(self):
        story = make_draft(created_by=self.writer, headline="Council budget")
        publishing.submit(story, by=self.writer)
        publishing.send_back(story, by=self.editor, note="Add the opposition's reply.")
        self.client.force_login(self.writer)
        desk = self.client.get(reverse("admin:index"))
        self.assertContains(desk, "Add the opposition&#x27;s reply.")
        form = self.client.get(change_url(story))
        text = form.content.decode()
        self.assertIn("Add the opposition&#x27;s reply.", text)
        # At the top: before the form's first field.
        self.assertLess(text.index("Add the opposition"), text.index('name="headline"'))

    def test_a_writer_withdraws_a_story_from_review_from_its_page(self):
        story = make_draft(created_by=self.writer, headline="Harbour dues")
        publishing.submit(story, by=self.writer)
        self.client.force_login(self.writer)
        page = self.client.get(change_url(story))
        withdraw = reverse("admin:articles_article_withdraw", args=[story.pk])
        self.assertContains(page, f'action="{withdraw}"')
        self.client.post(withdraw)
        story.refresh_from_db()
        self.assertEqual(story.status, Article.Status.DRAFT)
        self.assertEqual(story.revisions.first().kind, Kind.WITHDRAWN)
        # Another writer's story in review offers nothing, and refuses the request.
        theirs = make_draft(created_by=make_user(groups=["Writers"]))
        publishing.submit(theirs, by=theirs.created_by)
        self.assertNotContains(self.client.get(change_url(theirs)), "Withdraw from review")
        self.client.post(reverse("admin:articles_article_withdraw", args=[theirs.pk]))
        theirs.refresh_from_db()
        self.assertEqual(theirs.status, Article.Status.REVIEW)

    def test_waiting_for_review_shows_author_and_submitted_time(self):
        story = make_draft(created_by=self.writer, headline="Harbour works")
        publishing.submit(story, by=self.writer)
        self.client.force_login(self.editor)
        desk = self.client.get(reverse("admin:index"))
        submitted = timezone.localtime(story.events.get(action="submit").at)
        self.assertContains(desk, "by Wyn Writer")
        self.assertContains(desk, f"submitted {submitted:%-d %b %H:%M}")

    def test_the_story_list_is_newest_first_with_a_scheduled_filter(self):
        self.client.force_login(self.editor)
        old = make_draft(headline="Older draft")
        Article.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
        scheduled = make_article(
            headline="Tomorrow's story", publish_at=timezone.now() + timedelta(days=1)
        )
        make_article(headline="Live story")
        page = self.client.get(reverse("admin:articles_article_changelist")).content.decode()
        self.assertLess(page.index("Live story"), page.index("Older draft"))
        filtered = self.client.get(
            reverse("admin:articles_article_changelist") + "?state=scheduled"
        )
        self.assertContains(filtered, scheduled.headline.replace("'", "&#x27;"))
        self.assertNotContains(filtered, "Live story")
        self.assertNotContains(filtered, "Older draft")

    def test_preview_links_are_listed_with_their_url_and_a_copy_button(self):
        from articles import previews

        draft = make_draft()
        link = previews.create_preview_link(draft, by=self.editor)
        self.client.force_login(self.editor)
        # The signed link carries the second it was made: the page's and ours, the same.
        with time_machine.travel(timezone.now(), tick=False):
            page = self.client.get(change_url(draft))
            expected = previews.preview_url(link)
        self.assertContains(page, f'value="http://testserver{expected}"')
        self.assertContains(page, f'data-copy="preview-url-{link.pk}"')

    def test_a_conflicting_save_shows_their_change_beside_what_you_typed(self):
        story = make_draft(headline="First headline", summary="First summary.")
        publishing.record_revision(story, by=self.editor, kind=Kind.CREATED)
        self.client.force_login(self.editor)
        opened = edit_data(story, opened_revision=1)
        other = make_user(username="colleague", groups=["Editors"])
        story.summary = "Their new summary."
        story.save()
        publishing.record_revision(story, by=other)
        response = self.client.post(
            change_url(story), opened | {"summary": "My own summary.", "headline": "Mine"}
        )
        self.assertContains(response, "colleague saved this story")
        table = re.search(r"<table class=.conflict.*?</table>", response.content.decode(), re.S)
        self.assertIsNotNone(table)
        shown = re.sub(r"<[^>]+>", "", table.group(0))
        self.assertIn("Their new summary.", shown)
        self.assertIn("My own summary.", shown)
        # Nothing of theirs was overwritten.
        story.refresh_from_db()
        self.assertEqual(story.summary, "Their new summary.")
