"""Moderation decisions, bans and readers' reports, through comments.moderation."""

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.test import Client, TestCase
from django.urls import reverse

from articles.tests.factories import make_article, make_user
from comments import moderation
from comments.models import Ban, Comment, Report

from .factories import make_comment, make_settings

APPROVED, PENDING = Comment.Status.APPROVED, Comment.Status.PENDING


class DecisionTests(TestCase):
    def setUp(self):
        self.article = make_article()
        self.moderator = make_user("mod", groups=["Moderators"])

    def test_approve_publishes_the_comment_and_records_who(self):
        comment = make_comment(self.article, body="Worth reading")
        self.assertEqual(moderation.approve(comment, by=self.moderator), 1)
        comment.refresh_from_db()
        self.assertEqual(comment.status, APPROVED)
        self.assertEqual(comment.moderated_by, self.moderator)
        self.assertIsNotNone(comment.moderated_at)
        self.assertEqual(comment.reasons[-1]["text"], "approved by mod")
        self.assertEqual(comment.reasons[-1]["verdict"], APPROVED)
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

    def test_decisions_keep_the_earlier_reasons(self):
        comment = make_comment(
            self.article, reasons=[{"code": "links", "verdict": PENDING, "text": "3 links"}]
        )
        moderation.approve(comment, by=self.moderator)
        moderation.reject(comment, by=self.moderator)
        comment.refresh_from_db()
        self.assertEqual(
            [r["text"] for r in comment.reasons], ["3 links", "approved by mod", "rejected by mod"]
        )

    def test_bulk_decision_counts_only_changes(self):
        comments = [make_comment(self.article) for _ in range(3)]
        moderation.approve(comments[0], by=self.moderator)
        self.assertEqual(moderation.approve(Comment.objects.all(), by=self.moderator), 2)
        self.assertEqual(Comment.objects.public().count(), 3)

    def test_feature_only_approved_comments(self):
        approved = make_comment(self.article, status=APPROVED)
        pending = make_comment(self.article)
        self.assertEqual(moderation.feature([approved, pending], by=self.moderator), 1)
        self.assertEqual(list(Comment.objects.filter(featured=True)), [approved])
        self.assertEqual(moderation.unfeature(Comment.objects.all(), by=self.moderator), 1)
        self.assertFalse(Comment.objects.filter(featured=True).exists())


class BanTests(TestCase):
    def setUp(self):
        self.moderator = make_user(groups=["Moderators"])
        self.article = make_article()

    def test_ban_by_email_ip_or_both_and_lift(self):
        by_email = moderation.ban(email="Troll@Example.com", by=self.moderator)
        self.assertEqual(by_email.email, "troll@example.com")
        self.assertEqual(moderation.ban(email="troll@example.com", by=self.moderator), by_email)
        moderation.ban(ip_address="203.0.113.9", by=self.moderator)
        self.assertEqual(Ban.objects.active().count(), 2)
        lifted = moderation.unban(
            email="troll@example.com", ip_address="203.0.113.9", by=self.moderator
        )
        self.assertEqual(lifted, 2)
        self.assertEqual(Ban.objects.active().count(), 0)
        self.assertEqual(Ban.objects.count(), 2)  # kept, with who lifted them
        self.assertEqual(set(Ban.objects.values_list("lifted_by", flat=True)), {self.moderator.pk})

    def test_a_ban_needs_an_email_or_an_ip(self):
        with self.assertRaises(ValidationError) as refused:
            moderation.ban(by=self.moderator)
        self.assertEqual(refused.exception.code, "empty_ban")

    def test_ban_and_unban_commenters_of_comments(self):
        comments = [
            make_comment(self.article, email="a@example.com", ip_address="192.0.2.1"),
            make_comment(self.article, email="a@example.com", ip_address="192.0.2.1"),
            make_comment(self.article, email="b@example.com", ip_address=None),
        ]
        self.assertEqual(moderation.ban_commenters(comments, by=self.moderator), 2)
        self.assertTrue(Ban.objects.active().matching(ip_address="192.0.2.1").exists())
        self.assertTrue(Ban.objects.active().matching(email="b@example.com").exists())
        self.assertEqual(moderation.unban_commenters(comments[:1], by=self.moderator), 1)
        self.assertEqual(Ban.objects.active().count(), 1)


