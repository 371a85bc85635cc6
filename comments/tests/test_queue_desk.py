"""The moderation desk's queue: named queues, reports in the row, decisions named and undone."""

import re
from datetime import timedelta
from urllib.parse import urlencode

import time_machine
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from articles.tests.factories import make_article, make_user
from comments import moderation
from comments.models import Comment, Report

from .factories import make_comment

CHANGELIST = reverse("admin:comments_comment_changelist")
UNDO = reverse("admin:comments_comment_undo")
PENDING, APPROVED = Comment.Status.PENDING, Comment.Status.APPROVED
REJECTED, SPAM = Comment.Status.REJECTED, Comment.Status.SPAM


def undo_form(response):
    """The fields of the Undo form in a page's messages, as the browser would send them."""
    html = response.content.decode()
    form = re.search(
        r'<form method="post" action="([^"]+)" class="undo-decision">(.*?)</form>', html
    )
    assert form, "no Undo form in the page's messages"
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2))
    data = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return form.group(1), data


class DeskTestCase(TestCase):
    def setUp(self):
        self.article = make_article(headline="Park plans")
        self.moderator = make_user("mo", groups=["Moderators"])
        # The Undo form carries its own CSRF token: check it the way a browser is checked.
        self.client = Client(enforce_csrf_checks=True)
        self.client.force_login(self.moderator)
        self.start = timezone.now()

    def act(self, action, comments, queue="pending"):
        """Choose an action on the queue page, as a moderator does (with the page's token)."""
        query = {"queue": queue} if queue else {}
        page = self.client.get(CHANGELIST, query)
        token = page.context["csrf_token"]
        return self.client.post(
            f"{CHANGELIST}?{urlencode(query)}",
            {
                "csrfmiddlewaretoken": str(token),
                "action": action,
                helpers.ACTION_CHECKBOX_NAME: [c.pk for c in comments],
            },
            follow=True,
        )

    def undo(self, response):
        url, data = undo_form(response)
        return self.client.post(url, data, follow=True)


class QueuePageTests(DeskTestCase):
    def test_each_queue_names_itself_in_title_and_heading(self):
        titles = {
            "pending": "Pending comments",
            "reported": "Reported comments",
            "approved": "Approved comments",
            "rejected": "Rejected comments",
            "spam": "Spam comments",
        }
        for queue, title in titles.items():
            with self.subTest(queue=queue):
                response = self.client.get(CHANGELIST, {"queue": queue})
                self.assertContains(response, f"<h1>{title}</h1>", html=True)
                self.assertRegex(response.content.decode(), rf"<title>{title} \|")

    def test_reported_queue_shows_each_comments_report_count_and_reasons(self):
        loud = make_comment(self.article, body="Loudly reported", status=APPROVED)
        quiet = make_comment(self.article, body="Once reported", status=APPROVED)
        for ip, reason in [("192.0.2.1", "abuse"), ("192.0.2.2", "abuse"), ("192.0.2.3", "spam")]:
            moderation.report(loud, reason=reason, ip_address=ip)
        moderation.report(quiet, reason="off_topic", ip_address="192.0.2.4")
        response = self.client.get(CHANGELIST, {"queue": "reported"})
        rows = {
            body: row
            for row in re.findall(r"<tr>.*?</tr>", response.content.decode(), re.S)
            for body in ("Loudly reported", "Once reported")
            if body in row
        }
        self.assertIn("3 reports", rows["Loudly reported"])
        self.assertIn("Abusive or hateful ×2, Spam or advertising", rows["Loudly reported"])
        self.assertIn("1 report<", rows["Once reported"])
        self.assertIn("Off-topic", rows["Once reported"])
        self.assertNotIn("Abusive", rows["Once reported"])


class DecisionMessageTests(DeskTestCase):
    def test_message_names_the_comments_decided_on(self):
        first = make_comment(self.article, name="Ada Reader", body="First thought on the park")
        second = make_comment(self.article, name="Bo Writer", body="Second " + "long " * 20)
        response = self.act("approve", [first, second])
        message = response.context["messages"]
        [text] = [str(m) for m in message]
        self.assertIn("2 comments approved.", text)
        self.assertIn("“First thought on the park” (Ada Reader)", text)
        self.assertIn("(Bo Writer)", text)
        self.assertIn("“Second long long", text)
        self.assertContains(response, '<button type="submit" class="button">Undo</button>')

    def test_a_decision_that_changes_nothing_offers_no_undo(self):
        done = make_comment(self.article, status=APPROVED)
        response = self.act("approve", [done], queue="approved")
        self.assertContains(response, "0 comments approved.")
        self.assertNotContains(response, "undo-decision")


