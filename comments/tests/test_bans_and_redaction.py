"""Fair bans (what, why, how long; shared addresses held, not refused) and redaction."""

from datetime import UTC, datetime, timedelta

import time_machine
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.test import Client, TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from articles.tests.factories import make_article, make_user
from comments import moderation
from comments.models import Ban, Comment

from .factories import form_data, make_comment, make_settings

CHANGELIST = reverse("admin:comments_comment_changelist")
APPROVED, PENDING, REJECTED = (
    Comment.Status.APPROVED,
    Comment.Status.PENDING,
    Comment.Status.REJECTED,
)
NOW = datetime(2030, 3, 4, 10, 0, tzinfo=UTC)
PHONE = "Call me on 0123 456 789 about the ferry."
REDACTED = "Call me on [phone number removed] about the ferry."


def change_url(comment):
    return reverse("admin:comments_comment_change", args=[comment.pk])


def redact_url(comment):
    return reverse("admin:comments_comment_redact", args=[comment.pk])


def codes(comment):
    return {r["code"] for r in comment.reasons}


class PostingMixin:
    def post_as(self, email, ip, *, body="Good reporting.", name="Ada Reader"):
        """Post through the story's form as a browser would; return the stored comment."""
        client = Client(enforce_csrf_checks=True)
        client.post(
            reverse("comments:post", args=[self.article.pk]),
            form_data(self.article, email=email, body=body, name=name),
            headers={"sec_fetch_site": "same-origin"},
            REMOTE_ADDR=ip,
        )
        return Comment.objects.filter(email=email, body=body).latest("pk")

    def make_known(self, email):
        """The commenter has an approved comment from long ago (not held as first-time)."""
        make_comment(
            make_article(),
            name="Ada Reader",
            email=email,
            status=APPROVED,
            body=f"An older comment by {email}.",
            created_at=min(NOW, timezone.now()) - timedelta(days=300),
            ip_address="198.51.100.200",
        )


# Redaction ---------------------------------------------------------------------


class RedactTests(TestCase):
    def setUp(self):
        self.article = make_article(headline="Ferry timetable")
        self.moderator = make_user("mo", groups=["Moderators"])
        self.comment = make_comment(self.article, body=PHONE, status=APPROVED)

    def test_redaction_keeps_the_original_with_who_when_and_why(self):
        with time_machine.travel(NOW, tick=False):
            redaction = moderation.redact(
                self.comment, text=REDACTED, reason="Removed a phone number", by=self.moderator
            )
        self.comment.refresh_from_db()
        self.assertEqual(self.comment.body, REDACTED)
        self.assertEqual(self.comment.redacted_at, NOW)
        kept = self.comment.redactions.get()
        self.assertEqual(kept, redaction)
        self.assertEqual(
            (kept.original, kept.text, kept.reason, kept.created_by, kept.created_at),
            (PHONE, REDACTED, "Removed a phone number", self.moderator, NOW),
        )

    def test_readers_see_the_new_text_marked_as_edited(self):
        response = self.client.get(self.article.get_absolute_url())
        self.assertContains(response, "0123 456 789")
        self.assertNotContains(response, "Edited by a moderator")
        moderation.redact(self.comment, text=REDACTED, reason="Phone", by=self.moderator)
        response = self.client.get(self.article.get_absolute_url())
        self.assertNotContains(response, "0123 456 789")
        self.assertContains(response, "[phone number removed]")
        self.assertContains(response, '<p class="comment-edited">Edited by a moderator</p>', 1)

    def test_empty_text_unchanged_text_or_no_reason_is_refused_and_nothing_changes(self):
        cases = [
            ({"text": "   ", "reason": "Phone"}, {"text": ["empty_text"]}),
            ({"text": REDACTED, "reason": " "}, {"reason": ["no_reason"]}),
            ({"text": "", "reason": ""}, {"text": ["empty_text"], "reason": ["no_reason"]}),
            ({"text": PHONE, "reason": "Phone"}, {"text": ["unchanged"]}),
            ({"text": "x" * 5001, "reason": "Phone"}, {"text": ["too_long"]}),
        ]
        for given, expected in cases:
            with self.subTest(given=given):
                with self.assertRaises(ValidationError) as refused:
                    moderation.redact(self.comment, by=self.moderator, **given)
                self.assertEqual(
                    {k: [e.code for e in v] for k, v in refused.exception.error_dict.items()},
                    expected,
                )
        self.comment.refresh_from_db()
        self.assertEqual((self.comment.body, self.comment.redacted_at), (PHONE, None))
        self.assertFalse(self.comment.redactions.exists())


