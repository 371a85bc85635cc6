"""Lead pictures from the library: renditions made on upload, served to readers."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from PIL import Image

from images import uploads

from .factories import make_article


def photo_with_gps(width=960, height=640):
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
        picture = uploads.accept(photo_with_gps(), title="Harbour", alt_text="The harbour")
        self.article = make_article(lead_picture=picture)

    def test_renditions_exist_as_soon_as_the_picture_is_saved(self):
        """No reader ever waits for a picture to be resized: upright, without GPS."""
        renditions = self.article.lead_picture.renditions.filter(shape="original")
        self.assertEqual(
            {(r.format, r.width) for r in renditions},
            {(f, w) for f in ("avif", "webp", "jpeg") for w in (320, 480, 640)},
        )
        for rendition in renditions.filter(format="jpeg"):
            with rendition.file.open("rb"), Image.open(rendition.file) as picture:
                self.assertGreater(picture.size[1], picture.size[0])  # portrait now
                self.assertFalse(picture.getexif().get(0x8825), "GPS position must be stripped")

    def test_pages_serve_renditions_in_every_format(self):
        story = self.client.get(self.article.get_absolute_url()).content.decode()
        home = self.client.get("/").content.decode()
        for page in (story, home):
            self.assertIn('<source type="image/avif" srcset="', page)
            self.assertIn('<source type="image/webp" srcset="', page)
        rendition = self.article.lead_picture.renditions.filter(format="avif").first()
        self.assertIn(rendition.file.url, story)
        self.assertEqual(self.client.get(rendition.file.url).status_code, 200)

    def test_small_pictures_are_not_enlarged(self):
        buffer = io.BytesIO()
        Image.new("RGB", (300, 200), (1, 2, 3)).save(buffer, "PNG")
        upload = SimpleUploadedFile("s.png", buffer.getvalue(), content_type="image/png")
        small = make_article(lead_picture=uploads.accept(upload, title="S", alt_text="Small"))
        page = self.client.get(small.get_absolute_url()).content.decode()
        self.assertIn('width="300" height="200"', page)
        self.assertEqual(
            {r.width for r in small.lead_picture.renditions.filter(shape="original")}, {300}
        )
