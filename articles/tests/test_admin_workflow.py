"""The workflow as editors and writers meet it in the admin."""

import re
from datetime import timedelta

from django.contrib.admin import helpers
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from articles import publishing
from articles.models import Article, ArticleEvent, Correction

from .factories import make_article, make_draft, make_user
from .test_admin import ADD_URL, CHANGELIST, change_url, form_data


def edit_data(article, **overrides):
    """The change form as the user saw it when they opened it."""
    return (
        form_data(
            headline=article.headline,
            slug=article.slug,
            summary=article.summary,
            body=article.body,
            tags="",
            expected_version=article.version,
        )
        | overrides
    )


def action_names(response):
    return re.findall(
        r'<option value="(\w+)">',
        response.content.decode().split('name="action"')[1].split("</select>")[0],
    )


class ButtonsAndActionsTests(TestCase):
    def test_writer_sees_only_submit(self):
        writer = make_user(groups=["Writers"])
        self.client.force_login(writer)
        draft = make_draft(created_by=writer)
        page = self.client.get(change_url(draft))
        self.assertContains(page, 'value="submit">Save and submit for review</button>', html=False)
        for forbidden in ["publish", "schedule", "unpublish", "take_down", "send_back"]:
            self.assertNotContains(page, f'name="_transition" value="{forbidden}"')
        self.assertEqual(
            action_names(self.client.get(CHANGELIST)), ["submit_for_review", "withdraw_from_review"]
        )

    def test_editor_sees_every_transition_the_story_allows(self):
        self.client.force_login(make_user(groups=["Editors"]))
        page = self.client.get(change_url(make_article()))
        self.assertContains(page, 'name="_transition" value="unpublish"')
        self.assertContains(page, 'name="_transition" value="take_down"')
        self.assertNotContains(page, 'name="_transition" value="submit"')
        self.assertNotContains(page, 'name="_transition" value="publish"')  # already live
        self.assertEqual(
            action_names(self.client.get(CHANGELIST)),
            [
                "submit_for_review",
                "withdraw_from_review",
                "send_back_to_draft",
                "publish_now",
                "schedule",
                "unpublish",
                "take_down",
                "return_to_draft",
            ],
        )

    def test_moderator_has_no_buttons(self):
        self.client.force_login(make_user(groups=["Moderators"]))
        page = self.client.get(change_url(make_draft()))
        self.assertNotContains(page, 'name="_transition"')

    def test_writer_submits_from_the_form(self):
        writer = make_user(groups=["Writers"])
        self.client.force_login(writer)
        response = self.client.post(ADD_URL, form_data(_transition="submit"), follow=True)
        self.assertContains(response, "is now In review")
        self.assertEqual(Article.objects.get().status, Article.Status.REVIEW)

    def test_writer_cannot_publish_by_posting_the_button_anyway(self):
        self.client.force_login(make_user(groups=["Writers"]))
        response = self.client.post(ADD_URL, form_data(_transition="publish"), follow=True)
        self.assertContains(
            response, "Saved, but not moved on: You may not “Publish now” this story."
        )
        self.assertEqual(Article.objects.get().status, Article.Status.DRAFT)


class BulkActionTests(TestCase):
    def setUp(self):
        self.editor = make_user(groups=["Editors"])
        self.client.force_login(self.editor)

    def act(self, action, articles, **extra):
        data = {"action": action, helpers.ACTION_CHECKBOX_NAME: [a.pk for a in articles]} | extra
        return self.client.post(CHANGELIST, data, follow=True)

    def test_publish_several_at_once_and_report_refusals(self):
        ready = [make_draft(), make_draft()]
        embargoed = make_draft(
            headline="Embargoed one", embargo_until=timezone.now() + timedelta(days=1)
        )
        response = self.act("publish_now", [*ready, embargoed])
        self.assertContains(response, "2 stories: Publish now.")
        self.assertContains(response, "“Embargoed one”: This story is under embargo")
        self.assertEqual(Article.objects.live().count(), 2)

    def test_take_down_asks_for_a_reason_first(self):
        article = make_article()
        page = self.act("take_down", [article])
        self.assertContains(page, "Reason (kept in the audit log)")
        article.refresh_from_db()
        self.assertEqual(article.status, Article.Status.PUBLISHED)
        refused = self.act("take_down", [article], confirm="yes", note="")
        self.assertContains(refused, "Say why the story is being taken down")
        done = self.act("take_down", [article], confirm="yes", note="Defamation claim")
        self.assertContains(done, "1 story: Take down.")
        article.refresh_from_db()
        self.assertEqual(
            (article.status, article.takedown_reason), ("taken_down", "Defamation claim")
        )

    def test_schedule_asks_for_a_time(self):
        drafts = [make_draft(), make_draft()]
        later = timezone.localtime() + timedelta(days=2)
        response = self.act(
            "schedule",
            drafts,
            confirm="yes",
            at_0=later.strftime("%Y-%m-%d"),
            at_1=later.strftime("%H:%M:%S"),
        )
        self.assertContains(response, "2 stories: Schedule.")
        self.assertEqual([publishing.state(a) for a in Article.objects.all()], ["scheduled"] * 2)

    def test_list_shows_scheduled_times_and_embargo_badges(self):
        make_draft(headline="Under embargo", embargo_until=timezone.now() + timedelta(hours=5))
        make_article(headline="Tomorrow", publish_at=timezone.now() + timedelta(days=1))
        page = self.client.get(CHANGELIST)
        self.assertContains(page, 'class="embargo-badge"')
        self.assertContains(page, "Scheduled for ")


