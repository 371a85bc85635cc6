"""Lead-image renditions: made when the picture is saved, served to readers."""

import io
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from PIL import Image

from .factories import make_article


def photo_with_gps(width=2400, height=1600):
    """A JPEG carrying an EXIF orientation and a GPS position, as phones write them."""
    picture = Image.new("RGB", (width, height), (10, 120, 200))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° to display
    exif[0x8825] = {1: "N", 2: (59.0, 20.0, 0.0)}  # GPS info
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile("phone.jpg", buffer.getvalue(), content_type="image/jpeg")


class RenditionTests(TestCase):
    def setUp(self):
        self.article = make_article(lead_image=photo_with_gps(), lead_image_alt="The harbour")

    def test_renditions_exist_as_soon_as_the_picture_is_saved(self):
        """No reader ever waits for a picture to be resized."""
        for rendition, width in [
            (self.article.lead_image_small, 480),
            (self.article.lead_image_large, 1200),
        ]:
            path = Path(rendition.path)
            self.assertTrue(path.is_file(), path)
            with Image.open(path) as picture:
                self.assertEqual(picture.format, "WEBP")
                # Upright (the EXIF orientation was applied on upload): portrait now.
                self.assertEqual(picture.size[0], width)
                self.assertGreater(picture.size[1], picture.size[0])
                self.assertFalse(picture.getexif().get(0x8825), "GPS position must be stripped")

    def test_the_original_is_upright_and_carries_no_location(self):
        """What readers download is turned upright and has no GPS or camera data."""
        self.article.refresh_from_db()
        self.assertEqual(
            (self.article.lead_image_width, self.article.lead_image_height), (1600, 2400)
        )
        with Image.open(self.article.lead_image.path) as picture:
            self.assertEqual(picture.size, (1600, 2400))
            self.assertEqual(dict(picture.getexif()), {})

    def test_pages_serve_renditions_with_srcset(self):
        story = self.client.get(self.article.get_absolute_url())
        self.assertContains(story, f'src="{self.article.lead_image_large.url}"')
        self.assertContains(
            story,
            f'srcset="{self.article.lead_image_small.url} 480w, {self.article.lead_image_large.url} 1200w"',
        )
        home = self.client.get("/")
        self.assertContains(home, self.article.lead_image_large.url)
        self.assertEqual(self.client.get(self.article.lead_image_small.url).status_code, 200)

    def test_small_pictures_are_not_enlarged(self):
        small = make_article(
            lead_image=SimpleUploadedFile("s.png", _png(300, 200), content_type="image/png"),
            lead_image_alt="Small",
        )
        with Image.open(small.lead_image_large.path) as picture:
            self.assertEqual(picture.size, (300, 200))


def _png(width, height):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (1, 2, 3)).save(buffer, "PNG")
    return buffer.getvalue()
