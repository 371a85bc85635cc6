"""Posting a comment: the pipeline's checks, decisions and refusals, seen from the form."""

from datetime import timedelta
from unittest import mock

from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from articles.models import CommentMode
from articles.tests.factories import make_article, make_draft, make_user
from comments import moderation
from comments.models import Ban, Comment
from scoring.models import ScoringSettings

from .factories import form_data, make_comment, make_settings

LONG_AGO = timezone.now() - timedelta(days=30)


def reasons(comment):
    """The codes of a comment's reasons, without the scores note every comment carries
    (scoring/, tested in test_scoring_in_pipeline.py)."""
    return {r["code"] for r in comment.reasons if r["code"] != "scores"}


class PostingTestCase(TestCase):
    def setUp(self):
        # Enforce CSRF checks as a real browser would meet them; the form has no token.
        self.client = Client(enforce_csrf_checks=True)
        self.article = make_article(headline="Council votes")
        # The other checks, each on its own: the models' scores never hold here
        # (they are tested in test_scoring_in_pipeline.py).
        ScoringSettings.objects.create(
            hold_abuse_above=1.0, reject_abuse_above=1.0, hold_spam_above=1.0, spam_above=1.0
        )
        self.url = reverse("comments:post", args=[self.article.pk])

    def post(self, data=None, *, ip="127.0.0.1", **headers):
        data = form_data(self.article) if data is None else data
        headers.setdefault("sec_fetch_site", "same-origin")
        return self.client.post(self.url, data, headers=headers, REMOTE_ADDR=ip)

    def make_known(self, name="Ada Reader", email="ada@example.com"):
        """The commenter has an approved comment from long ago."""
        return make_comment(
            make_article(),
            name=name,
            email=email,
            body="An older approved comment.",
            status=Comment.Status.APPROVED,
            created_at=LONG_AGO,
            ip_address="192.0.2.99",
        )


