"""Autosave: a per-user working copy of the story form that never touches the story."""

from datetime import timedelta

import time_machine
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Revision
from articles.tests.factories import make_article, make_draft, make_user
from articles.tests.test_admin import ADD_URL, form_data
from articles.tests.test_admin_workflow import edit_data
from editing.models import WorkingCopy
from editing.views import MAX_AUTOSAVE_BYTES

from .helpers import FIELDS, autosave_url, make_editor, make_writer, post_json


class AutosaveTests(TestCase):
    def setUp(self):
        self.editor = make_editor("eda", first_name="Eda", last_name="Editor")
        self.client.force_login(self.editor)

    def test_autosave_keeps_the_fields_and_says_when(self):
        """The editor's typing is kept as their working copy of the story, with the time."""
        story = make_article()
        with time_machine.travel(timezone.now().replace(hour=14, minute=5), tick=False):
            response = post_json(
                self.client,
                autosave_url(story),
                {"fields": FIELDS, "labels": {"section": "Local"}},
            )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["message"], "Your unsaved changes were kept at 14:05.")
        copy = WorkingCopy.objects.get(user=self.editor, article=story)
        self.assertEqual(copy.fields["headline"], FIELDS["headline"])
        self.assertEqual(copy.data["labels"], {"section": "Local"})

    def test_a_second_autosave_replaces_the_first(self):
        story = make_article()
        post_json(self.client, autosave_url(story), {"fields": FIELDS})
        post_json(self.client, autosave_url(story), {"fields": FIELDS | {"headline": "Later"}})
        self.assertEqual(
            [c.fields["headline"] for c in WorkingCopy.objects.filter(article=story)], ["Later"]
        )

    def test_autosave_never_changes_the_story_or_its_revisions(self):
        """Nothing readers or the history see moves: same row, same version, no revision."""
        story = make_article(headline="The published headline")
        Revision.objects.create(article=story, number=1, data={"headline": story.headline})
        before = Article.objects.filter(pk=story.pk).values().get()
        response = post_json(
            self.client, autosave_url(story), {"fields": FIELDS | {"status": "draft"}}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(Article.objects.filter(pk=story.pk).values().get(), before)
        self.assertEqual(list(story.revisions.values_list("number", flat=True)), [1])
        page = self.client.get(story.get_absolute_url())
        self.assertContains(page, "The published headline")
        self.assertNotContains(page, FIELDS["headline"])

    def test_copies_are_per_user(self):
        story = make_article()
        other = make_editor()
        post_json(self.client, autosave_url(story), {"fields": FIELDS})
        self.client.force_login(other)
        post_json(self.client, autosave_url(story), {"fields": FIELDS | {"headline": "Mine"}})
        self.assertEqual(
            dict(WorkingCopy.objects.values_list("user__username", "data__fields__headline")),
            {"eda": FIELDS["headline"], other.username: "Mine"},
        )

    def test_add_form_has_its_own_copy(self):
        response = post_json(self.client, autosave_url(), {"fields": FIELDS})
        self.assertEqual(response.status_code, 200)
        copy = WorkingCopy.objects.get(user=self.editor)
        self.assertEqual((copy.article, copy.key), (None, WorkingCopy.ADD_FORM))

    def test_discard_forgets_the_copy(self):
        story = make_article()
        post_json(self.client, autosave_url(story), {"fields": FIELDS})
        response = post_json(self.client, reverse("editing:discard", args=[story.pk]), {})
        self.assertEqual(response.json(), {"discarded": True})
        self.assertFalse(WorkingCopy.objects.exists())


class BadInputTests(TestCase):
    """Refusals are JSON with a message the page can show, never a server error."""

    def setUp(self):
        self.client.force_login(make_editor())
        self.story = make_article()

    def assertRefused(self, response, status, message):
        self.assertEqual(response.status_code, status)
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertIn(message, response.json()["error"])
        self.assertFalse(WorkingCopy.objects.exists())

    def test_not_json(self):
        self.assertRefused(
            post_json(self.client, autosave_url(self.story), "{headline: oops"),
            400,
            "The autosave is not valid JSON",
        )

    def test_not_utf8(self):
        self.assertRefused(
            post_json(self.client, autosave_url(self.story), b"\xff\xfe{}"),
            400,
            "not valid JSON",
        )

    def test_not_a_form(self):
        for payload, message in [
            ([1, 2], "must be a JSON object"),
            ({"fields": "headline"}, "must be a JSON object"),
            ({"fields": {"headline": {"nested": 1}}}, "The value of “headline” must be text"),
            ({"fields": {"<script>": "x"}}, "is not a form field's name"),
            ({"fields": {"tags": ["a", 2]}}, "must be a list of texts"),
            ({"fields": {"headline": "x"}, "labels": {"section": "Local"}}, "Each label"),
        ]:
            with self.subTest(payload=payload):
                self.assertRefused(
                    post_json(self.client, autosave_url(self.story), payload), 400, message
                )

    def test_oversized(self):
        """More than 2 MB is refused with 413 before anything is stored."""
        huge = {"fields": {"body": "x" * (MAX_AUTOSAVE_BYTES + 1)}}
        self.assertRefused(
            post_json(self.client, autosave_url(self.story), huge), 413, "larger than 2 MB"
        )

    def test_unknown_story(self):
        missing = Article.objects.order_by("-pk").first().pk + 100
        self.assertRefused(
            post_json(self.client, reverse("editing:autosave", args=[missing]), {"fields": {}}),
            404,
            f"There is no story {missing}",
        )

    def test_get_is_not_allowed(self):
        response = self.client.get(autosave_url(self.story))
        self.assertEqual(response.status_code, 405)
        self.assertEqual(response.json()["error"], "Send this with POST.")


class PermissionTests(TestCase):
    def test_writer_cannot_autosave_into_an_editors_published_story(self):
        story = make_article(created_by=make_editor())
        self.client.force_login(make_writer())
        response = post_json(self.client, autosave_url(story), {"fields": FIELDS})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json()["error"], "You may not edit this story.")
        self.assertFalse(WorkingCopy.objects.exists())

    def test_writer_autosaves_their_own_draft(self):
        writer = make_writer()
        draft = make_draft(created_by=writer)
        self.client.force_login(writer)
        response = post_json(self.client, autosave_url(draft), {"fields": FIELDS})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(WorkingCopy.objects.filter(user=writer, article=draft).exists())

    def test_anonymous_and_non_staff_are_refused(self):
        story = make_article()
        anonymous = post_json(self.client, autosave_url(story), {"fields": FIELDS})
        self.client.force_login(make_user(is_staff=False, groups=["Editors"]))
        not_staff = post_json(self.client, autosave_url(story), {"fields": FIELDS})
        for response in [anonymous, not_staff]:
            self.assertEqual(response.status_code, 403)
            self.assertIn("Sign in again", response.json()["error"])
        self.assertFalse(WorkingCopy.objects.exists())

    def test_add_form_needs_the_add_permission(self):
        self.client.force_login(make_user(groups=["Moderators"]))
        response = post_json(self.client, autosave_url(), {"fields": FIELDS})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json()["error"], "You may not write new stories.")

    def test_csrf_token_is_required(self):
        """Without the page's token the autosave is refused (in JSON); with it, kept."""
        client = Client(enforce_csrf_checks=True)
        client.force_login(make_editor())
        story = make_article()
        refused = post_json(client, autosave_url(story), {"fields": FIELDS})
        self.assertEqual(refused.status_code, 403)
        self.assertIn("security token", refused.json()["error"])
        self.assertFalse(WorkingCopy.objects.exists())
        client.get(reverse("admin:articles_article_change", args=[story.pk]))
        token = client.cookies["csrftoken"].value
        kept = post_json(client, autosave_url(story), {"fields": FIELDS}, HTTP_X_CSRFTOKEN=token)
        self.assertEqual(kept.status_code, 200)


