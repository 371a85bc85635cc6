"""The moderation workbench in the admin: queues, context, decisions, settings."""

from django.contrib.admin import helpers
from django.test import TestCase
from django.urls import reverse

from articles.tests.factories import make_article, make_user
from comments import moderation
from comments.models import Ban, Comment, CommenterNote, CommentSettings, NotificationPreference

from .factories import make_comment

CHANGELIST = reverse("admin:comments_comment_changelist")
APPROVED, PENDING = Comment.Status.APPROVED, Comment.Status.PENDING


def change_url(comment):
    return reverse("admin:comments_comment_change", args=[comment.pk])


class WorkbenchTestCase(TestCase):
    def setUp(self):
        self.article = make_article(headline="Park plans")
        self.moderator = make_user("mo", groups=["Moderators"])
        self.client.force_login(self.moderator)

    def act(self, action, comments, url=CHANGELIST):
        return self.client.post(
            url,
            {"action": action, helpers.ACTION_CHECKBOX_NAME: [c.pk for c in comments]},
            follow=True,
        )


class QueueTests(WorkbenchTestCase):
    def test_each_queue_lists_its_comments(self):
        make_comment(self.article, body="Waiting here")
        make_comment(self.article, body="Already approved", status=APPROVED)
        make_comment(self.article, body="Turned down", status=Comment.Status.REJECTED)
        make_comment(self.article, body="Junk mail", status=Comment.Status.SPAM)
        reported = make_comment(self.article, body="Readers object", status=APPROVED)
        moderation.report(reported, reason="abuse", ip_address="192.0.2.1")
        expected = {
            "pending": "Waiting here",
            "approved": "Already approved",
            "rejected": "Turned down",
            "spam": "Junk mail",
            "reported": "Readers object",
        }
        for queue, body in expected.items():
            with self.subTest(queue=queue):
                response = self.client.get(CHANGELIST, {"queue": queue})
                self.assertContains(response, body)
                for other in set(expected.values()) - {body, "Readers object"}:
                    self.assertNotContains(response, other)

    def test_admin_index_counts_every_queue(self):
        for _ in range(3):
            make_comment(self.article)
        make_comment(self.article, status=APPROVED)
        reported = make_comment(self.article, status=APPROVED)
        moderation.report(reported, reason="spam", ip_address="192.0.2.1")
        response = self.client.get(reverse("admin:index"))
        self.assertContains(response, "Comment moderation")
        rows = [
            ("pending", "Awaiting moderation", 3),
            ("reported", "Reported by readers", 1),
            ("approved", "Approved", 2),
            ("rejected", "Rejected", 0),
            ("spam", "Spam", 0),
        ]
        for queue, label, count in rows:
            self.assertContains(
                response,
                f'<tr class="queue-{queue}"><th scope="row">'
                f'<a href="{CHANGELIST}?queue={queue}">{label}</a></th><td>{count}</td></tr>',
                html=True,
            )

    def test_index_shows_no_counts_to_people_who_cannot_moderate(self):
        self.client.force_login(make_user(groups=["Writers"]))
        self.assertNotContains(self.client.get(reverse("admin:index")), "Comment moderation")

    def test_row_shows_reasons_story_thread_and_history(self):
        """A queue row: the words, why held, the story, what it answers, the commenter's record."""
        make_comment(make_article(), email="ada@example.com", status=APPROVED)
        make_comment(make_article(), email="ada@example.com", status=Comment.Status.SPAM)
        first = make_comment(self.article, name="Bo", status=APPROVED)
        make_comment(
            self.article,
            parent=first,
            email="ada@example.com",
            body="My reply",
            reasons=[{"code": "links", "verdict": PENDING, "text": "3 links (more than 2)"}],
        )
        response = self.client.get(CHANGELIST, {"queue": "pending"})
        self.assertContains(response, "↳ reply to Bo")
        self.assertContains(response, "My reply")
        self.assertContains(response, "3 links (more than 2)")
        self.assertContains(
            response,
            f'<a href="{self.article.get_absolute_url()}" title="Park plans">Park plans</a>',
        )
        self.assertContains(response, "1 approved · 1 refused before")
        # The record links to all of the commenter's comments.
        history = self.client.get(CHANGELIST, {"email": "ada@example.com"})
        self.assertContains(history, "My reply")
        self.assertEqual(history.context["cl"].result_count, 3)

    def test_keyboard_shortcuts_are_loaded_without_inline_script(self):
        response = self.client.get(CHANGELIST)
        self.assertContains(response, 'src="/static/comments/queue.js"')
        self.assertContains(response, "<kbd>a</kbd> approve")

    def test_queue_costs_the_same_queries_for_many_comments(self):
        for n in range(30):
            make_comment(self.article, email=f"r{n}@example.com")
        self.client.get(CHANGELIST)
        # 1 session, 2 user, 3-4 permissions, 5-6 counts (filtered and all),
        # 7-8 the sidebar's add links for the one-row models, 9 the page of
        # comments with their story, parent, open reports and commenter's
        # record, 10-11 the date hierarchy.
        with self.assertNumQueries(11):
            self.client.get(CHANGELIST)
        for n in range(30):
            make_comment(make_article(), email=f"s{n}@example.com")
        with self.assertNumQueries(11):
            self.client.get(CHANGELIST)


