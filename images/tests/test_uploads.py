"""Uploads into the picture library: what is refused, and what the stored original is."""

import io

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.test import TestCase, override_settings
from PIL import Image

from images.models import Picture, Rendition
from images.uploads import accept, validate
from newsroom.storage import StorageUnavailable

from .picture_files import (
    BLUE,
    GREEN,
    RED,
    encode,
    gif_with_comment,
    icc_profile_swapping_red_and_green,
    jpeg_with_comment,
    near,
    photo,
    png_claiming,
    png_with_text,
    solid,
    stored_files,
    upload,
    zip_archive,
)


def take(data, name="picture.jpg", **fields):
    fields = {"title": "Harbour at dawn", "alt_text": "Boats at the quay"} | fields
    return accept(upload(data, name), **fields)


def open_stored(name):
    with default_storage.open(name, "rb") as stored:
        data = stored.read()
    return data, Image.open(io.BytesIO(data))


class RefusedTests(TestCase):
    def assertRefused(self, data, code, name="picture.jpg", message=None):
        """Refused by validate() and by accept(), with nothing left behind."""
        with self.assertRaises(ValidationError) as caught:
            validate(upload(data, name))
        self.assertEqual(caught.exception.code, code)
        with self.assertRaises(ValidationError) as caught:
            take(data, name)
        self.assertEqual(caught.exception.code, code)
        if message:
            self.assertIn(message, caught.exception.messages[0])
        self.assertFalse(Picture.objects.exists())
        self.assertFalse(Rendition.objects.exists())
        self.assertEqual(stored_files(), [])

    def test_a_text_file_named_jpg_is_refused(self):
        self.assertRefused(
            b"Dear editor, here is my letter.\n" * 20, "image_unreadable", message="JPEG, PNG"
        )

    def test_formats_we_do_not_take_are_refused_by_content(self):
        """A BMP or TIFF is a picture, but not one we store (their decoders never run)."""
        for fmt in ("BMP", "TIFF", "ICO"):
            with self.subTest(fmt):
                self.assertRefused(solid((64, 64), RED, fmt), "image_unreadable")

    def test_svg_is_refused_with_a_reason(self):
        for svg in [
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            b'<?xml version="1.0"?>\n<!-- drawn -->\n<svg width="10" height="10"/>',
        ]:
            with self.subTest(svg=svg[:20]):
                self.assertRefused(svg, "image_svg", name="logo.png", message="SVG")

    def test_empty_file_is_refused(self):
        self.assertRefused(b"", "image_empty")

    @override_settings(NEWSROOM_IMAGE_MAX_BYTES=50_000)
    def test_a_file_over_the_byte_cap_is_refused(self):
        data = photo((640, 480))
        self.assertGreater(len(data), 50_000)
        self.assertRefused(data, "image_too_large", message="the limit is")

    def test_a_decompression_bomb_header_is_refused_before_decoding(self):
        """30,000 × 30,000 pixels claimed by a file of a few hundred bytes."""
        self.assertRefused(png_claiming(30_000, 30_000), "image_too_many_pixels", name="a.png")

    @override_settings(NEWSROOM_IMAGE_MAX_PIXELS=100_000)
    def test_a_picture_over_the_pixel_cap_is_refused(self):
        self.assertRefused(solid((400, 300)), "image_too_many_pixels", message="400×300")

    def test_truncated_jpeg_and_png_are_refused(self):
        for fmt in ("JPEG", "PNG"):
            data = photo((320, 240), fmt)
            with self.subTest(fmt):
                self.assertRefused(data[: len(data) // 2], "image_damaged", message="damaged")

    def test_corrupt_data_is_refused(self):
        jpeg = bytearray(photo((320, 240)))
        jpeg[600:2000] = b"\xab" * 1400  # the Huffman tables and the start of the scan
        png = bytearray(photo((320, 240), "PNG"))
        png[200:400] = b"\xab" * 200  # compressed pixel data that no longer inflates
        for name, data in [("jpeg", jpeg), ("png", png)]:
            with self.subTest(name):
                self.assertRefused(bytes(data), "image_damaged")

    def test_a_jpeg_with_an_archive_or_a_page_after_its_end_is_refused(self):
        """Polyglots: still a picture to a browser, also a ZIP to unzip or a page."""
        for payload in [zip_archive(), b"<html><script>alert(document.cookie)</script></html>"]:
            with self.subTest(payload=payload[:4]):
                self.assertRefused(photo((200, 150)) + payload, "image_polyglot")

    def test_a_png_with_an_archive_after_iend_is_refused(self):
        self.assertRefused(solid((80, 60), BLUE, "PNG") + zip_archive(), "image_polyglot")

    def test_a_gif_carrying_a_script_is_refused(self):
        """In a comment, or after the GIF's trailer (the GIF/JavaScript polyglot)."""
        self.assertRefused(gif_with_comment(b"<script>alert(1)</script>"), "image_polyglot")
        self.assertRefused(
            solid((80, 60), GREEN, "GIF") + b"*/=alert(document.domain);//", "image_polyglot"
        )

    def test_markup_in_metadata_is_refused(self):
        self.assertRefused(png_with_text(b"<iframe src=//evil.example>"), "image_polyglot")
        self.assertRefused(jpeg_with_comment(b"<?php system($_GET['c']); ?>"), "image_polyglot")

    def test_nothing_is_stored_when_the_picture_cannot_be_saved(self):
        """A failure after the original was stored (here: renditions cannot be written)
        leaves no picture and removes the original."""
        default_storage.save("pictures/renditions", io.BytesIO(b"a file where a folder goes"))
        with self.assertRaises(StorageUnavailable):
            take(photo((400, 300)))
        self.assertFalse(Picture.objects.exists())
        self.assertFalse(Rendition.objects.exists())
        self.assertEqual(
            [path.name for path in stored_files()], ["renditions"], "only the blocking file"
        )

    def test_a_title_too_long_stores_nothing(self):
        with self.assertRaises(ValidationError):
            take(photo((400, 300)), title="x" * 201)
        self.assertEqual(stored_files(), [])


class AcceptedTests(TestCase):
    def test_a_png_named_jpg_is_taken_for_what_it_is(self):
        picture = take(solid((400, 300), BLUE, "PNG"), name="harbour.jpg")
        self.assertTrue(picture.file.name.endswith(".png"), picture.file.name)
        _, stored = open_stored(picture.file.name)
        self.assertEqual(stored.format, "PNG")
        self.assertEqual((picture.width, picture.height), (400, 300))

    def test_webp_and_avif_are_taken(self):
        for fmt in ("WEBP", "AVIF"):
            with self.subTest(fmt):
                picture = take(solid((360, 240), GREEN, fmt), name=f"x.{fmt.lower()}")
                _, stored = open_stored(picture.file.name)
                self.assertEqual(stored.size, (360, 240))
                self.assertTrue(near(stored.getpixel((100, 100)), GREEN))

    def test_phone_photo_is_stored_upright_without_exif_gps_or_xmp(self):
        """EXIF Orientation 6 (turn 90° clockwise to view) is applied, then every
        piece of metadata is dropped: readers never learn where it was taken."""
        image = Image.new("RGB", (300, 200), BLUE)
        image.paste(RED, (0, 0, 150, 200))  # left half red: the top once turned
        exif = Image.Exif()
        exif[0x0112] = 6
        exif[0x010F] = "PhoneMaker"
        exif[0x8825] = {1: "N", 2: (59.0, 20.0, 0.0), 3: "E", 4: (18.0, 4.0, 0.0)}
        xmp = (
            b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>SecretLocationXMP</rdf:RDF></x:xmpmeta>'
        )
        picture = take(encode(image, "JPEG", exif=exif, xmp=xmp, quality=95))

        self.assertEqual((picture.width, picture.height), (200, 300))
        data, stored = open_stored(picture.file.name)
        self.assertEqual(stored.size, (200, 300))
        self.assertTrue(near(stored.getpixel((100, 40)), RED), stored.getpixel((100, 40)))
        self.assertTrue(near(stored.getpixel((100, 260)), BLUE), stored.getpixel((100, 260)))
        self.assertEqual(dict(stored.getexif()), {})
        self.assertNotIn("xmp", stored.info)
        self.assertNotIn("exif", stored.info)
        for secret in (b"PhoneMaker", b"SecretLocationXMP", b"Exif\x00\x00", b"GPS"):
            self.assertNotIn(secret, data)

    def test_comments_and_text_chunks_are_neutralised(self):
        """Harmless-looking metadata is not refused, but never reaches storage: the
        original and every rendition are re-encoded from pixels alone."""
        marker = b"photographer-notes-QX7-hidden-payload"
        jpeg = take(jpeg_with_comment(marker), name="a.jpg")
        png = take(png_with_text(marker), name="b.png")
        for picture in (jpeg, png):
            self.assertGreater(picture.renditions.count(), 0)
        for path in stored_files():
            self.assertNotIn(marker, path.read_bytes(), path)

    def test_phone_pictures_with_extra_jpegs_appended_are_taken(self):
        """Multi-picture JPEGs (depth maps, HDR gain maps after the first image) are
        ordinary phone output: taken, and only the first image stored."""
        picture = take(solid((320, 240), RED) + solid((160, 120), BLUE))
        data, stored = open_stored(picture.file.name)
        self.assertEqual(stored.size, (320, 240))
        self.assertEqual(data.count(b"\xff\xd8"), 1)

    def test_cmyk_ends_in_srgb(self):
        cmyk = Image.new("CMYK", (200, 150), (0, 255, 255, 0))  # red ink
        picture = take(encode(cmyk, "JPEG"))
        _, stored = open_stored(picture.file.name)
        self.assertEqual(stored.mode, "RGB")
        red, green, blue = stored.getpixel((50, 50))
        self.assertGreater(red, 200)
        self.assertLess(max(green, blue), 60)

    def test_a_non_srgb_profile_is_converted_to_srgb(self):
        """Pixels saved as pure red under a profile whose red primary is green: the
        stored picture (no profile, so sRGB) shows green, as the profile meant."""
        icc = icc_profile_swapping_red_and_green()
        picture = take(encode(Image.new("RGB", (200, 150), (255, 0, 0)), "PNG", icc_profile=icc))
        _, stored = open_stored(picture.file.name)
        self.assertNotIn("icc_profile", stored.info)
        self.assertTrue(near(stored.getpixel((10, 10)), (0, 255, 0), 10), stored.getpixel((10, 10)))

    def test_an_animated_gif_is_stored_as_its_first_frame(self):
        frames = [Image.new("RGB", (120, 90), colour) for colour in (RED, BLUE)]
        data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
        picture = take(data, name="anim.gif")
        raw, stored = open_stored(picture.file.name)
        self.assertEqual(stored.format, "PNG")
        self.assertFalse(getattr(stored, "is_animated", False))
        self.assertTrue(near(stored.getpixel((60, 45)), RED))
        self.assertNotIn(b"GIF89a", raw)

    def test_the_same_file_twice_is_one_picture(self):
        data = photo((400, 300))
        first = take(data, title="First")
        files = stored_files()
        again = take(data, name="copy.jpg", title="Second")
        self.assertEqual(again.pk, first.pk)
        self.assertEqual(Picture.objects.count(), 1)
        self.assertEqual(stored_files(), files)

    def test_what_the_editor_typed_and_the_renditions_are_kept(self):
        picture = take(
            photo((700, 500)),
            caption="At dawn",
            credit="Jo Lens",
            usage_note="Staff photo",
            tags=["harbour", "boats"],
            focal=(0.25, 0.75),
        )
        picture.refresh_from_db()
        self.assertEqual(
            (picture.caption, picture.credit, picture.focal_x, picture.focal_y),
            ("At dawn", "Jo Lens", 0.25, 0.75),
        )
        self.assertEqual(sorted(picture.tags.names()), ["boats", "harbour"])
        self.assertEqual(len(picture.sha256), 64)
        # 700 × 500: the original at 320, 480 and 640 in three formats, each crop at 480
        # in WebP and JPEG (no AVIF: too slow to encode while the editor waits).
        self.assertEqual(
            sorted(picture.renditions.values_list("shape", "format", "width")),
            sorted(
                [
                    ("original", fmt, width)
                    for fmt in ("avif", "webp", "jpeg")
                    for width in (320, 480, 640)
                ]
                + [
                    (shape, fmt, 480)
                    for shape in ("16x9", "4x3", "1x1")
                    for fmt in ("webp", "jpeg")
                ]
            ),
        )

    def test_content_credentials_are_read_from_the_original(self):
        """Credentials are read before normalising drops them, and renditions carry
        the XMP note pointing back at the credentialed original."""
        from .c2pa_helpers import signed_jpeg

        picture = take(signed_jpeg(author="Jane Doe"), name="signed.jpg")
        self.assertIsNotNone(picture.credentials)
        self.assertIn("Jane Doe", picture.credentials_summary)
        rendition = picture.renditions.filter(format="webp").first()
        with default_storage.open(rendition.file.name, "rb") as stored:
            self.assertIn(picture.sha256.encode(), stored.read())
        plain = take(photo((400, 300)))
        rendition = plain.renditions.filter(format="webp").first()
        with default_storage.open(rendition.file.name, "rb") as stored:
            self.assertNotIn(b"originalSha256", stored.read())