class SavingEndsTheCopyTests(TestCase):
    def setUp(self):
        self.editor = make_editor()
        self.client.force_login(self.editor)

    def test_copy_is_deleted_after_a_real_admin_save(self):
        """Saving the story form keeps the words in the story, so the copy goes;
        someone else's copy of the same story stays."""
        story = make_draft(created_by=self.editor)
        post_json(self.client, autosave_url(story), {"fields": FIELDS})
        colleague = make_editor()
        WorkingCopy.objects.create(user=colleague, article=story, data={"fields": FIELDS})
        response = self.client.post(
            reverse("admin:articles_article_change", args=[story.pk]),
            edit_data(story, headline=FIELDS["headline"]),
        )
        self.assertEqual(response.status_code, 302, getattr(response, "context_data", None))
        story.refresh_from_db()
        self.assertEqual(story.headline, FIELDS["headline"])
        self.assertEqual(list(WorkingCopy.objects.values_list("user", flat=True)), [colleague.pk])

    def test_a_failed_save_keeps_the_copy(self):
        story = make_draft(created_by=self.editor)
        post_json(self.client, autosave_url(story), {"fields": FIELDS})
        response = self.client.post(
            reverse("admin:articles_article_change", args=[story.pk]),
            edit_data(story, headline=""),
        )
        self.assertEqual(response.status_code, 200)  # the form again, with the error
        self.assertTrue(WorkingCopy.objects.filter(user=self.editor, article=story).exists())

    def test_creating_a_story_ends_the_add_form_copy(self):
        post_json(self.client, autosave_url(), {"fields": FIELDS})
        response = self.client.post(ADD_URL, form_data())
        self.assertEqual(response.status_code, 302)
        self.assertTrue(Article.objects.filter(slug="storm-closes-schools").exists())
        self.assertFalse(WorkingCopy.objects.exists())