class RedactionRefreshesTheCachedStoryTests(TestCase):
    """The story page is cached whole; a redaction must not leave the phone number there."""

    def setUp(self):
        cache_on = override_settings(NEWSROOM_PAGE_CACHE_SECONDS=600)
        cache_on.enable()
        self.addCleanup(cache_on.disable)
        self.article = make_article(headline="Ferry timetable")
        self.moderator = make_user("mo", groups=["Moderators"])
        self.comment = make_comment(self.article, body=PHONE, status=APPROVED)

    def test_the_cached_story_page_shows_the_new_text_at_once(self):
        url = self.article.get_absolute_url()
        self.client.get(url)
        cached = self.client.get(url)
        self.assertEqual(cached["X-Page-Cache"], "hit")
        self.assertContains(cached, "0123 456 789")
        with self.captureOnCommitCallbacks(execute=True):
            moderation.redact(self.comment, text=REDACTED, reason="Phone", by=self.moderator)
        fresh = self.client.get(url)
        # Rendered anew by the redaction itself (pagecache.refresh), the old copy retired.
        self.assertEqual(fresh["X-Page-Cache"], "hit")
        self.assertNotContains(fresh, "0123 456 789")
        self.assertContains(fresh, "[phone number removed]")
        self.assertContains(fresh, "Edited by a moderator")


class RedactionPageTests(TestCase):
    def setUp(self):
        self.article = make_article(headline="Ferry timetable")
        self.moderator = make_user("mo", groups=["Moderators"])
        self.client.force_login(self.moderator)
        self.comment = make_comment(self.article, body=PHONE, status=APPROVED)

    def test_reachable_from_the_change_page_and_the_queue_row(self):
        link = f'href="{redact_url(self.comment)}"'
        self.assertContains(self.client.get(change_url(self.comment)), link)
        self.assertContains(self.client.get(CHANGELIST, {"queue": "approved"}), link)
        page = self.client.get(redact_url(self.comment))
        self.assertContains(page, "Edit the text of a comment")
        self.assertContains(page, PHONE)  # the text to edit, as it stands

    def test_saving_shows_the_history_with_who_and_why(self):
        response = self.client.post(
            redact_url(self.comment),
            {"text": REDACTED, "reason": "Removed a phone number"},
            follow=True,
        )
        self.assertRedirects(response, change_url(self.comment))
        self.assertContains(response, "the original is kept in its history")
        self.assertContains(response, "edited by mo: Removed a phone number")
        self.assertContains(response, f"<blockquote>{PHONE}</blockquote>", html=True)
        self.comment.refresh_from_db()
        self.assertEqual(self.comment.body, REDACTED)

    def test_bad_input_gets_a_message_and_keeps_what_was_typed(self):
        typed = "Call me on [removed] — typed with care"
        no_reason = self.client.post(redact_url(self.comment), {"text": typed, "reason": ""})
        self.assertEqual(no_reason.status_code, 200)
        self.assertContains(no_reason, "Please correct the errors below")
        self.assertContains(no_reason, "Say why the text is edited")
        self.assertContains(no_reason, typed)
        empty = self.client.post(redact_url(self.comment), {"text": "", "reason": "Tidy up"})
        self.assertContains(empty, "The comment cannot be empty: reject it instead.")
        self.assertContains(empty, 'value="Tidy up"')
        self.comment.refresh_from_db()
        self.assertEqual(self.comment.body, PHONE)

    def test_unknown_comment_and_people_who_cannot_moderate(self):
        missing = self.client.get(reverse("admin:comments_comment_redact", args=[999999]))
        self.assertRedirects(missing, reverse("admin:index"))
        self.client.force_login(make_user(groups=["Writers"]))
        refused = self.client.post(redact_url(self.comment), {"text": "x", "reason": "y"})
        self.assertEqual(refused.status_code, 403)
        self.comment.refresh_from_db()
        self.assertEqual(self.comment.body, PHONE)


# Bans ----------------------------------------------------------------------------