class DecisionTests(PostingTestCase):
    def test_first_comment_waits_for_moderation(self):
        """A first-time commenter's comment is stored as pending and the reader is told so."""
        response = self.post(user_agent="TestBrowser/1.0")
        self.assertEqual(response.status_code, 303)
        self.assertEqual(
            response["Location"],
            f"{self.article.get_absolute_url()}?comment=pending#comment-status",
        )
        comment = Comment.objects.get()
        self.assertEqual(comment.status, Comment.Status.PENDING)
        self.assertEqual(comment.body, "Good reporting.\nThanks!")  # exactly as typed
        self.assertEqual(comment.ip_address, "127.0.0.1")
        self.assertEqual(comment.user_agent, "TestBrowser/1.0")
        self.assertEqual(reasons(comment), {"first_time"})
        page = self.client.get(response["Location"])
        self.assertContains(page, "Your comment is awaiting moderation")
        self.assertNotContains(page, "Good reporting.")

    def test_known_commenter_goes_live_at_once(self):
        """Someone with an approved comment (same name and email) is published straight away."""
        self.make_known(email="ADA@example.com")
        response = self.post()
        comment = Comment.objects.latest("pk")
        self.assertEqual(comment.status, Comment.Status.APPROVED)
        self.assertEqual(reasons(comment), {"passed"})
        self.assertEqual(
            response["Location"],
            f"{self.article.get_absolute_url()}?comment=approved#comment-{comment.pk}",
        )
        page = self.client.get(response["Location"])
        self.assertContains(page, "Your comment is live")
        self.assertContains(page, "Good reporting.<br>Thanks!")

    def test_known_commenter_is_recognised_whatever_the_case_of_their_name(self):
        self.make_known(name="ÉMILE O'Brien-Zoë", email="emile@example.com")
        self.post(form_data(self.article, name="Émile o'brien-zoë", email="emile@example.com"))
        self.assertEqual(Comment.objects.latest("pk").status, Comment.Status.APPROVED)

    def test_a_name_like_a_pattern_matches_only_itself(self):
        self.make_known(name="Ada_Reader%", email="ada@example.com")
        self.post(form_data(self.article, name="Adax Readerzz", email="ada@example.com"))
        self.assertEqual(Comment.objects.latest("pk").status, Comment.Status.PENDING)

    def test_same_email_under_another_name_is_held(self):
        self.make_known(name="Someone Else")
        self.post()
        self.assertEqual(Comment.objects.latest("pk").status, Comment.Status.PENDING)

    def test_first_time_hold_can_be_switched_off(self):
        make_settings(hold_first_time=False)
        self.post()
        self.assertEqual(Comment.objects.get().status, Comment.Status.APPROVED)

    def test_honeypot_marks_spam_but_keeps_the_comment(self):
        """A filled-in hidden field means a robot: kept as spam, and the sender told it is not published."""
        response = self.post(form_data(self.article, leave_empty="http://spam.example"))
        comment = Comment.objects.get()
        self.assertEqual(comment.status, Comment.Status.SPAM)
        self.assertIn("honeypot", reasons(comment))
        page = self.client.get(response["Location"])
        self.assertContains(page, "Your comment was not published")

    def test_too_fast_is_held_not_rejected(self):
        """Sent a second after the form was shown: held for a moderator, with the reason."""
        self.make_known()
        self.post(form_data(self.article, age=1))
        comment = Comment.objects.latest("pk")
        self.assertEqual(comment.status, Comment.Status.PENDING)
        self.assertEqual(reasons(comment), {"too_fast"})

    def test_too_many_links_are_held(self):
        self.make_known()
        body = "See http://a.example, www.b.example and https://c.example/x."
        self.post(form_data(self.article, body=body))
        comment = Comment.objects.latest("pk")
        self.assertEqual(comment.status, Comment.Status.PENDING)
        self.assertEqual(reasons(comment), {"links"})
        self.assertIn("3 links (more than 2)", comment.reasons_text())

    def test_links_up_to_the_limit_pass(self):
        self.make_known()
        self.post(form_data(self.article, body="See http://a.example and www.b.example"))
        self.assertEqual(Comment.objects.latest("pk").status, Comment.Status.APPROVED)

    def test_words_that_reject_and_words_that_hold(self):
        """The site's word lists: whole words, any case, in the name, email or text."""
        make_settings(
            rejected_words="viagra\n# a comment line\n",
            held_words="idiot\nfake news",
            flood_seconds=0,
        )
        self.make_known()
        cases = [
            ("Buy VIAGRA now", Comment.Status.REJECTED, {"rejected_word"}),
            ("What an idiot.", Comment.Status.PENDING, {"held_word"}),
            ("This is Fake  News", Comment.Status.APPROVED, {"passed"}),  # not the phrase
            ("This is fake news!", Comment.Status.PENDING, {"held_word"}),
            ("Idiotic? No: idiotically", Comment.Status.APPROVED, {"passed"}),
        ]
        for body, status, expected in cases:
            with self.subTest(body=body):
                self.post(form_data(self.article, body=body))
                comment = Comment.objects.get(body=body)
                self.assertEqual((comment.status, reasons(comment)), (status, expected))

    def test_banned_email_and_ip_are_rejected_and_kept(self):
        moderator = make_user(groups=["Moderators"])
        moderation.ban(email="ada@example.com", by=moderator)
        self.post()
        comment = Comment.objects.get()
        self.assertEqual(comment.status, Comment.Status.REJECTED)
        self.assertIn("banned", reasons(comment))
        moderation.ban(ip_address="203.0.113.5", by=moderator)
        self.post(form_data(self.article, email="other@example.com"), ip="203.0.113.5")
        self.assertEqual(Comment.objects.latest("pk").status, Comment.Status.REJECTED)

    def test_lifted_ban_no_longer_applies(self):
        moderator = make_user(groups=["Moderators"])
        moderation.ban(email="ada@example.com", by=moderator)
        self.assertEqual(moderation.unban(email="ada@example.com", by=moderator), 1)
        self.make_known()
        self.post()
        self.assertEqual(Comment.objects.latest("pk").status, Comment.Status.APPROVED)
        self.assertEqual(Ban.objects.count(), 1)  # the record stays

    def test_duplicate_of_someone_elses_recent_comment_is_held(self):
        text = "Great article, visit my page for more great articles"
        make_comment(make_article(), email="bot1@example.com", body=text, created_at=LONG_AGO)
        make_comment(make_article(), email="bot2@example.com", body=text)
        self.make_known()
        self.post(form_data(self.article, body=text))
        comment = Comment.objects.latest("pk")
        self.assertEqual((comment.status, reasons(comment)), ("pending", {"duplicate"}))

    def test_short_common_comments_are_not_duplicates(self):
        make_comment(make_article(), email="someone@example.com", body="Thanks!")
        self.make_known()
        self.post(form_data(self.article, body="Thanks!"))
        self.assertEqual(Comment.objects.latest("pk").status, Comment.Status.APPROVED)

    def test_premoderated_story_holds_everyone(self):
        self.article.comment_mode = CommentMode.PREMODERATED
        self.article.save()
        self.make_known()
        self.post()
        comment = Comment.objects.latest("pk")
        self.assertEqual((comment.status, reasons(comment)), ("pending", {"premoderated"}))

    def test_strongest_verdict_wins_and_every_reason_is_kept(self):
        make_settings(rejected_words="scam")
        self.post(form_data(self.article, body="scam scam", leave_empty="x", age=0))
        comment = Comment.objects.get()
        self.assertEqual(comment.status, Comment.Status.SPAM)
        self.assertEqual(reasons(comment), {"honeypot", "too_fast", "rejected_word", "first_time"})


