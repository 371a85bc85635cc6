"""Damaged pictures uploaded as lead pictures: refused on the form, never a 500; sound
ones go into the picture library."""

import io
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from PIL import Image

from articles.images import validate_image
from articles.models import Article
from images.models import Picture

from .factories import make_draft, make_picture, make_user
from .test_admin import ADD_URL, change_url, form_data

DAMAGED = "This picture is damaged or incomplete"


def photo_bytes(fmt):
    """A photo-like picture (noise compresses badly, so the data is far from tiny)."""
    buffer = io.BytesIO()
    Image.effect_noise((640, 480), 60).convert("RGB").save(buffer, fmt)
    return buffer.getvalue()


def cut_in_half(fmt, name):
    data = photo_bytes(fmt)
    return SimpleUploadedFile(name, data[: len(data) // 2], content_type=f"image/{fmt.lower()}")


def stored_files():
    media = Path(settings.MEDIA_ROOT)
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


class DamagedUploadTests(TestCase):
    def setUp(self):
        self.client.force_login(make_user("picture-editor", groups=["Editors"]))
        self.story = make_draft(headline="Harbour reopens", summary="Boats are back.")
        self.before = Article.objects.filter(pk=self.story.pk).values().get()

    def post_change(self, picture):
        return self.client.post(
            change_url(self.story),
            form_data(
                headline="Harbour reopens after the storm",
                slug=self.story.slug,
                summary="Typed by the editor and kept.",
                new_lead_picture=picture,
                new_lead_picture_alt="Fishing boats at the quay",
                new_lead_picture_caption="The quay on Monday morning",
                expected_version=self.story.version,
            ),
        )

    def assertRefusedAndKept(self, response, message):
        """The form is back with the error on the picture, the typing kept, nothing saved."""
        self.assertEqual(response.status_code, 200)
        form = response.context["adminform"].form
        self.assertEqual(list(form.errors), ["new_lead_picture"])
        self.assertIn(message, " ".join(form.errors["new_lead_picture"]))
        self.assertContains(response, message)
        for typed in [
            "Harbour reopens after the storm",
            "Typed by the editor and kept.",
            "Fishing boats at the quay",
            "The quay on Monday morning",
        ]:
            self.assertContains(response, typed)
        self.assertEqual(Article.objects.filter(pk=self.story.pk).values().get(), self.before)
        self.assertEqual(stored_files(), [])
        self.assertFalse(Picture.objects.exists())

    def test_truncated_jpeg_is_refused_on_the_change_form(self):
        """A JPEG cut in half has a sound header; decoding it in full finds the damage."""
        self.assertRefusedAndKept(self.post_change(cut_in_half("JPEG", "harbour.jpg")), DAMAGED)

    def test_png_cut_short_is_refused_on_the_change_form(self):
        # Django's image field may notice this one first; either way the editor is told.
        response = self.post_change(cut_in_half("PNG", "harbour.png"))
        form = response.context["adminform"].form
        message = DAMAGED if DAMAGED in str(form.errors) else "Upload a valid image"
        self.assertRefusedAndKept(response, message)

    def test_truncated_jpeg_on_a_new_story_saves_nothing(self):
        response = self.client.post(
            ADD_URL,
            form_data(
                new_lead_picture=cut_in_half("JPEG", "new.jpg"), new_lead_picture_alt="A picture"
            ),
        )
        self.assertContains(response, DAMAGED)
        self.assertEqual(Article.objects.count(), 1)  # only the draft from setUp
        self.assertEqual(stored_files(), [])

    def test_a_sound_picture_still_uploads(self):
        """The full decode costs nothing to a good picture: it goes into the library,
        described as typed, with its renditions, and leads the story."""
        picture = SimpleUploadedFile("good.jpg", photo_bytes("JPEG"), content_type="image/jpeg")
        response = self.post_change(picture)
        self.assertEqual(response.status_code, 302)
        self.story.refresh_from_db()
        lead = self.story.lead_picture
        self.assertEqual((lead.width, lead.height), (640, 480))
        self.assertEqual(lead.alt_text, "Fishing boats at the quay")
        self.assertEqual(lead.caption, "The quay on Monday morning")
        self.assertEqual(lead.title, "Harbour reopens after the storm")
        self.assertTrue(lead.renditions.filter(format="avif").exists())

    def test_a_new_picture_needs_its_alt_text(self):
        picture = SimpleUploadedFile("good.jpg", photo_bytes("JPEG"), content_type="image/jpeg")
        response = self.client.post(
            change_url(self.story),
            form_data(
                slug=self.story.slug, new_lead_picture=picture, expected_version=self.story.version
            ),
        )
        self.assertContains(response, "Describe the new picture for readers who cannot see it.")
        self.assertFalse(Picture.objects.exists())

    def test_a_library_picture_is_chosen_without_uploading(self):
        picture = make_picture(alt_text="The quay at dawn")
        response = self.client.post(
            change_url(self.story),
            form_data(
                slug=self.story.slug, lead_picture=picture.pk, expected_version=self.story.version
            ),
        )
        self.assertEqual(response.status_code, 302)
        self.story.refresh_from_db()
        self.assertEqual(self.story.lead_picture, picture)
        page = self.client.get(change_url(self.story))
        # The chosen picture is shown in the form, small, with its alt text.
        self.assertContains(page, 'class="picture-input-thumbnail"')
        self.assertContains(page, 'alt="The quay at dawn"')


class ValidatorTests(TestCase):
    def test_validator_names_damaged_files(self):
        for fmt in ["JPEG", "PNG", "WEBP"]:
            with self.subTest(fmt=fmt), self.assertRaises(ValidationError) as refused:
                validate_image(cut_in_half(fmt, f"cut.{fmt.lower()}"))
            self.assertEqual(refused.exception.code, "image_damaged")

    def test_validator_still_names_non_pictures(self):
        with self.assertRaises(ValidationError) as refused:
            validate_image(SimpleUploadedFile("x.jpg", b"not a picture at all"))
        self.assertEqual(refused.exception.code, "image_unreadable")


class PublishingDoesNotRereadThePictureTests(TestCase):
    """'Save and publish' reloads the story as saved, but never re-reads its picture:
    with object storage that read is a download of the whole original."""

    def test_publish_works_without_reading_the_stored_picture(self):
        from django.core.files.storage import default_storage

        self.client.force_login(make_user("pic-publisher", groups=["Editors"]))
        response = self.client.post(
            ADD_URL,
            form_data(
                headline="Lighthouse repainted",
                slug="lighthouse-repainted",
                new_lead_picture=SimpleUploadedFile(
                    "lighthouse.jpg", photo_bytes("JPEG"), content_type="image/jpeg"
                ),
                new_lead_picture_alt="The lighthouse in fresh paint",
            ),
        )
        self.assertEqual(response.status_code, 302)
        story = Article.objects.get(slug="lighthouse-repainted")
        # Any read of the original from here on would fail.
        default_storage.delete(story.lead_picture.file.name)
        response = self.client.post(
            change_url(story),
            form_data(
                headline="Lighthouse repainted",
                slug=story.slug,
                lead_picture=story.lead_picture_id,
                expected_version=story.version,
                _transition="publish",
            ),
        )
        self.assertEqual(response.status_code, 302)
        story.refresh_from_db()
        self.assertEqual(story.status, Article.Status.PUBLISHED)