class EditConflictTests(TestCase):
    def test_second_save_is_refused_and_keeps_the_second_editors_text(self):
        """Two editors edit the same story: the later save does not overwrite the earlier."""
        first, second = make_user("ann", groups=["Editors"]), make_user("bob", groups=["Editors"])
        article = make_draft(headline="Original")
        opened = Article.objects.get(pk=article.pk)  # both open the form at this version

        self.client.force_login(first)
        saved = self.client.post(change_url(article), edit_data(opened, headline="Ann's headline"))
        self.assertEqual(saved.status_code, 302)

        self.client.force_login(second)
        refused = self.client.post(
            change_url(article),
            edit_data(opened, headline="Bob's headline", summary="Bob's summary"),
        )
        self.assertEqual(refused.status_code, 200)
        self.assertContains(refused, "ann saved this story at")
        self.assertContains(refused, "your text is still in the form below")
        self.assertContains(refused, "Bob&#x27;s headline")
        self.assertContains(refused, "Bob&#x27;s summary")
        article.refresh_from_db()
        self.assertEqual(article.headline, "Ann's headline")

    def test_a_fresh_form_saves_normally(self):
        self.client.force_login(make_user(groups=["Editors"]))
        article = make_draft()
        self.client.post(change_url(article), edit_data(article, headline="First"))
        article.refresh_from_db()
        response = self.client.post(change_url(article), edit_data(article, headline="Second"))
        self.assertEqual(response.status_code, 302)
        article.refresh_from_db()
        self.assertEqual(article.headline, "Second")


class PublishedChangeTests(TestCase):
    def setUp(self):
        self.client.force_login(make_user(groups=["Editors"]))
        self.article = make_article(
            headline="Mayor re-elected", publish_at=timezone.now() - timedelta(days=1)
        )

    def test_kind_of_change_is_required_for_a_published_story(self):
        response = self.client.post(
            change_url(self.article), edit_data(self.article, headline="Mayor wins")
        )
        self.assertContains(response, "say whether it is a typo fix, an update, a correction")
        self.assertContains(response, 'value="Mayor wins"')

    def test_correction_needs_its_public_note(self):
        response = self.client.post(
            change_url(self.article), edit_data(self.article, change_kind="correction")
        )
        self.assertContains(response, "Write the note readers will see with this correction.")
        self.assertFalse(Correction.objects.exists())

    def test_correction_is_published_with_the_story(self):
        response = self.client.post(
            change_url(self.article),
            edit_data(
                self.article,
                body="<p>The mayor won 52% of the vote.</p>",
                change_kind="correction",
                change_note="An earlier version gave the wrong share of the vote.",
            ),
        )
        self.assertEqual(response.status_code, 302)
        self.article.refresh_from_db()
        self.assertTrue(self.article.was_updated)
        self.assertEqual(
            Correction.objects.get().note, "An earlier version gave the wrong share of the vote."
        )
        self.assertTrue(
            ArticleEvent.objects.filter(article=self.article, action="correction").exists()
        )

    def test_typo_fix_leaves_no_trace(self):
        self.client.post(
            change_url(self.article),
            edit_data(self.article, headline="Mayor re-elected!", change_kind="typo"),
        )
        self.article.refresh_from_db()
        self.assertEqual(self.article.headline, "Mayor re-elected!")
        self.assertFalse(self.article.was_updated)
        self.assertFalse(Correction.objects.exists())


