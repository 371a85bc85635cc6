from django.contrib.admin import helpers
from django.contrib.auth.models import Group
from django.test import TestCase
from django.urls import reverse

from articles.tests.factories import make_article, make_user
from comments import moderation
from comments.models import Comment

from .factories import make_comment


class ModerationFunctionTests(TestCase):
    def setUp(self):
        self.article = make_article()
        self.moderator = make_user("mod", groups=["Moderators"])

    def test_approve_publishes_the_comment_and_records_who(self):
        comment = make_comment(self.article, body="Worth reading")
        self.assertEqual(moderation.approve(comment, by=self.moderator), 1)
        comment.refresh_from_db()
        self.assertEqual(comment.status, Comment.Status.APPROVED)
        self.assertEqual(comment.moderated_by, self.moderator)
        self.assertIsNotNone(comment.moderated_at)
        self.assertIn("approved by mod", comment.reasons)
        self.assertContains(self.client.get(self.article.get_absolute_url()), "Worth reading")

    def test_rejected_and_spam_comments_are_kept_but_hidden(self):
        rejected = make_comment(self.article, body="Rude words")
        spam = make_comment(self.article, body="Buy pills")
        moderation.reject(rejected, by=self.moderator)
        moderation.mark_spam(spam, by=self.moderator)
        self.assertEqual(
            dict(Comment.objects.values_list("body", "status")),
            {"Rude words": "rejected", "Buy pills": "spam"},
        )
        page = self.client.get(self.article.get_absolute_url())
        self.assertNotContains(page, "Rude words")
        self.assertNotContains(page, "Buy pills")

    def test_bulk_decision_counts_only_changes(self):
        comments = [make_comment(self.article) for _ in range(3)]
        moderation.approve(comments[0], by=self.moderator)
        self.assertEqual(moderation.approve(Comment.objects.all(), by=self.moderator), 2)
        self.assertEqual(Comment.objects.public().count(), 3)


class ModerationAdminTests(TestCase):
    def setUp(self):
        self.article = make_article(headline="Park plans")
        self.changelist = reverse("admin:comments_comment_changelist")

    def act(self, action, comments):
        return self.client.post(
            self.changelist,
            {"action": action, helpers.ACTION_CHECKBOX_NAME: [c.pk for c in comments]},
            follow=True,
        )

    def test_moderator_approves_in_bulk(self):
        """A moderator approves several comments at once; they appear on the story."""
        self.client.force_login(make_user(groups=["Moderators"]))
        first = make_comment(self.article, body="First thought")
        second = make_comment(self.article, body="Second thought")
        untouched = make_comment(self.article, body="Third thought")
        response = self.act("approve", [first, second])
        self.assertContains(response, "2 comments approved.")
        page = self.client.get(self.article.get_absolute_url())
        self.assertContains(page, "First thought")
        self.assertContains(page, "Second thought")
        untouched.refresh_from_db()
        self.assertEqual(untouched.status, Comment.Status.PENDING)

    def test_moderator_rejects_and_marks_spam(self):
        self.client.force_login(make_user(groups=["Moderators"]))
        bad, spam = make_comment(self.article), make_comment(self.article)
        self.assertContains(self.act("reject", [bad]), "1 comment rejected.")
        self.assertContains(self.act("mark_spam", [spam]), "1 comment marked as spam.")
        self.assertEqual(
            sorted(Comment.objects.values_list("status", flat=True)), ["rejected", "spam"]
        )

    def test_moderator_approves_one_from_its_page(self):
        """The comment's own admin page offers the decisions too."""
        moderator = make_user(groups=["Moderators"])
        self.client.force_login(moderator)
        comment = make_comment(self.article, body="From the detail page")
        url = reverse("admin:comments_comment_change", args=[comment.pk])
        page = self.client.get(url)
        self.assertContains(page, '<option value="approve">Approve</option>', html=True)
        self.assertContains(page, "From the detail page")
        response = self.client.post(
            url,
            {
                "CHANGE_FORM-action": "approve",
                helpers.ACTION_CHECKBOX_NAME: [comment.pk],
            },
            follow=True,
        )
        self.assertContains(response, "1 comment approved.")
        comment.refresh_from_db()
        self.assertEqual((comment.status, comment.moderated_by), ("approved", moderator))

    def test_moderators_cannot_rewrite_a_readers_words(self):
        self.client.force_login(make_user(groups=["Moderators"]))
        comment = make_comment(self.article, body="Original words")
        url = reverse("admin:comments_comment_change", args=[comment.pk])
        self.client.post(url, {"body": "Edited words", "_save": "Save"})
        comment.refresh_from_db()
        self.assertEqual(comment.body, "Original words")

    def test_writer_cannot_moderate(self):
        """Writers do not see the comment queue at all."""
        self.client.force_login(make_user(groups=["Writers"]))
        self.assertEqual(self.client.get(self.changelist).status_code, 403)
        comment = make_comment(self.article)
        self.act("approve", [comment])
        comment.refresh_from_db()
        self.assertEqual(comment.status, Comment.Status.PENDING)

    def test_editors_may_moderate(self):
        self.client.force_login(make_user(groups=["Editors"]))
        comment = make_comment(self.article)
        self.assertContains(self.act("approve", [comment]), "1 comment approved.")

    def test_queue_filters_by_status(self):
        self.client.force_login(make_user(groups=["Moderators"]))
        make_comment(self.article, body="Waiting here")
        make_comment(self.article, body="Already approved", status=Comment.Status.APPROVED)
        response = self.client.get(self.changelist, {"status__exact": "pending"})
        self.assertContains(response, "Waiting here")
        self.assertNotContains(response, "Already approved")


class GroupTests(TestCase):
    def test_groups_exist_after_migrate_with_their_permissions(self):
        """Writers, Editors and Moderators are ready to use after `migrate`."""
        perms = {
            group.name: {
                f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()
            }
            for group in Group.objects.prefetch_related("permissions__content_type")
        }
        self.assertIn("comments.can_moderate", perms["Moderators"])
        self.assertNotIn("articles.change_article", perms["Moderators"])
        self.assertIn("comments.can_moderate", perms["Editors"])
        self.assertIn("articles.publish_article", perms["Editors"])
        self.assertIn("articles.add_article", perms["Writers"])
        self.assertNotIn("articles.publish_article", perms["Writers"])
        self.assertNotIn("comments.can_moderate", perms["Writers"])
