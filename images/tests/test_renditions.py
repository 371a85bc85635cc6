"""Renditions: sizes, shapes around the focal point, formats, and what pages ask of them."""

import io
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.test import TestCase
from PIL import Image

from images import renditions
from images.models import Picture, Rendition
from images.renditions import ensure, prefetch, set_focal_point, sources, structured_data
from images.uploads import accept

from .picture_files import GREY, MAGENTA, encode, gradient, near, stored_files, upload


def take(data, name="picture.jpg", **fields):
    fields = {"title": "Harbour at dawn", "alt_text": "Boats at the quay"} | fields
    return accept(upload(data, name), **fields)


def decoded(rendition):
    with default_storage.open(rendition.file.name, "rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
        image.load()
    return image


def wide_with_block(size=(1600, 400), at=(0.8, 0.2), block=80):
    """Grey, with a magenta square centred ``at`` (fractions across and down)."""
    image = Image.new("RGB", size, GREY)
    x, y = round(at[0] * size[0]), round(at[1] * size[1])
    image.paste(MAGENTA, (x - block // 2, y - block // 2, x + block // 2, y + block // 2))
    return encode(image, "PNG")


def has_magenta(image):
    return any(near(pixel, MAGENTA, 60) for pixel in image.convert("RGB").get_flattened_data())


class FocalPointTests(TestCase):
    def largest(self, picture, shape):
        return picture.renditions.filter(
            picture_version=picture.version, shape=shape, format="jpeg"
        ).order_by("-width")[0]

    def test_crops_keep_the_focal_point_near_their_centre(self):
        picture = take(wide_with_block(), name="wide.png")
        set_focal_point(picture, 0.8, 0.2)
        for shape, ratio in [("1x1", 1.0), ("16x9", 16 / 9), ("4x3", 4 / 3)]:
            with self.subTest(shape):
                image = decoded(self.largest(picture, shape))
                self.assertAlmostEqual(image.width / image.height, ratio, delta=0.02)
                # Across: the crop is centred on the block as far as the edge allows
                # (the picture's right edge stops the 16:9 crop just past it);
                # down: the crops are the picture's full height, so the block stays
                # 20% down.
                x = image.width // 2 if shape == "1x1" else round(image.width * 0.55)
                pixel = image.getpixel((x, round(image.height * 0.2)))
                self.assertTrue(near(pixel, MAGENTA, 60), pixel)

    def test_without_a_focal_point_the_centre_is_kept_and_the_block_is_cut(self):
        picture = take(wide_with_block(), name="wide.png")
        for shape in ("1x1", "16x9"):
            with self.subTest(shape):
                self.assertFalse(has_magenta(decoded(self.largest(picture, shape))))
        self.assertTrue(has_magenta(decoded(self.largest(picture, "original"))))

    def test_a_focal_point_given_on_upload_is_used_at_once(self):
        picture = take(wide_with_block(), name="wide.png", focal=(0.8, 0.2))
        self.assertTrue(has_magenta(decoded(self.largest(picture, "1x1"))))

    def test_the_crop_box_limits_every_shape(self):
        """With a crop excluding the block, no rendition shows it, not even the original."""
        picture = take(wide_with_block(), name="wide.png")
        set_focal_point(picture, 0.3, 0.5, crop=(0, 0, 1000, 400))
        for rendition in picture.renditions.filter(format="jpeg"):
            self.assertFalse(has_magenta(decoded(rendition)), rendition)
        original = self.largest(picture, "original")
        self.assertEqual((original.width, original.height), (800, 320))

    def test_moving_the_focal_point_replaces_the_renditions(self):
        """A new version; the old version's rows go at once, their files on commit."""
        picture = take(wide_with_block(), name="wide.png")
        old = list(picture.renditions.values_list("file", flat=True))
        with self.captureOnCommitCallbacks(execute=True):
            set_focal_point(picture, 0.8, 0.2)
        picture.refresh_from_db()
        self.assertEqual(picture.version, 2)
        self.assertEqual(set(picture.renditions.values_list("picture_version", flat=True)), {2})
        self.assertEqual(picture.renditions.count(), len(old))
        for name in old:
            self.assertFalse(default_storage.exists(name), name)
        self.assertEqual(len(stored_files()), 1 + len(old))  # the original and the new ones

    def test_setting_the_same_focal_point_again_changes_nothing(self):
        picture = take(wide_with_block(), name="wide.png", focal=(0.8, 0.2))
        files = stored_files()
        set_focal_point(picture, 0.8, 0.2)
        picture.refresh_from_db()
        self.assertEqual(picture.version, 1)
        self.assertEqual(stored_files(), files)

    def test_points_and_crops_outside_the_picture_are_refused(self):
        picture = take(wide_with_block(), name="wide.png")
        for args, crop, code in [
            ((1.2, 0.5), None, "focal_point_outside"),
            ((-0.1, 0.5), None, "focal_point_outside"),
            (("left", 0.5), None, "focal_point_invalid"),
            ((0.5, 0.5), (0, 0, 1700, 400), "crop_outside"),
            ((0.5, 0.5), (500, 0, 400, 400), "crop_outside"),
            ((0.5, 0.5), (0, 0, 100), "crop_invalid"),
            ((0.9, 0.5), (0, 0, 1000, 400), "focal_point_outside_crop"),
        ]:
            with self.subTest(args=args, crop=crop):
                with self.assertRaises(ValidationError) as caught:
                    set_focal_point(picture, *args, crop=crop)
                self.assertEqual(caught.exception.code, code)
        picture.refresh_from_db()
        self.assertEqual((picture.version, picture.focal_x, picture.crop_right), (1, 0.5, None))


def made(picture):
    """{(shape, format): [widths]} of the picture's renditions."""
    found = {}
    for shape, rendition_format, width in picture.renditions.order_by("width").values_list(
        "shape", "format", "width"
    ):
        found.setdefault((shape, rendition_format), []).append(width)
    return found


def planned(original, wide, standard, square):
    """What ``made()`` should give: the original's widths in AVIF, WebP and JPEG, each
    crop's widths in WebP and JPEG only (AVIF takes far too long for every crop)."""
    shapes = {"16x9": wide, "4x3": standard, "1x1": square}
    return {("original", fmt): original for fmt in ("avif", "webp", "jpeg")} | {
        (shape, fmt): widths for shape, widths in shapes.items() for fmt in ("webp", "jpeg")
    }


class SizesAndFormatsTests(TestCase):
    def test_every_rendition_decodes_at_its_recorded_size_and_format(self):
        picture = take(gradient((1100, 700)))
        # The original: every width up to its 1100 px. The crops (16:9 is 1100 × 619,
        # 4:3 933 × 700, 1:1 700 × 700): 480, 800 and 1200 up to their own width.
        self.assertEqual(
            made(picture),
            planned(
                original=[320, 480, 640, 800, 1024],
                wide=[480, 800],
                standard=[480, 800],
                square=[480],
            ),
        )
        formats = {"avif": "AVIF", "webp": "WEBP", "jpeg": "JPEG"}
        rows = list(picture.renditions.all())
        self.assertEqual(len(rows), 5 * 3 + (2 + 2 + 1) * 2)
        for rendition in rows:
            with self.subTest(str(rendition)):
                image = decoded(rendition)
                self.assertEqual(image.format, formats[rendition.format])
                self.assertEqual(image.size, (rendition.width, rendition.height))

    def test_no_rendition_is_wider_than_the_original(self):
        picture = take(gradient((700, 500)))
        self.assertEqual(
            made(picture),
            planned(original=[320, 480, 640], wide=[480], standard=[480], square=[480]),
        )

    def test_a_crop_narrower_than_the_smallest_crop_width_keeps_its_own(self):
        """700 × 300: the 16:9 crop (533 wide) is made at 480, the 4:3 (400 × 300) and
        1:1 (300 × 300) at their own width, never enlarged to 480."""
        picture = take(gradient((700, 300)))
        self.assertEqual(
            made(picture),
            planned(original=[320, 480, 640], wide=[480], standard=[400], square=[300]),
        )
        sizes = set(picture.renditions.values_list("shape", "width", "height"))
        self.assertLessEqual({("16x9", 480, 270), ("4x3", 400, 300), ("1x1", 300, 300)}, sizes)

    def test_a_picture_narrower_than_the_smallest_width_keeps_its_own(self):
        picture = take(gradient((200, 150)))
        # The 1:1 crop of 200 × 150 is 150 wide.
        self.assertEqual(
            made(picture), planned(original=[200], wide=[200], standard=[200], square=[150])
        )
        self.assertEqual(picture.renditions.count(), 3 + 3 * 2)
        # 200 × 113 at most: too small for search engines' rich results.
        self.assertEqual(structured_data(picture), [])

    def test_renditions_are_made_once(self):
        picture = take(gradient((700, 500)))
        count, files = picture.renditions.count(), stored_files()
        self.assertEqual(ensure(picture), 0)
        self.assertEqual(ensure(Picture.objects.get(pk=picture.pk)), 0)
        self.assertEqual(picture.renditions.count(), count)
        self.assertEqual(stored_files(), files)

    def test_a_missing_rendition_is_made_again(self):
        picture = take(gradient((1100, 700)))
        complete = made(picture)
        picture.renditions.filter(shape="4x3", format="webp").delete()
        picture.renditions.filter(shape="original", format="avif", width=640).delete()
        self.assertEqual(ensure(picture), 3)  # 4:3 WebP at 480 and 800, AVIF at 640
        self.assertEqual(made(picture), complete)

    def test_files_go_through_the_default_storage(self):
        picture = take(gradient((400, 300)))
        media = Path(settings.MEDIA_ROOT)
        for rendition in picture.renditions.all():
            self.assertTrue(default_storage.exists(rendition.file.name))
            self.assertTrue((media / rendition.file.name).is_file())
            self.assertTrue(rendition.file.name.startswith(f"pictures/renditions/{picture.pk}/"))
        self.assertEqual(len(stored_files()), 1 + picture.renditions.count())

    def test_transparent_pictures_keep_alpha_except_in_jpeg(self):
        image = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
        image.paste((20, 40, 220, 255), (0, 0, 200, 300))
        picture = take(encode(image, "PNG"), name="logo.png")
        webp = decoded(picture.renditions.get(shape="original", format="webp", width=320))
        self.assertEqual(webp.getpixel((300, 100))[3], 0)
        jpeg = decoded(picture.renditions.get(shape="original", format="jpeg", width=320))
        self.assertTrue(near(jpeg.getpixel((300, 100)), (255, 255, 255), 10))


class StructuredDataTests(TestCase):
    def test_the_three_crops_are_large_enough_for_search_engines(self):
        picture = take(gradient((1600, 1200)))
        urls = structured_data(picture)
        self.assertEqual(len(urls), 3)
        by_url = {rendition.file.url: rendition for rendition in picture.renditions.all()}
        for url, shape in zip(urls, ["16x9", "4x3", "1x1"], strict=True):
            with self.subTest(shape):
                self.assertTrue(url.startswith(settings.MEDIA_URL), url)
                rendition = by_url[url]
                self.assertEqual((rendition.shape, rendition.format), (shape, "jpeg"))
                image = decoded(rendition)
                self.assertGreaterEqual(image.width * image.height, 50_000)
        # The largest crop width, 1200: 1200 × 675, 1200 × 900 and 1200 × 1200.
        self.assertEqual(
            [(by_url[url].width, by_url[url].height) for url in urls],
            [(1200, 675), (1200, 900), (1200, 1200)],
        )

    def test_a_crop_under_fifty_thousand_pixels_is_left_out(self):
        """300 × 200: 16:9 is 300 × 169 (50,700 px), 4:3 267 × 200 (53,400 px), both
        kept at their own width; 1:1 is 200 × 200 (40,000 px), too small."""
        picture = take(gradient((300, 200)))
        by_url = {rendition.file.url: rendition for rendition in picture.renditions.all()}
        self.assertEqual(
            [
                (by_url[url].shape, by_url[url].width, by_url[url].height)
                for url in structured_data(picture)
            ],
            [("16x9", 300, 169), ("4x3", 267, 200)],
        )


class SourcesTests(TestCase):
    def test_sources_give_srcsets_in_every_format(self):
        picture = take(gradient((1100, 700)))
        found = sources(picture)
        self.assertEqual((found["width"], found["height"]), (1024, 652))
        for key in ("avif", "webp", "jpeg"):
            entries = found[key].split(", ")
            self.assertEqual(
                [entry.rsplit(" ", 1)[1] for entry in entries],
                ["320w", "480w", "640w", "800w", "1024w"],
            )
            self.assertTrue(all(entry.startswith(settings.MEDIA_URL) for entry in entries))
        self.assertTrue(found["fallback"].endswith("-original-800.jpg"), found["fallback"])
        self.assertEqual(sources(Picture(title="never made"), "1x1"), {})

    def test_crops_have_webp_and_jpeg_srcsets_and_no_avif(self):
        picture = take(gradient((1100, 700)))
        standard = sources(picture, "4x3")  # 933 × 700: 480 and 800
        self.assertEqual((standard["width"], standard["height"]), (800, 600))
        self.assertEqual(standard["avif"], "")
        for key, extension in (("webp", "webp"), ("jpeg", "jpg")):
            entries = standard[key].split(", ")
            self.assertEqual([entry.rsplit(" ", 1)[1] for entry in entries], ["480w", "800w"])
            for entry in entries:
                self.assertTrue(entry.startswith(settings.MEDIA_URL), entry)
                self.assertIn("-4x3-", entry)
                self.assertTrue(entry.split(" ")[0].endswith(f".{extension}"), entry)
        self.assertTrue(standard["fallback"].endswith("-4x3-800.jpg"), standard["fallback"])
        square = sources(picture, "1x1")
        self.assertEqual((square["width"], square["height"]), (480, 480))
        self.assertEqual(square["avif"], "")
        self.assertEqual(len(square["webp"].split(", ")), 1)

    def test_one_query_for_a_pictures_renditions(self):
        take(gradient((700, 500)))
        picture = Picture.objects.get()
        with self.assertNumQueries(1):  # the picture's current renditions
            sources(picture)
            sources(picture, "16x9")
            sources(picture, "1x1")
            structured_data(picture)

    def test_prefetch_loads_many_pictures_in_one_query(self):
        for number in range(5):
            take(gradient((400, 300)), title=f"Picture {number}")
        pictures = list(Picture.objects.all())
        with self.assertNumQueries(1):  # renditions of all five pictures
            prefetch([*pictures, None])
            for picture in pictures:
                original, standard = sources(picture), sources(picture, "4x3")
                self.assertTrue(all(original[key] for key in ("avif", "webp", "jpeg")))
                self.assertEqual(standard["avif"], "")
                self.assertTrue(standard["webp"] and standard["jpeg"])

    def test_sources_follow_a_new_focal_point(self):
        picture = take(wide_with_block(), name="wide.png")
        before = sources(picture, "1x1")["fallback"]
        set_focal_point(picture, 0.8, 0.2)
        after = sources(picture, "1x1")["fallback"]
        self.assertNotEqual(before, after)
        self.assertIn("-v2-", after)


class RebuildCommandTests(TestCase):
    # A 400 × 300 or 401 × 300 picture: the original at 320 in three formats, and its
    # 16:9, 4:3 and 1:1 crops (400, 400 and 300 wide) at their own width in WebP and JPEG.
    PER_PICTURE = 3 + 3 * 2

    def run_command(self, *args):
        out, err = StringIO(), StringIO()
        call_command("rebuild_renditions", *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    def test_missing_renditions_are_made_with_a_summary(self):
        first = take(gradient((400, 300)), title="First")
        take(gradient((401, 300)), title="Second")
        first.renditions.filter(format="webp").delete()
        out, err = self.run_command()
        # One WebP per shape.
        self.assertIn("4 renditions made for 1 of 2 pictures; 1 already complete, 0 failed.", out)
        self.assertIn("2/2", err)  # the progress bar
        self.assertEqual(first.renditions.filter(format="webp").count(), 4)

    def test_one_picture_only(self):
        first = take(gradient((400, 300)), title="First")
        second = take(gradient((401, 300)), title="Second")
        Rendition.objects.all().delete()
        out, _ = self.run_command("--picture", str(second.pk))
        self.assertIn(f"{self.PER_PICTURE} renditions made for 1 of 1 pictures", out)
        self.assertFalse(first.renditions.exists())
        with self.assertRaisesMessage(CommandError, "No picture with id 999"):
            self.run_command("--picture", "999")

    def test_remake_gives_new_files_under_new_urls(self):
        picture = take(gradient((400, 300)))
        before = set(picture.renditions.values_list("file", flat=True))
        with self.captureOnCommitCallbacks(execute=True):
            out, _ = self.run_command("--remake")
        after = set(picture.renditions.values_list("file", flat=True))
        self.assertEqual(len(after), self.PER_PICTURE)
        self.assertFalse(before & after)
        self.assertFalse(any(default_storage.exists(name) for name in before))

    def test_an_unreadable_original_is_reported_and_the_rest_made(self):
        broken = take(gradient((400, 300)), title="Broken")
        fine = take(gradient((401, 300)), title="Fine")
        Rendition.objects.all().delete()
        default_storage.delete(broken.file.name)
        with default_storage.open(broken.file.name, "wb") as stored:
            stored.write(b"not a picture any more")
        with self.assertRaisesMessage(CommandError, f"Failed: {broken.pk}."):
            self.run_command()
        self.assertEqual(fine.renditions.count(), self.PER_PICTURE)
        self.assertEqual(renditions.ensure(fine), 0)
