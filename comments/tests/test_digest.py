"""The moderators' digest: one email about new held comments, sent without a scheduler."""

from datetime import timedelta
from io import StringIO

import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.tests.factories import make_article, make_contributor, make_user
from comments.digest import send_digest
from comments.models import Comment, CommentSettings, Digest, NotificationPreference

from .factories import form_data, make_comment, make_settings


class DigestTests(TestCase):
    def setUp(self):
        make_settings(
            digest_recipients="desk@example.com, Night@Example.com",
            digest_minutes=60,
            site_address="https://news.example.org/",
        )
        self.article = make_article(headline="Harbour bridge")

    def test_digest_lists_new_held_comments_once(self):
        held = make_comment(self.article, name="Ada", body="Please look at this")
        make_comment(self.article, body="Already live", status=Comment.Status.APPROVED)
        digest = send_digest()
        self.assertEqual((digest.comment_count, digest.recipient_count), (1, 2))
        self.assertEqual(len(mail.outbox), 2)
        message = mail.outbox[0]
        self.assertEqual(message.subject, "[Newsroom] 1 comment awaits moderation")
        self.assertIn("Harbour bridge", message.body)
        self.assertIn("Please look at this", message.body)
        self.assertIn(
            f"https://news.example.org/admin/comments/comment/{held.pk}/change/", message.body
        )
        self.assertNotIn("Already live", message.body)
        self.assertEqual(
            sorted(m.to[0] for m in mail.outbox), ["desk@example.com", "night@example.com"]
        )
        # Announced once: forcing another digest finds nothing new.
        self.assertIsNone(send_digest(force=True))

    def test_no_digest_within_the_interval_then_one_after(self):
        make_comment(self.article, body="First")
        now = timezone.now()
        send_digest(now=now)
        make_comment(self.article, body="Second")
        self.assertIsNone(send_digest(now=now + timedelta(minutes=59)))
        digest = send_digest(now=now + timedelta(minutes=61))
        self.assertEqual(digest.comment_count, 1)
        self.assertIn("Second", mail.outbox[-1].body)
        self.assertNotIn("First", mail.outbox[-1].body)

    def test_posting_a_held_comment_sends_a_digest_when_due(self):
        """No cron: the digest goes out after a held comment is saved, at most once an interval."""
        client = Client()
        url = reverse("comments:post", args=[self.article.pk])
        with self.captureOnCommitCallbacks(execute=True):
            client.post(url, form_data(self.article), REMOTE_ADDR="192.0.2.1")
        self.assertEqual(len(mail.outbox), 2)
        with self.captureOnCommitCallbacks(execute=True):
            client.post(
                url,
                form_data(self.article, email="bo@example.com", body="Another"),
                REMOTE_ADDR="192.0.2.2",
            )
        self.assertEqual(len(mail.outbox), 2)  # the next digest will carry it
        self.assertEqual(Comment.objects.awaiting_digest().count(), 1)

    def test_approved_comments_send_nothing(self):
        make_settings(hold_first_time=False, digest_recipients="desk@example.com")
        with self.captureOnCommitCallbacks(execute=True):
            Client().post(reverse("comments:post", args=[self.article.pk]), form_data(self.article))
        self.assertEqual(Comment.objects.get().status, Comment.Status.APPROVED)
        self.assertEqual(mail.outbox, [])

    def test_authors_who_opt_in_hear_about_their_own_stories(self):
        make_settings(digest_recipients="")
        author = make_user(email="ann@example.com", groups=["Writers"])
        NotificationPreference.objects.create(user=author, my_stories=True)
        theirs = make_article(headline="Ann's story", byline=[make_contributor(user=author)])
        make_comment(theirs, body="On Ann's story")
        make_comment(self.article, body="On someone else's story")
        send_digest()
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["ann@example.com"])
        self.assertIn("On Ann's story", mail.outbox[0].body)
        self.assertNotIn("someone else", mail.outbox[0].body)

    def test_every_held_comment_only_for_people_who_may_moderate(self):
        make_settings(digest_recipients="")
        moderator = make_user(email="mo@example.com", groups=["Moderators"])
        writer = make_user(email="wri@example.com", groups=["Writers"])
        NotificationPreference.objects.create(user=moderator, all_held=True)
        NotificationPreference.objects.create(user=writer, all_held=True)
        make_comment(self.article)
        send_digest()
        self.assertEqual([m.to for m in mail.outbox], [["mo@example.com"]])

    def test_management_command(self):
        make_comment(self.article)
        out = StringIO()
        call_command("send_comment_digest", stdout=out)
        self.assertIn("Digest sent: 1 held comment(s), 2 recipient(s).", out.getvalue())
        make_comment(self.article, body="Another")
        call_command("send_comment_digest", stdout=out)
        self.assertIn("No digest sent", out.getvalue())
        call_command("send_comment_digest", "--force", stdout=out)
        self.assertEqual(Digest.objects.count(), 2)
        self.assertEqual(len(mail.outbox), 4)