class UndoTests(DeskTestCase):
    def test_undo_from_the_message_restores_status_reasons_and_reports(self):
        """Approving then undoing puts held and reported comments back in their queues."""
        held = make_comment(
            self.article,
            body="Held first time",
            reasons=[{"code": "first_time", "verdict": PENDING, "text": "first comment"}],
        )
        reported = make_comment(self.article, body="Reported one", status=APPROVED)
        moderation.report(reported, reason="abuse", ip_address="192.0.2.1")
        with time_machine.travel(self.start, tick=False):
            decided = self.act("approve", [held, reported], queue=None)  # every queue
            self.assertEqual(
                Comment.objects.get(pk=held.pk).status, APPROVED, "the decision was made"
            )
        with time_machine.travel(self.start + timedelta(minutes=9), tick=False):
            response = self.undo(decided)
        self.assertContains(response, "Undone: 2 comments are back as they were")
        held.refresh_from_db()
        reported.refresh_from_db()
        self.assertEqual((held.status, held.moderated_by), (PENDING, None))
        self.assertEqual(held.reasons_text(deciding_only=True), "first comment")
        self.assertIn("approved by mo, undone by mo", held.reasons_text())
        self.assertEqual(reported.status, APPROVED)
        self.assertEqual(Report.objects.unresolved().filter(comment=reported).count(), 1)
        queue = self.client.get(CHANGELIST, {"queue": "reported"})
        self.assertContains(queue, "Reported one")
        self.assertContains(self.client.get(CHANGELIST, {"queue": "pending"}), "Held first time")

    def test_undo_is_refused_after_the_window(self):
        comment = make_comment(self.article, body="Too late to take back")
        with time_machine.travel(self.start, tick=False):
            decided = self.act("reject", [comment])
        with time_machine.travel(self.start + timedelta(minutes=11), tick=False):
            response = self.undo(decided)
        self.assertContains(response, "can be undone for 10 minutes")
        comment.refresh_from_db()
        self.assertEqual(comment.status, REJECTED)
        self.assertNotIn("undone", comment.reasons_text())

    def test_undo_leaves_alone_a_comment_decided_again_since(self):
        kept = make_comment(self.article, body="Decided twice")
        plain = make_comment(self.article, body="Decided once")
        with time_machine.travel(self.start, tick=False):
            decided = self.act("mark_spam", [kept, plain])
        with time_machine.travel(self.start + timedelta(minutes=2), tick=False):
            moderation.approve(Comment.objects.filter(pk=kept.pk), by=self.moderator)
            response = self.undo(decided)
        self.assertContains(response, "Undone: 1 comment is back as it was")
        self.assertContains(response, "Left alone, as it changed after that decision")
        self.assertContains(response, "“Decided twice”")
        kept.refresh_from_db()
        plain.refresh_from_db()
        self.assertEqual((kept.status, plain.status), (APPROVED, PENDING))

    def test_undo_is_a_post_for_moderators_only(self):
        comment = make_comment(self.article, body="Guarded")
        decided = self.act("reject", [comment])
        url, data = undo_form(decided)
        self.assertEqual(self.client.get(url, data).status_code, 405)
        editor = make_user("writer")  # staff, but not a moderator
        other = Client()
        other.force_login(editor)
        self.assertEqual(other.post(url, data).status_code, 403)
        # Without the form's token the request is refused too.
        self.client.cookies.pop("csrftoken", None)
        refused = self.client.post(
            url, {k: v for k, v in data.items() if k != "csrfmiddlewaretoken"}
        )
        self.assertEqual(refused.status_code, 403)
        comment.refresh_from_db()
        self.assertEqual(comment.status, REJECTED)

    def test_undo_function_refuses_non_moderators(self):
        comment = make_comment(self.article)
        moderation.reject(Comment.objects.filter(pk=comment.pk), by=self.moderator)
        decision = moderation.last_decision([comment], by=self.moderator)
        editor = make_user("writer")  # staff, but not a moderator
        with self.assertRaises(PermissionDenied):
            moderation.undo([comment], decision=decision.id, by=editor)
        undone = moderation.undo([comment], decision=decision.id, by=self.moderator)
        self.assertEqual([c.pk for c in undone.restored], [comment.pk])
        comment.refresh_from_db()
        self.assertEqual(comment.status, PENDING)