class RefusalTests(PostingTestCase):
    """Refused requests store nothing and give the reader the form back with the text."""

    def test_stale_form_asks_to_send_again_and_keeps_the_text(self):
        data = form_data(self.article, age=13 * 60 * 60, body="Typed with care")
        response = self.post(data)
        self.assertContains(response, "please send it again", status_code=400)
        self.assertContains(response, "Typed with care</textarea>", status_code=400)
        self.assertFalse(Comment.objects.exists())
        # The form comes back with a fresh token: sending it again works.
        token = response.context["token"]
        response = self.post(data | {"token": token})
        self.assertEqual(response.status_code, 303)
        self.assertEqual(Comment.objects.get().body, "Typed with care")

    def test_missing_forged_and_foreign_tokens_are_treated_as_stale(self):
        other = make_article()
        tokens = ["", "nonsense", form_data(self.article)["token"] + "x", form_data(other)["token"]]
        for token in tokens:
            with self.subTest(token=token):
                response = self.post(form_data(self.article, token=token))
                self.assertContains(response, "please send it again", status_code=400)
        self.assertFalse(Comment.objects.exists())

    def test_posting_too_fast_from_one_address_gets_429(self):
        """The flood limit: a readable page, HTTP 429, Retry-After, and the text kept."""
        self.post()
        response = self.post(form_data(self.article, email="b@example.com", body="Again"))
        self.assertEqual(response.status_code, 429)
        self.assertTrue(1 <= int(response["Retry-After"]) <= 15)
        self.assertContains(response, "You are commenting too fast", status_code=429)
        self.assertContains(response, "Again</textarea>", status_code=429)
        self.assertContains(response, "<h1>Council votes</h1>", html=True, status_code=429)
        self.assertEqual(Comment.objects.count(), 1)

    def test_flood_limit_also_counts_by_email(self):
        self.post()
        response = self.post(form_data(self.article, body="From elsewhere"), ip="192.0.2.7")
        self.assertEqual(response.status_code, 429)

    def test_flood_limit_ends_after_the_interval(self):
        self.post()
        Comment.objects.update(created_at=timezone.now() - timedelta(seconds=16))
        response = self.post(form_data(self.article, body="Later"))
        self.assertEqual(response.status_code, 303)
        self.assertEqual(Comment.objects.count(), 2)

    def test_flood_interval_is_a_setting(self):
        make_settings(flood_seconds=120)
        self.post()
        Comment.objects.update(created_at=timezone.now() - timedelta(seconds=60))
        self.assertEqual(self.post(form_data(self.article, body="Later")).status_code, 429)

    def test_sending_the_same_comment_twice_stores_it_once(self):
        """A double click or a reload: the reader sees the first comment's outcome."""
        first = self.post()
        again = self.post()
        self.assertEqual(again.status_code, 303)
        self.assertEqual(again["Location"], first["Location"])
        self.assertEqual(Comment.objects.count(), 1)

    def test_closed_story_refuses_and_shows_what_was_typed(self):
        self.article.comment_mode = CommentMode.CLOSED
        self.article.save()
        response = self.post(form_data(self.article, body="Too late?"))
        self.assertEqual(response.status_code, 403)
        self.assertContains(response, "Comments are closed on this story.", status_code=403)
        self.assertContains(response, "Too late?</textarea>", status_code=403)
        self.assertNotContains(response, "Post Comment", status_code=403)
        self.assertFalse(Comment.objects.exists())


