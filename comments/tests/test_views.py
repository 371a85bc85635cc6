from django.test import Client, TestCase
from django.urls import reverse

from articles.tests.factories import make_article, make_draft
from comments.models import Comment

from .factories import make_comment

VALID = {"name": "Ada Reader", "email": "ada@example.com", "body": "Good reporting.\nThanks!"}


class PostCommentTests(TestCase):
    def setUp(self):
        # Enforce CSRF checks as a real browser would meet them; the form has no token.
        self.client = Client(enforce_csrf_checks=True)
        self.article = make_article(headline="Council votes")
        self.url = reverse("comments:post", args=[self.article.pk])

    def post(self, data, **headers):
        return self.client.post(self.url, data, headers=headers)

    def test_new_comment_waits_for_moderation(self):
        """A posted comment is stored as pending and the reader is told so."""
        response = self.post(VALID, sec_fetch_site="same-origin", user_agent="TestBrowser/1.0")
        self.assertEqual(response.status_code, 303)
        self.assertEqual(
            response["Location"],
            f"{self.article.get_absolute_url()}?comment=pending#comment-status",
        )
        comment = Comment.objects.get()
        self.assertEqual(comment.status, Comment.Status.PENDING)
        self.assertEqual(comment.body, VALID["body"])  # exactly as typed
        self.assertEqual(comment.ip_address, "127.0.0.1")
        self.assertEqual(comment.user_agent, "TestBrowser/1.0")
        self.assertTrue(comment.reasons)
        page = self.client.get(response["Location"])
        self.assertContains(page, "Your comment is awaiting moderation")
        self.assertNotContains(page, "Good reporting.")

    def test_invalid_input_keeps_what_the_reader_typed(self):
        """Errors are shown per field and nothing typed is lost."""
        response = self.post({"name": "Ada Reader", "email": "not-an-email", "body": "  "})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Your comment was not posted", status_code=400)
        self.assertContains(response, "That email address does not look right", status_code=400)
        self.assertContains(response, "Please write your comment.", status_code=400)
        self.assertContains(response, 'value="Ada Reader"', status_code=400)
        self.assertContains(response, 'value="not-an-email"', status_code=400)
        self.assertContains(response, "<h1>Council votes</h1>", status_code=400, html=True)
        self.assertFalse(Comment.objects.exists())

    def test_missing_fields_each_get_a_message(self):
        response = self.post({"body": "Only a comment"})
        self.assertContains(response, "Please give a name", status_code=400)
        self.assertContains(response, "Please give your email address", status_code=400)
        self.assertContains(response, "Only a comment</textarea>", status_code=400)

    def test_too_long_comment_is_refused_with_its_length(self):
        response = self.post(VALID | {"body": "x" * 5001})
        self.assertContains(response, "5001 characters long; the limit is 5000", status_code=400)
        self.assertFalse(Comment.objects.exists())

    def test_cross_site_post_is_refused(self):
        """A form on another site cannot post comments in a reader's name."""
        response = self.post(VALID, sec_fetch_site="cross-site", origin="https://evil.example")
        self.assertEqual(response.status_code, 403)
        self.assertContains(response, "sent from another website", status_code=403)
        self.assertFalse(Comment.objects.exists())

    def test_foreign_origin_without_fetch_metadata_is_refused(self):
        response = self.post(VALID, origin="https://evil.example")
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Comment.objects.exists())

    def test_same_origin_post_needs_no_csrf_token(self):
        """The form works without a per-visitor token, from this site."""
        response = self.client.post(
            self.url,
            VALID,
            headers={"sec-fetch-site": "same-origin", "origin": "http://testserver"},
        )
        self.assertEqual(response.status_code, 303)
        self.assertEqual(Comment.objects.count(), 1)

    def test_cannot_comment_on_a_draft(self):
        draft = make_draft()
        response = self.client.post(reverse("comments:post", args=[draft.pk]), VALID)
        self.assertEqual(response.status_code, 404)
        self.assertFalse(Comment.objects.exists())

    def test_get_is_not_allowed(self):
        self.assertEqual(self.client.get(self.url).status_code, 405)


class CommentDisplayTests(TestCase):
    def test_only_approved_comments_are_shown(self):
        article = make_article()
        make_comment(article, body="Approved words", status=Comment.Status.APPROVED)
        make_comment(article, body="Pending words")
        make_comment(article, body="Rejected words", status=Comment.Status.REJECTED)
        make_comment(article, body="Spam words", status=Comment.Status.SPAM)
        response = self.client.get(article.get_absolute_url())
        self.assertContains(response, "Approved words")
        self.assertContains(response, "Comments (1)")
        for hidden in ["Pending words", "Rejected words", "Spam words"]:
            self.assertNotContains(response, hidden)

    def test_comment_html_is_always_escaped(self):
        """No HTML from readers is ever rendered; line breaks are kept."""
        article = make_article()
        make_comment(
            article,
            body='<script>alert("x")</script>\n<b>not bold</b>',
            status=Comment.Status.APPROVED,
        )
        response = self.client.get(article.get_absolute_url())
        self.assertNotContains(response, '<script>alert("x")</script>')
        self.assertContains(
            response,
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>&lt;b&gt;not bold&lt;/b&gt;",
        )
        self.assertEqual(Comment.objects.get().body, '<script>alert("x")</script>\n<b>not bold</b>')

    def test_comment_names_are_escaped(self):
        article = make_article()
        make_comment(article, name="<i>Eve</i>", status=Comment.Status.APPROVED)
        self.assertContains(self.client.get(article.get_absolute_url()), "&lt;i&gt;Eve&lt;/i&gt;")
