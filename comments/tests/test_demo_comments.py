"""``load_demo_comments``: a moderation history for the demo, decided through the pipeline,
and models trained on it."""

from io import StringIO

from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings

from comments.models import Comment
from scoring.models import TrainedModel


class DemoCommentsTests(TestCase):
    def test_demo_decisions_are_the_moderators_and_train_the_site_models(self):
        call_command("load_demo", stdout=StringIO())
        out = StringIO()
        call_command("load_demo_comments", stdout=out)
        demo = Comment.objects.filter(email__endswith="@demo-readers.invalid")
        counts = {s: demo.filter(status=s).count() for s in ("approved", "rejected", "spam")}
        self.assertEqual(counts, {"approved": 300, "rejected": 110, "spam": 90})
        self.assertFalse(demo.filter(moderated_by__username__isnull=True).exists())
        self.assertEqual(set(demo.values_list("moderated_by__username", flat=True)), {"moderator"})
        self.assertEqual(
            set(TrainedModel.objects.values_list("kind", flat=True)), {"abuse", "spam"}
        )
        self.assertIn("500 demo comments", out.getvalue())
        # Once only.
        call_command("load_demo_comments", stdout=StringIO())
        self.assertEqual(demo.count(), 500)
        evaluation = StringIO()
        call_command("evaluate_comment_model", stdout=evaluation)
        self.assertIn("precision", evaluation.getvalue())
        self.assertIn("baseline", evaluation.getvalue())

    def test_needs_the_demo_stories_and_never_runs_in_production(self):
        with self.assertRaisesMessage(CommandError, "Run load_demo first"):
            call_command("load_demo_comments", stdout=StringIO())
        with override_settings(PRODUCTION=True), self.assertRaisesMessage(CommandError, "never"):
            call_command("load_demo_comments", stdout=StringIO())