class ReportTests(TestCase):
    """Readers report published comments; enough reports send one back to the queue."""

    def setUp(self):
        self.client = Client(enforce_csrf_checks=True)
        self.article = make_article()
        self.comment = make_comment(self.article, body="Provocative words", status=APPROVED)
        self.url = reverse("comments:report", args=[self.comment.pk])

    def report(self, reason="abuse", ip="192.0.2.1", **headers):
        headers.setdefault("sec_fetch_site", "same-origin")
        return self.client.post(self.url, {"reason": reason}, headers=headers, REMOTE_ADDR=ip)

    def test_reader_reports_a_comment_and_is_thanked(self):
        response = self.report("off_topic")
        self.assertEqual(response.status_code, 303)
        self.assertEqual(
            response["Location"],
            f"{self.article.get_absolute_url()}?reported={self.comment.pk}#comments",
        )
        self.assertContains(self.client.get(response["Location"]), "Your report was sent")
        report = Report.objects.get()
        self.assertEqual((report.reason, report.ip_address), ("off_topic", "192.0.2.1"))

    def test_one_address_counts_once(self):
        self.report()
        self.report("spam")
        self.assertEqual(Report.objects.count(), 1)

    def test_threshold_sends_the_comment_back_to_the_queue(self):
        make_settings(report_threshold=3)
        self.report(ip="192.0.2.1")
        self.report(ip="192.0.2.2")
        self.comment.refresh_from_db()
        self.assertEqual(self.comment.status, APPROVED)
        self.report(ip="192.0.2.3")
        self.comment.refresh_from_db()
        self.assertEqual(self.comment.status, PENDING)
        self.assertEqual(self.comment.reasons[-1]["text"], "reported by 3 readers")
        self.assertNotContains(self.client.get(self.article.get_absolute_url()), "Provocative")

    def test_moderators_decision_answers_the_reports(self):
        make_settings(report_threshold=2)
        self.report(ip="192.0.2.1")
        self.report(ip="192.0.2.2")
        moderation.approve(self.comment, by=make_user())
        self.comment.refresh_from_db()
        self.assertEqual(self.comment.status, APPROVED)
        self.assertFalse(Report.objects.unresolved().exists())
        # The same readers may report it again later.
        self.report(ip="192.0.2.1")
        self.assertEqual(Report.objects.unresolved().count(), 1)

    def test_approving_a_reported_but_still_published_comment_counts(self):
        self.report()
        self.assertEqual(moderation.approve(self.comment, by=make_user()), 1)
        self.assertFalse(Report.objects.unresolved().exists())

    def test_report_page_works_without_the_story(self):
        response = self.client.get(self.url)
        self.assertContains(response, "Report a comment")
        self.assertContains(response, "Provocative words")
        self.assertNotContains(response, "csrfmiddlewaretoken")

    def test_head_on_the_report_page_answers_like_get_without_a_body(self):
        """HEAD works wherever GET does, and never counts as a report."""
        response = self.client.head(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, b"")
        self.assertTrue(response["Content-Type"].startswith("text/html"))
        self.assertFalse(Report.objects.exists())

    def test_bad_reason_gets_a_readable_page(self):
        response = self.report("nonsense")
        self.assertContains(response, "Your report was not sent", status_code=400)
        self.assertFalse(Report.objects.exists())

    def test_only_published_comments_can_be_reported(self):
        pending = make_comment(self.article)
        response = self.client.post(
            reverse("comments:report", args=[pending.pk]),
            {"reason": "abuse"},
            headers={"sec-fetch-site": "same-origin"},
        )
        self.assertEqual(response.status_code, 404)

    def test_cross_site_report_is_refused(self):
        response = self.report(sec_fetch_site="cross-site", origin="https://evil.example")
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Report.objects.exists())


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
        self.assertIn("comments.add_ban", perms["Moderators"])
        self.assertIn("comments.change_commentsettings", perms["Moderators"])
        self.assertNotIn("articles.change_article", perms["Moderators"])
        self.assertIn("comments.can_moderate", perms["Editors"])
        self.assertIn("articles.publish_article", perms["Editors"])
        self.assertIn("articles.add_article", perms["Writers"])
        self.assertIn("comments.change_notificationpreference", perms["Writers"])
        self.assertNotIn("articles.publish_article", perms["Writers"])
        self.assertNotIn("comments.can_moderate", perms["Writers"])
        self.assertNotIn("comments.delete_comment", perms["Moderators"] | perms["Editors"])