class BanScopeTests(PostingMixin, TestCase):
    def setUp(self):
        # Flatmates may write within seconds of each other; the flood limit is not tested here.
        make_settings(flood_seconds=0)
        self.article = make_article(headline="Council votes")
        self.moderator = make_user("mo", groups=["Moderators"])
        for email in ["troll@example.com", "flatmate@example.com"]:
            self.make_known(email)

    def test_an_email_ban_refuses_that_email_from_anywhere_and_no_one_else(self):
        moderation.ban(email="troll@example.com", scope=Ban.Scope.EMAIL, by=self.moderator)
        self.assertEqual(self.post_as("troll@example.com", "192.0.2.1").status, REJECTED)
        self.assertEqual(self.post_as("flatmate@example.com", "192.0.2.1").status, APPROVED)

    def test_an_ip_ban_refuses_its_target_and_holds_anyone_else_on_that_address(self):
        moderation.ban(
            email="troll@example.com",
            ip_address="203.0.113.7",
            scope=Ban.Scope.IP_ADDRESS,
            by=self.moderator,
        )
        target = self.post_as("troll@example.com", "203.0.113.7")
        self.assertEqual((target.status, codes(target) >= {"banned"}), (REJECTED, True))
        flatmate = self.post_as("flatmate@example.com", "203.0.113.7")
        self.assertEqual(flatmate.status, PENDING)
        self.assertIn(
            "the address is banned (ban aimed at another commenter)", flatmate.reasons_text()
        )
        # The email alone is not banned: from elsewhere the target is not refused.
        elsewhere = self.post_as("troll@example.com", "192.0.2.50", body="From the library.")
        self.assertEqual(elsewhere.status, APPROVED)

    def test_a_ban_on_both_refuses_the_email_and_holds_others_on_the_address(self):
        moderation.ban(email="troll@example.com", ip_address="203.0.113.7", by=self.moderator)
        self.assertEqual(Ban.objects.get().scope, Ban.Scope.BOTH)
        self.assertEqual(self.post_as("troll@example.com", "192.0.2.9").status, REJECTED)
        held = self.post_as("flatmate@example.com", "203.0.113.7")
        self.assertEqual(
            (held.status, codes(held) & {"banned_address"}), (PENDING, {"banned_address"})
        )
        moderation.approve(held, by=self.moderator)
        held.refresh_from_db()
        self.assertEqual(held.status, APPROVED)  # a moderator lets the flatmate through

    def test_an_ip_ban_aimed_at_no_one_still_refuses_everyone_there(self):
        moderation.ban(ip_address="203.0.113.7", by=self.moderator)
        self.assertEqual(self.post_as("flatmate@example.com", "203.0.113.7").status, REJECTED)

    def test_a_ban_needs_what_its_scope_covers(self):
        with self.assertRaises(ValidationError) as refused:
            moderation.ban(email="troll@example.com", scope=Ban.Scope.BOTH, by=self.moderator)
        self.assertEqual(refused.exception.code, "no_ip_address")
        self.assertFalse(Ban.objects.exists())


class BanExpiryTests(PostingMixin, TestCase):
    def setUp(self):
        make_settings(flood_seconds=0)
        self.article = make_article(headline="Council votes")
        self.moderator = make_user("mo", groups=["Moderators"])

    def test_ip_bans_expire_after_a_week_unless_made_permanent_explicitly(self):
        with time_machine.travel(NOW, tick=False):
            by_ip = moderation.ban(ip_address="203.0.113.7", by=self.moderator)
            both = moderation.ban(
                email="a@example.com", ip_address="203.0.113.8", by=self.moderator
            )
            by_email = moderation.ban(email="b@example.com", by=self.moderator)
            for_good = moderation.ban(ip_address="203.0.113.9", duration=None, by=self.moderator)
            for_a_day = moderation.ban(
                email="c@example.com", duration=timedelta(days=1), by=self.moderator
            )
        self.assertEqual(by_ip.expires_at, NOW + timedelta(days=7))
        self.assertEqual(both.expires_at, NOW + timedelta(days=7))
        self.assertIsNone(by_email.expires_at)
        self.assertIsNone(for_good.expires_at)
        self.assertEqual(for_a_day.expires_at, NOW + timedelta(days=1))

    def test_an_expired_ban_no_longer_applies(self):
        self.make_known("troll@example.com")
        with time_machine.travel(NOW, tick=False):
            moderation.ban(email="troll@example.com", duration=timedelta(days=1), by=self.moderator)
        with time_machine.travel(NOW + timedelta(hours=23), tick=False):
            self.assertEqual(self.post_as("troll@example.com", "192.0.2.1").status, REJECTED)
            self.assertEqual(Ban.objects.active().count(), 1)
        with time_machine.travel(NOW + timedelta(days=1, minutes=1), tick=False):
            later = self.post_as("troll@example.com", "192.0.2.1", body="A day later.")
            self.assertEqual(later.status, APPROVED)
            self.assertEqual(Ban.objects.active().count(), 0)
        self.assertEqual(Ban.objects.count(), 1)  # the record stays

    def test_banning_again_for_longer_makes_a_new_ban(self):
        with time_machine.travel(NOW, tick=False):
            day = moderation.ban(
                email="a@example.com", duration=timedelta(days=1), by=self.moderator
            )
            self.assertEqual(
                moderation.ban(
                    email="a@example.com", duration=timedelta(hours=1), by=self.moderator
                ),
                day,
            )
            week = moderation.ban(
                email="a@example.com", duration=timedelta(days=7), by=self.moderator
            )
        self.assertNotEqual(week, day)