class CommentPageTests(WorkbenchTestCase):
    def test_comment_page_shows_thread_history_notes_and_reports(self):
        first = make_comment(self.article, name="Bo", body="Opening point", status=APPROVED)
        comment = make_comment(
            self.article,
            parent=first,
            email="ada@example.com",
            body="Current words",
            ip_address="192.0.2.5",
        )
        make_comment(self.article, parent=first, name="Cy", body="Later reply", status=APPROVED)
        make_comment(
            make_article(headline="Older story"),
            email="ada@example.com",
            body="Earlier words",
            status=Comment.Status.REJECTED,
        )
        make_comment(
            make_article(), email="other@example.com", body="Same address", ip_address="192.0.2.5"
        )
        CommenterNote.objects.create(
            email="ada@example.com", note="Warned about tone", created_by=self.moderator
        )
        response = self.client.get(change_url(comment))
        self.assertContains(response, "Opening point")
        self.assertContains(response, "Later reply")
        self.assertContains(response, '<li class="depth-1 current">')
        self.assertContains(response, "Earlier words")
        self.assertContains(response, "Older story: <strong>Rejected</strong>")
        self.assertContains(response, "(same IP address)")
        self.assertContains(response, "Warned about tone")
        self.assertContains(
            response, f"{reverse('admin:comments_commenternote_add')}?email=ada%40example.com"
        )
        self.assertContains(response, "Not banned.")
        self.assertNotContains(response, 'name="_save"')  # decisions are actions, not edits

    def test_moderator_approves_one_from_its_page(self):
        """The comment's own admin page offers the decisions too."""
        comment = make_comment(self.article, body="From the detail page")
        url = change_url(comment)
        page = self.client.get(url)
        self.assertContains(page, '<option value="approve">Approve</option>', html=True)
        response = self.client.post(
            url,
            {"CHANGE_FORM-action": "approve", helpers.ACTION_CHECKBOX_NAME: [comment.pk]},
            follow=True,
        )
        self.assertContains(response, "1 comment approved.")
        comment.refresh_from_db()
        self.assertEqual((comment.status, comment.moderated_by), (APPROVED, self.moderator))

    def test_moderators_cannot_rewrite_or_delete_a_readers_words(self):
        comment = make_comment(self.article, body="Original words")
        self.client.post(change_url(comment), {"body": "Edited words", "_save": "Save"})
        comment.refresh_from_db()
        self.assertEqual(comment.body, "Original words")
        delete = reverse("admin:comments_comment_delete", args=[comment.pk])
        self.assertEqual(self.client.post(delete, {"post": "yes"}).status_code, 403)
        self.assertTrue(Comment.objects.filter(pk=comment.pk).exists())

    def test_moderator_adds_a_note_on_a_commenter(self):
        url = reverse("admin:comments_commenternote_add")
        self.assertContains(
            self.client.get(url, {"email": "ada@example.com"}), 'value="ada@example.com"'
        )
        self.client.post(url, {"email": "Ada@Example.com", "note": "Regular, usually fine"})
        note = CommenterNote.objects.get()
        self.assertEqual((note.email, note.created_by), ("ada@example.com", self.moderator))


