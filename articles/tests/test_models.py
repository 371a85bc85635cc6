from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import TestCase, override_settings
from django.utils import timezone

from articles.images import validate_image
from articles.models import Article

from .factories import make_article, make_draft, picture_file


class LiveTests(TestCase):
    def test_published_story_in_the_past_is_live(self):
        """A published story whose time has come is visible to readers."""
        article = make_article()
        self.assertIn(article, Article.objects.live())
        self.assertTrue(article.is_live)

    def test_draft_is_not_live(self):
        """A draft is never visible to readers."""
        draft = make_draft()
        self.assertNotIn(draft, Article.objects.live())
        self.assertFalse(draft.is_live)

    def test_scheduled_story_goes_live_at_its_time(self):
        """A story scheduled for later is hidden until its publish time, then shown."""
        at = timezone.now() + timedelta(hours=2)
        article = make_article(publish_at=at)
        self.assertNotIn(article, Article.objects.live())
        self.assertNotIn(article, Article.objects.live(at=at - timedelta(seconds=1)))
        self.assertIn(article, Article.objects.live(at=at))

    def test_expired_story_is_not_live(self):
        """A story past its expiry time leaves the site."""
        now = timezone.now()
        article = make_article(
            publish_at=now - timedelta(days=2), expire_at=now + timedelta(hours=1)
        )
        self.assertIn(article, Article.objects.live())
        self.assertNotIn(article, Article.objects.live(at=now + timedelta(hours=1)))


class SaveTests(TestCase):
    def test_body_is_sanitised_whatever_the_route(self):
        """Scripts, event handlers and javascript: links never reach readers."""
        article = make_article(
            body='<p onclick="steal()">Hello <script>alert(1)</script>'
            '<a href="javascript:alert(1)">bad</a> <a href="https://example.com/">good</a></p>'
        )
        article.refresh_from_db()
        self.assertNotIn("script", article.body)
        self.assertNotIn("onclick", article.body)
        self.assertNotIn("javascript:", article.body)
        self.assertIn('<a href="https://example.com/">good</a>', article.body)

    def test_publishing_without_a_time_means_now(self):
        """A story published without a publish time goes live at once."""
        article = make_article(publish_at=None)
        self.assertIsNotNone(article.publish_at)
        self.assertTrue(article.is_live)

    def test_database_refuses_expiry_before_publication(self):
        """The expiry must come after publication, even for writes outside forms."""
        now = timezone.now()
        with self.assertRaises(IntegrityError), transaction.atomic():
            make_article(publish_at=now, expire_at=now - timedelta(hours=1))

    def test_slugs_are_unique(self):
        """Two stories cannot share an address."""
        make_article(slug="same")
        with self.assertRaises(IntegrityError), transaction.atomic():
            make_article(slug="same")

    def test_a_lead_picture_in_use_cannot_be_deleted(self):
        """The library keeps a picture while a story leads with it."""
        from django.db.models import ProtectedError

        from .factories import make_picture

        article = make_article(lead_picture=make_picture())
        with self.assertRaises(ProtectedError):
            article.lead_picture.delete()


class ImageValidationTests(TestCase):
    def test_accepts_a_normal_picture(self):
        validate_image(picture_file())

    def test_refuses_a_file_that_is_not_a_picture(self):
        """An upload that is not an image gets a clear message."""
        with self.assertRaisesMessage(ValidationError, "not a picture we can read"):
            validate_image(SimpleUploadedFile("x.png", b"plain text, not a PNG"))

    @override_settings(NEWSROOM_IMAGE_MAX_PIXELS=10_000)
    def test_refuses_too_many_pixels(self):
        """Huge pictures (decompression bombs) are refused, not processed."""
        with self.assertRaises(ValidationError) as raised:
            validate_image(picture_file(200, 100))
        self.assertEqual(raised.exception.code, "image_too_many_pixels")

    @override_settings(NEWSROOM_IMAGE_MAX_BYTES=100)
    def test_refuses_too_many_bytes(self):
        with self.assertRaises(ValidationError) as raised:
            validate_image(picture_file(200, 100))
        self.assertEqual(raised.exception.code, "image_too_large")


class UpdatedTests(TestCase):
    def test_plain_saves_do_not_show_as_updated(self):
        """Readers see "Updated" only for a public update, correction or clarification."""
        article = make_article(publish_at=timezone.now() - timedelta(days=1))
        article.save()
        self.assertFalse(article.was_updated)
        self.assertEqual(article.public_modified_at, article.publish_at)
        self.assertNotContains(self.client.get(article.get_absolute_url()), "Updated <time")
