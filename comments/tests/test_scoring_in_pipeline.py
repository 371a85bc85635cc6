"""Every posted comment is scored by the site's own models (scoring/), and the scores'
explanations are kept with the decision and shown to moderators."""

from datetime import timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone

from articles.tests.factories import make_user
from comments.models import Comment
from scoring.models import ScoringSettings

from .test_posting import PostingTestCase


def score_reasons(comment):
    return [r for r in comment.reasons if r["code"] in {"abuse_score", "spam_score", "scores"}]


class ScoredPostingTests(PostingTestCase):
    def setUp(self):
        super().setUp()
        ScoringSettings.objects.all().delete()  # the site's defaults
        self.make_known()  # a known commenter: only the scores can hold the comment

    def post_text(self, body):
        from .factories import form_data

        response = self.post(form_data(self.article, body=body))
        self.assertEqual(response.status_code, 303)
        return Comment.objects.order_by("-pk").first()

    def test_a_polite_comment_goes_live_with_its_scores_noted(self):
        comment = self.post_text("Thanks for explaining the council's harbour plans so clearly.")
        self.assertEqual(comment.status, Comment.Status.APPROVED)
        [note] = score_reasons(comment)
        self.assertEqual(note["code"], "scores")
        self.assertEqual(note["verdict"], "")
        self.assertIn("baseline", note["text"])

    def test_an_abusive_comment_is_held_and_says_which_words_pushed_it(self):
        comment = self.post_text("You are an idiot and a moron, shut up.")
        self.assertEqual(comment.status, Comment.Status.PENDING)
        [held] = score_reasons(comment)
        self.assertEqual(held["code"], "abuse_score")
        self.assertIn("idiot", held["text"])
        # The moderator sees the same explanation in the queue.
        self.client.force_login(make_user(groups=["Moderators"]))
        queue = self.client.get(reverse("admin:comments_comment_changelist"))
        self.assertContains(queue, "idiot")

    def test_an_advert_is_held_as_spam_with_its_features_named(self):
        comment = self.post_text(
            "BUY NOW!!! Cheap crypto, earn $5000 a week: http://spam.example/a "
            "http://spam.example/b"
        )
        self.assertEqual(comment.status, Comment.Status.PENDING)
        texts = " ".join(r["text"] for r in score_reasons(comment))
        self.assertIn("spam score", texts)
        self.assertIn("buy now", texts.lower())

    def test_nothing_is_rejected_by_a_score_alone_unless_the_site_asks(self):
        comment = self.post_text("You are an idiot, a moron and a complete imbecile.")
        self.assertEqual(comment.status, Comment.Status.PENDING)
        settings = ScoringSettings.load()
        settings.reject_by_score = True
        settings.hold_abuse_above = 0.4
        settings.reject_abuse_above = 0.5
        settings.save()
        # Later, so that the flood limit does not refuse the second comment.
        with time_machine.travel(timezone.now() + timedelta(hours=1), tick=True):
            comment = self.post_text("You idiot, you moron, you imbecile, you fool.")
        self.assertEqual(comment.status, Comment.Status.REJECTED)