class NobodyToTellTests(TestCase):
    """A digest due with nobody to send it to waits an interval, as a sent one would."""

    def setUp(self):
        make_settings(digest_recipients="", digest_minutes=30)
        self.article = make_article(headline="Storm")
        self.url = reverse("comments:post", args=[self.article.pk])

    def post(self, n):
        with self.captureOnCommitCallbacks(execute=True):
            response = Client().post(
                self.url,
                form_data(self.article, email=f"r{n}@example.com", body=f"Held comment {n}"),
                REMOTE_ADDR=f"192.0.2.{n}",
            )
        self.assertEqual(response.status_code, 303)

    def test_held_comments_in_a_storm_do_not_reread_the_queue(self):
        for n in range(1, 4):
            self.post(n)
        self.assertEqual(Comment.objects.awaiting_digest().count(), 3)
        # The first post looked for recipients; the next ones know there were none
        # and do not read every unannounced comment again under the settings lock.
        with CaptureQueriesContext(connection) as captured:
            self.post(4)
        self.assertFalse(
            [
                q
                for q in captured.captured_queries
                if "digested_at" in q["sql"] and "IS NULL" in q["sql"]
            ],
            "the held comments were read again",
        )
        # Nor is the time of the last digest asked of the database on every comment.
        self.assertFalse(
            [q for q in captured.captured_queries if "comments_digest" in q["sql"]],
            "the last digest was looked up again",
        )
        self.assertEqual(mail.outbox, [])

    def test_a_new_recipient_hears_of_every_waiting_comment_at_once(self):
        for n in range(1, 3):
            self.post(n)
        make_settings(digest_recipients="desk@example.com", digest_minutes=30)
        self.post(3)
        self.assertEqual([m.to for m in mail.outbox], [["desk@example.com"]])
        self.assertIn("3 comments await moderation", mail.outbox[0].subject)

    def test_a_new_moderator_hears_of_them_at_once(self):
        self.post(1)
        moderator = make_user(email="mo@example.com")
        moderator.groups.add(Group.objects.get(name="Moderators"))
        self.post(2)
        self.assertEqual([m.to for m in mail.outbox], [["mo@example.com"]])

    def test_after_the_interval_it_looks_again(self):
        now = timezone.now()
        with time_machine.travel(now, tick=False):
            self.post(1)
        # Someone is named without a save (a bulk update): only the interval brings it.
        CommentSettings.objects.update(digest_recipients="desk@example.com")
        cache.delete(CommentSettings.CACHE_KEY)
        with time_machine.travel(now + timedelta(minutes=29), tick=False):
            self.post(2)
        self.assertEqual(mail.outbox, [])
        with time_machine.travel(now + timedelta(minutes=31), tick=False):
            self.post(3)
        self.assertEqual(len(mail.outbox), 1)
        self.assertIn("3 comments await moderation", mail.outbox[0].subject)