class OtherCommentersTests(TestCase):
    def test_counts_other_email_addresses_on_the_address_in_the_last_30_days(self):
        article = make_article()
        with time_machine.travel(NOW, tick=False):
            for email, days_ago in [
                ("troll@example.com", 1),  # the commenter being banned
                ("flatmate@example.com", 2),
                ("flatmate@example.com", 3),  # the same person twice
                ("neighbour@example.com", 29),
                ("lodger@example.com", 31),  # too long ago
            ]:
                make_comment(
                    article,
                    email=email,
                    ip_address="203.0.113.7",
                    created_at=NOW - timedelta(days=days_ago),
                )
            make_comment(article, email="elsewhere@example.com", ip_address="192.0.2.1")
            self.assertEqual(
                moderation.other_commenters_on("203.0.113.7", email="Troll@example.com"), 2
            )
            self.assertEqual(moderation.other_commenters_on(None, email="troll@example.com"), 0)


class BanDialogTests(TestCase):
    def setUp(self):
        self.article = make_article(headline="Park plans")
        self.moderator = make_user("mo", groups=["Moderators"])
        self.client.force_login(self.moderator)
        self.troll = make_comment(self.article, email="troll@example.com", ip_address="203.0.113.7")
        for email in ["a@example.com", "b@example.com"]:
            make_comment(make_article(), email=email, ip_address="203.0.113.7")

    def ban(self, comments, url=CHANGELIST, prefix="", **fields):
        data = {
            f"{prefix}action": "ban_and_reject",
            helpers.ACTION_CHECKBOX_NAME: [c.pk for c in comments],
        }
        if fields:
            data |= {"confirm": "yes"} | fields
        return self.client.post(url, data, follow=True)

    def test_the_action_asks_first_and_says_who_else_uses_the_address(self):
        page = self.ban([self.troll])
        self.assertContains(page, "Ban commenters and reject their comments")
        self.assertContains(page, "2 other commenters used this IP address in the last 30 days.")
        for label in ["Email address", "IP address", "Email and IP address"]:
            self.assertContains(page, label)
        for label in ["A day", "A week", "Permanently (until lifted)"]:
            self.assertContains(page, label)
        self.assertFalse(Ban.objects.exists())
        self.troll.refresh_from_db()
        self.assertEqual(self.troll.status, PENDING)

    def test_a_reason_is_required_and_nothing_typed_is_lost(self):
        page = self.ban([self.troll], scope="ip", duration="day", reason="")
        self.assertContains(page, "Say why: the reason is kept with the ban.")
        self.assertContains(page, 'value="ip" required id="id_scope_1" checked')
        self.assertContains(page, 'value="day" required id="id_duration_0" checked')
        self.assertFalse(Ban.objects.exists())

    def test_confirming_bans_as_chosen_rejects_and_shows_the_reason_in_the_history(self):
        before = timezone.now()
        done = self.ban([self.troll], scope="ip", duration="week", reason="Doxxing a councillor")
        self.assertContains(done, "1 ban added; 1 comment rejected.")
        ban = Ban.objects.get()
        self.assertEqual(
            (ban.scope, ban.email, ban.ip_address, ban.reason, ban.created_by),
            (
                Ban.Scope.IP_ADDRESS,
                "troll@example.com",
                "203.0.113.7",
                "Doxxing a councillor",
                self.moderator,
            ),
        )
        week = timedelta(days=7)
        self.assertTrue(before + week <= ban.expires_at <= timezone.now() + week)
        self.troll.refresh_from_db()
        self.assertEqual(self.troll.status, REJECTED)
        history = self.client.get(change_url(self.troll))
        until = ban.expires_at.strftime("%Y-%m-%d %H:%M")
        self.assertContains(history, f"Banned: 203.0.113.7 (IP address, until {until})")
        self.assertContains(history, "Doxxing a councillor")

    def test_from_the_change_page_and_permanently(self):
        done = self.ban(
            [self.troll],
            url=change_url(self.troll),
            prefix="CHANGE_FORM-",
            scope="both",
            duration="permanent",
            reason="Threats",
        )
        self.assertRedirects(done, change_url(self.troll))
        self.assertContains(done, "1 ban added; 1 comment rejected.")
        ban = Ban.objects.get()
        self.assertEqual((ban.scope, ban.expires_at), (Ban.Scope.BOTH, None))

    def test_several_comments_by_several_commenters(self):
        other = make_comment(self.article, email="spam@example.com", ip_address=None)
        done = self.ban([self.troll, other], scope="both", duration="day", reason="Spam run")
        # The commenter without an IP address cannot be banned on both: said, not hidden.
        self.assertContains(done, "1 ban added; 2 comments rejected.")
        self.assertContains(
            done, "Not banned: spam@example.com (This comment has no IP address to ban.)"
        )
        done = self.ban([other], scope="email", duration="day", reason="Spam run")
        self.assertContains(done, "1 ban added; 0 comments rejected.")