class HistoryPageTests(TestCase):
    def setUp(self):
        self.editor = make_user("eda", groups=["Editors"])
        self.client.force_login(self.editor)

    def test_every_save_keeps_a_revision_and_any_two_can_be_compared(self):
        self.client.post(ADD_URL, form_data(headline="Storm closes schools", summary="All shut."))
        article = Article.objects.get()
        self.client.post(
            change_url(article), edit_data(article, headline="Storm closes all schools")
        )
        article.refresh_from_db()
        self.client.post(change_url(article), edit_data(article, summary="All shut on Friday."))
        self.assertEqual(article.revisions.count(), 3)
        url = reverse("admin:articles_article_revisions", args=[article.pk])
        page = self.client.get(url, {"a": 1, "b": 3})
        self.assertContains(page, "Changes from revision 1 to revision 3")
        self.assertContains(page, "<ins>all </ins>", html=False)
        self.assertContains(page, "All <del>shut.</del><ins>shut on Friday.</ins>", html=False)
        self.assertContains(page, "Audit log")

    def test_restore_an_old_revision(self):
        self.client.post(ADD_URL, form_data(headline="Original headline"))
        article = Article.objects.get()
        self.client.post(change_url(article), edit_data(article, headline="Rewritten headline"))
        restore = reverse("admin:articles_article_restore", args=[article.pk, 1])
        confirm = self.client.get(restore)
        self.assertContains(confirm, "<del>Rewritten</del><ins>Original</ins> headline", html=False)
        self.client.post(restore)
        article.refresh_from_db()
        self.assertEqual(article.headline, "Original headline")
        self.assertEqual(article.revisions.count(), 3)

    def test_bad_compare_parameters_are_not_an_error(self):
        article = make_draft()
        url = reverse("admin:articles_article_revisions", args=[article.pk])
        self.assertEqual(self.client.get(url, {"a": "x", "b": "999"}).status_code, 200)


class PreviewLinkAdminTests(TestCase):
    def test_editor_creates_and_revokes_a_preview_link(self):
        self.client.force_login(make_user(groups=["Editors"]))
        draft = make_draft(headline="Coming soon")
        links_url = reverse("admin:articles_article_preview_links", args=[draft.pk])
        response = self.client.post(links_url, {"hours": "24"}, follow=True)
        url = re.search(r'href="(http://testserver/preview/[^"]+)"', response.content.decode())[1]
        self.client.logout()
        self.assertContains(self.client.get(url), "Coming soon")
        link = draft.preview_links.get()
        self.client.force_login(make_user(groups=["Editors"]))
        self.client.post(links_url, {"revoke": link.pk})
        self.client.logout()
        self.assertContains(self.client.get(url), "This preview link was revoked", status_code=410)

    def test_bad_hours_get_a_message(self):
        self.client.force_login(make_user(groups=["Editors"]))
        draft = make_draft()
        links_url = reverse("admin:articles_article_preview_links", args=[draft.pk])
        response = self.client.post(links_url, {"hours": "9999"}, follow=True)
        self.assertContains(response, "A preview link can last at most 30 days.")
        self.assertFalse(draft.preview_links.exists())


class DashboardTests(TestCase):
    def test_admin_index_shows_the_desk_for_the_logged_in_user(self):
        writer = make_user("wren", groups=["Writers"])
        editor = make_user("eda", groups=["Editors"])
        make_draft(headline="Wren's draft", created_by=writer)
        make_draft(headline="Someone else's draft")
        make_draft(headline="Ready for the desk", status=Article.Status.REVIEW)
        make_article(headline="Out tomorrow", publish_at=timezone.now() + timedelta(days=1))
        corrected = make_article(headline="Fixed story")
        publishing.record_change(corrected, by=editor, kind="correction", note="Name spelled wrong")

        self.client.force_login(writer)
        page = self.client.get(reverse("admin:index"))
        self.assertContains(page, "Wren&#x27;s draft")
        self.assertNotContains(page, "Someone else&#x27;s draft")
        self.assertContains(page, "Ready for the desk")
        self.assertContains(page, "Out tomorrow")
        self.assertContains(page, "Recently corrected")
        self.assertContains(page, "Fixed story")

    def test_moderators_do_not_get_the_desk(self):
        self.client.force_login(make_user(groups=["Moderators"]))
        self.assertNotContains(self.client.get(reverse("admin:index")), "My drafts")
