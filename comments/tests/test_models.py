from django.db.models import RestrictedError
from django.test import TestCase

from articles.tests.factories import make_article
from comments.models import Comment

from .factories import make_comment


class ThreadIntegrityTests(TestCase):
    def test_deleting_a_story_takes_its_whole_threads(self):
        """Replies reference their thread, yet deleting the story still works."""
        article = make_article()
        first = make_comment(article, status=Comment.Status.APPROVED)
        reply = make_comment(article, parent=first)
        make_comment(article, parent=reply)
        article.delete()
        self.assertFalse(Comment.objects.exists())

    def test_a_comment_with_replies_cannot_be_deleted_alone(self):
        article = make_article()
        first = make_comment(article)
        make_comment(article, parent=first)
        with self.assertRaises(RestrictedError):
            first.delete()

    def test_email_addresses_are_stored_in_one_case(self):
        self.assertEqual(
            make_comment(make_article(), email="Ada@Example.COM").email, "ada@example.com"
        )