class BulkActionTests(WorkbenchTestCase):
    def test_moderator_approves_in_bulk(self):
        """A moderator approves several comments at once; they appear on the story."""
        first = make_comment(self.article, body="First thought")
        second = make_comment(self.article, body="Second thought")
        untouched = make_comment(self.article, body="Third thought")
        response = self.act("approve", [first, second])
        self.assertContains(response, "2 comments approved.")
        page = self.client.get(self.article.get_absolute_url())
        self.assertContains(page, "First thought")
        self.assertContains(page, "Second thought")
        untouched.refresh_from_db()
        self.assertEqual(untouched.status, PENDING)

    def test_moderator_rejects_and_marks_spam(self):
        bad, spam = make_comment(self.article), make_comment(self.article)
        self.assertContains(self.act("reject", [bad]), "1 comment rejected.")
        self.assertContains(self.act("mark_spam", [spam]), "1 comment marked as spam.")
        self.assertEqual(
            sorted(Comment.objects.values_list("status", flat=True)), ["rejected", "spam"]
        )

    def test_feature_and_unfeature(self):
        comment = make_comment(self.article, status=APPROVED)
        self.assertContains(self.act("feature", [comment]), "1 comment featured.")
        self.assertTrue(Comment.objects.get().featured)
        self.assertContains(self.act("unfeature", [comment]), "1 comment unfeatured.")
        self.assertFalse(Comment.objects.get().featured)

    def test_ban_from_the_queue_rejects_and_blocks_the_next_comment(self):
        troll = make_comment(self.article, email="troll@example.com", ip_address="203.0.113.7")
        # The action asks first: what to ban, why and for how long; nothing is banned yet.
        dialog = self.act("ban_and_reject", [troll])
        self.assertContains(dialog, "reason")
        self.assertFalse(Ban.objects.exists())
        response = self.client.post(
            CHANGELIST,
            {
                "action": "ban_and_reject",
                helpers.ACTION_CHECKBOX_NAME: [troll.pk],
                "confirm": "yes",
                "scope": "both",
                "duration": "permanent",
                "reason": "Repeated abuse.",
            },
            follow=True,
        )
        self.assertContains(response, "1 ban added; 1 comment rejected.")
        ban = Ban.objects.get()
        self.assertEqual(
            (ban.email, ban.ip_address, ban.created_by),
            ("troll@example.com", "203.0.113.7", self.moderator),
        )
        self.assertContains(
            self.client.get(change_url(troll)), "Banned: troll@example.com / 203.0.113.7"
        )
        self.assertContains(self.act("unban", [troll]), "1 ban lifted.")
        self.assertFalse(Ban.objects.active().exists())

    def test_writer_cannot_moderate(self):
        """Writers do not see the comment queue at all."""
        self.client.force_login(make_user(groups=["Writers"]))
        self.assertEqual(self.client.get(CHANGELIST).status_code, 403)
        comment = make_comment(self.article)
        self.act("approve", [comment])
        comment.refresh_from_db()
        self.assertEqual(comment.status, PENDING)

    def test_editors_may_moderate(self):
        self.client.force_login(make_user(groups=["Editors"]))
        comment = make_comment(self.article)
        self.assertContains(self.act("approve", [comment]), "1 comment approved.")

    def test_moderators_cannot_edit_stories(self):
        url = reverse("admin:articles_article_change", args=[self.article.pk])
        self.client.post(url, {"headline": "Changed by a moderator"})
        self.article.refresh_from_db()
        self.assertEqual(self.article.headline, "Park plans")


class SettingsAdminTests(WorkbenchTestCase):
    def test_settings_are_one_row_edited_in_the_admin(self):
        changelist = reverse("admin:comments_commentsettings_changelist")
        add = reverse("admin:comments_commentsettings_add")
        self.assertRedirects(self.client.get(changelist), add)
        data = {
            "default_mode": "premoderated",
            "close_after_days": "30",
            "hold_first_time": "on",
            "max_links": "1",
            "flood_seconds": "20",
            "held_words": "idiot",
            "rejected_words": "viagra",
            "report_threshold": "2",
            "per_page": "25",
            "digest_recipients": "desk@example.com",
            "digest_minutes": "30",
            "site_address": "https://news.example.org",
        }
        self.client.post(add, data)
        self.assertEqual(CommentSettings.load().default_mode, "premoderated")
        change = reverse("admin:comments_commentsettings_change", args=[1])
        self.assertRedirects(self.client.get(changelist), change)
        self.client.post(change, data | {"max_links": "4"})
        self.assertEqual(CommentSettings.load().max_links, 4)
        self.assertEqual(CommentSettings.objects.count(), 1)

    def test_each_person_sets_their_own_notifications(self):
        writer = make_user(groups=["Writers"])
        self.client.force_login(writer)
        changelist = reverse("admin:comments_notificationpreference_changelist")
        add = reverse("admin:comments_notificationpreference_add")
        self.assertRedirects(self.client.get(changelist), add)
        page = self.client.get(add)
        self.assertContains(page, "Held comments on my stories")
        self.assertNotContains(page, "Every held comment")  # writers cannot moderate
        self.client.post(add, {"my_stories": "on"})
        preference = NotificationPreference.objects.get()
        self.assertEqual((preference.user, preference.my_stories), (writer, True))
        other = NotificationPreference.objects.create(user=self.moderator, all_held=True)
        url = reverse("admin:comments_notificationpreference_change", args=[other.pk])
        self.assertNotEqual(self.client.get(url).status_code, 200)