class FormInputTests(PostingTestCase):
    def test_invalid_input_keeps_what_the_reader_typed(self):
        """Errors are shown per field and nothing typed is lost."""
        response = self.post(form_data(self.article, email="not-an-email", body="  "))
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Your comment was not posted", status_code=400)
        self.assertContains(response, "That email address does not look right", status_code=400)
        self.assertContains(response, "Please write your comment.", status_code=400)
        self.assertContains(response, 'value="Ada Reader"', status_code=400)
        self.assertContains(response, 'value="not-an-email"', status_code=400)
        self.assertContains(response, "<h1>Council votes</h1>", status_code=400, html=True)
        self.assertFalse(Comment.objects.exists())

    def test_text_is_stored_exactly_as_typed(self):
        """Leading spaces, blank lines and trailing whitespace are kept byte for byte,
        and the story shows the comment's line breaks."""
        self.make_known()
        body = "  indented\n\nlast line  \n"
        response = self.post(form_data(self.article, body=body))
        self.assertEqual(response.status_code, 303)
        comment = Comment.objects.latest("pk")
        self.assertEqual(comment.status, Comment.Status.APPROVED)
        self.assertEqual(comment.body, body)
        page = self.client.get(response["Location"]).content.decode()
        self.assertIn('<div class="comment-body"><p>  indented</p>\n\n<p>last line', page)

    def test_whitespace_only_comment_is_refused(self):
        response = self.post(form_data(self.article, body=" \n\t\n  "))
        self.assertContains(response, "Please write your comment.", status_code=400)
        self.assertFalse(Comment.objects.exists())

    def test_missing_fields_each_get_a_message(self):
        response = self.post({"body": "Only a comment"})
        self.assertContains(response, "Please give a name", status_code=400)
        self.assertContains(response, "Please give your email address", status_code=400)
        self.assertContains(response, "Only a comment</textarea>", status_code=400)

    def test_too_long_comment_is_refused_with_its_length(self):
        response = self.post(form_data(self.article, body="x" * 5001))
        self.assertContains(response, "5001 characters long; the limit is 5000", status_code=400)
        self.assertFalse(Comment.objects.exists())

    def test_odd_input_is_never_a_server_error(self):
        make_settings(flood_seconds=0)
        odd = [
            form_data(self.article, parent="abc"),
            form_data(self.article, parent="99999999999999999999999", body="b"),
            form_data(self.article, parent="-1", body="c"),
            form_data(self.article, name="\x00", body="d"),
            {"token": ["a", "b"], "body": "e"},
        ]
        for data in odd:
            with self.subTest(data=data):
                response = self.post(data)
                self.assertIn(response.status_code, (303, 400))
        huge = reverse("comments:post", args=[10**25])
        response = self.client.post(
            huge, form_data(self.article), headers={"sec-fetch-site": "same-origin"}
        )
        self.assertEqual(response.status_code, 404)

    def test_cross_site_post_is_refused(self):
        """A form on another site cannot post comments in a reader's name."""
        response = self.post(sec_fetch_site="cross-site", origin="https://evil.example")
        self.assertEqual(response.status_code, 403)
        self.assertContains(response, "sent from another website", status_code=403)
        self.assertFalse(Comment.objects.exists())

    def test_foreign_origin_without_fetch_metadata_is_refused(self):
        response = self.client.post(
            self.url, form_data(self.article), headers={"origin": "https://evil.example"}
        )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Comment.objects.exists())

    def test_same_origin_post_needs_no_csrf_token(self):
        """The form works without a per-visitor token, from this site."""
        response = self.post(origin="http://testserver")
        self.assertEqual(response.status_code, 303)
        self.assertEqual(Comment.objects.count(), 1)

    def test_cannot_comment_on_a_draft(self):
        draft = make_draft()
        response = self.client.post(reverse("comments:post", args=[draft.pk]), form_data(draft))
        self.assertEqual(response.status_code, 404)
        self.assertFalse(Comment.objects.exists())

    def test_get_is_not_allowed(self):
        self.assertEqual(self.client.get(self.url).status_code, 405)

    def test_mail_trouble_never_breaks_posting(self):
        make_settings(digest_recipients="desk@example.com")
        with (
            mock.patch("comments.digest.mailers") as mailers,
            self.assertLogs("comments.moderation", "ERROR"),
            self.captureOnCommitCallbacks(execute=True),
        ):
            mailers.default.send_messages.side_effect = OSError("no mail server")
            response = self.post()
        self.assertEqual(response.status_code, 303)
        self.assertIsNone(Comment.objects.get().digested_at)  # the next digest carries it