class RestoreOfferTests(TestCase):
    """The form offers the copy back when it is newer than the story's last save."""

    def setUp(self):
        self.editor = make_editor()
        self.client.force_login(self.editor)

    def change_form(self, story):
        return self.client.get(reverse("admin:articles_article_change", args=[story.pk]))

    def test_banner_says_when_the_changes_were_kept(self):
        story = make_draft(created_by=self.editor)
        kept_at = timezone.localtime().replace(hour=14, minute=5, second=0, microsecond=0)
        WorkingCopy.objects.create(
            user=self.editor, article=story, data={"fields": FIELDS}, saved_at=kept_at
        )
        Article.objects.filter(pk=story.pk).update(updated_at=kept_at - timedelta(hours=1))
        with time_machine.travel(kept_at + timedelta(minutes=30), tick=False):
            page = self.change_form(story)
        self.assertContains(page, "You have unsaved changes from today at 14:05.")
        self.assertContains(page, "Restore them")
        self.assertContains(page, FIELDS["headline"])  # in the page's data, for the script
        self.assertContains(page, 'src="/static/editing/editing.js"')

    def test_yesterdays_copy_says_yesterday(self):
        story = make_draft(created_by=self.editor)
        kept_at = timezone.localtime().replace(hour=9, minute=30) - timedelta(days=1)
        WorkingCopy.objects.create(
            user=self.editor, article=story, data={"fields": FIELDS}, saved_at=kept_at
        )
        Article.objects.filter(pk=story.pk).update(updated_at=kept_at - timedelta(hours=1))
        self.assertContains(self.change_form(story), "unsaved changes from yesterday at 09:30.")

    def test_copy_older_than_the_last_save_is_not_offered(self):
        story = make_draft(created_by=self.editor)
        WorkingCopy.objects.create(
            user=self.editor,
            article=story,
            data={"fields": FIELDS},
            saved_at=timezone.now() - timedelta(hours=2),
        )
        page = self.change_form(story)
        self.assertNotContains(page, "You have unsaved changes")
        self.assertNotContains(page, FIELDS["headline"])

    def test_someone_elses_copy_is_never_offered(self):
        story = make_draft(created_by=self.editor)
        WorkingCopy.objects.create(
            user=make_editor(), article=story, data={"fields": FIELDS | {"headline": "Theirs"}}
        )
        page = self.change_form(story)
        self.assertNotContains(page, "You have unsaved changes")
        self.assertNotContains(page, "Theirs")

    def test_add_form_offers_its_copy(self):
        WorkingCopy.objects.create(
            user=self.editor, key=WorkingCopy.ADD_FORM, data={"fields": FIELDS}
        )
        page = self.client.get(ADD_URL)
        self.assertContains(page, "You have unsaved changes from today at")
        self.assertContains(page, reverse("editing:autosave_new"))

    def test_read_only_view_gets_no_autosave(self):
        """A writer looking at a published story cannot edit it: no script, no offer."""
        writer = make_writer()
        self.client.force_login(writer)
        page = self.change_form(make_article())
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, "editing.js")