class ReplyTests(PostingTestCase):
    def setUp(self):
        super().setUp()
        self.first = make_comment(
            self.article, name="Bo", status=Comment.Status.APPROVED, created_at=LONG_AGO
        )

    def test_reply_hangs_under_the_comment_it_answers(self):
        self.post(form_data(self.article, parent=str(self.first.pk)))
        reply = Comment.objects.latest("pk")
        self.assertEqual((reply.parent, reply.root, reply.depth), (self.first, self.first, 1))

    def test_replies_nest_three_deep_then_sit_beside(self):
        second = make_comment(self.article, parent=self.first, status=Comment.Status.APPROVED)
        third = make_comment(self.article, parent=second, status=Comment.Status.APPROVED)
        self.post(form_data(self.article, parent=str(third.pk)))
        reply = Comment.objects.latest("pk")
        self.assertEqual((reply.parent, reply.root, reply.depth), (second, self.first, 2))
        self.assertIn("reply_moved", reasons(reply))

    def test_reply_to_a_hidden_or_foreign_comment_becomes_a_new_thread(self):
        hidden = make_comment(self.article, status=Comment.Status.PENDING)
        foreign = make_comment(make_article(), status=Comment.Status.APPROVED)
        for n, parent in enumerate([hidden, foreign]):
            with self.subTest(parent=parent):
                body = f"Answer {n}"
                self.post(
                    form_data(self.article, parent=str(parent.pk), body=body), ip=f"10.0.0.{n}"
                )
                reply = Comment.objects.get(body=body)
                self.assertEqual((reply.parent, reply.depth), (None, 0))
                self.assertIn("reply_moved", reasons(reply))
                Comment.objects.update(created_at=LONG_AGO)
