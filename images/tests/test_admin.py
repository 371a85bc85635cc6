"""The picture library in the admin: listing, search, filters, where used, uploads,
the focal point, the crop box and who may do what."""

import io
import itertools
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from PIL import Image

from images import renditions, uploads, usage
from images.models import Picture

from .picture_files import BLUE, RED, encode, near

CHANGELIST = reverse("admin:images_picture_changelist")
ADD_URL = reverse("admin:images_picture_add")
BULK_URL = reverse("admin:images_picture_bulk_upload")
UPLOAD_ONE_URL = reverse("admin:images_picture_upload_one")

_numbers = itertools.count(1)


def image_file(name="photo.png", size=(480, 320), fmt="PNG"):
    """A real picture file, a different one each time (so uploads never dedupe)."""
    n = next(_numbers)
    image = Image.new("RGB", size, ((n * 37) % 256, (n * 91) % 256, (n * 53) % 256))
    image.putpixel((n % size[0], 0), (255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def make_picture(**overrides):
    fields = {"title": "Harbour at dawn", "alt_text": "Fishing boats in a misty harbour"}
    fields |= overrides
    return uploads.accept(fields.pop("file", None) or image_file(), **fields)


def make_user(username, *, groups=(), superuser=False):
    user = get_user_model().objects.create_user(
        username, password="pw", is_staff=True, is_superuser=superuser
    )
    user.groups.set(Group.objects.filter(name__in=groups))
    return user


def change_url(picture):
    return reverse("admin:images_picture_change", args=[picture.pk])


class LibraryListTests(TestCase):
    def setUp(self):
        self.client.force_login(make_user("eda", groups=["Editors"]))

    def test_list_shows_thumbnail_title_credit_and_credentials(self):
        """Each picture shows as a small rendition with its title, credit and, when it
        carries them, its content credentials."""
        picture = make_picture(title="Harbour at dawn", credit="Ana Lima / Staff")
        Picture.objects.filter(pk=picture.pk).update(
            credentials_summary="Made with Adobe Photoshop by Jane Doe"
        )
        plain = make_picture(title="Council chamber", credit="")
        smallest = (
            picture.renditions.filter(
                picture_version=picture.version, shape="original", format="jpeg"
            )
            .order_by("width")
            .first()
        )
        self.assertIsNotNone(smallest, "accept() made no JPEG rendition")
        response = self.client.get(CHANGELIST)
        self.assertContains(response, f'src="{smallest.file.url}"')
        self.assertNotContains(response, f'src="{picture.file.url}"')
        self.assertContains(response, "Harbour at dawn")
        self.assertContains(response, "Ana Lima / Staff")
        self.assertContains(response, "Content credentials", count=2)  # column + one picture
        self.assertContains(response, "Made with Adobe Photoshop by Jane Doe")
        self.assertContains(response, plain.title)

    def test_thumbnail_falls_back_to_the_original(self):
        """A picture whose renditions are not made yet shows its original, scaled."""
        picture = make_picture()
        picture.renditions.all().delete()
        response = self.client.get(CHANGELIST)
        self.assertContains(response, f'src="{picture.file.url}"')

    def test_search_by_title_alt_caption_credit_and_tag(self):
        harbour = make_picture(
            title="Harbour at dawn",
            alt_text="Boats moored in fog",
            caption="The fleet stayed in",
            credit="Ana Lima",
            tags=["weather"],
        )
        other = make_picture(title="Council chamber", alt_text="Empty seats")
        for words in ["harbour", "moored", "fleet", "lima", "weather"]:
            with self.subTest(words=words):
                response = self.client.get(CHANGELIST, {"q": words})
                self.assertContains(response, harbour.title)
                self.assertNotContains(response, other.title)

    def test_filter_by_tag(self):
        tagged = make_picture(title="Storm surge", tags=["weather"])
        make_picture(title="Budget speech", tags=["politics"])
        tag = tagged.tags.get()
        response = self.client.get(CHANGELIST, {"tags__id__exact": tag.pk})
        self.assertContains(response, "Storm surge")
        self.assertNotContains(response, "Budget speech")

    def test_used_and_unused_filter(self):
        """ "Used" lists pictures something uses (a registered provider here);
        "Not used anywhere" the others."""
        used = make_picture(title="On the front page")
        unused = make_picture(title="Never published")
        provider = usage.register(
            lambda picture: [Group.objects.get(name="Editors")] if picture.pk == used.pk else [],
            in_use=lambda: {used.pk},
        )
        self.addCleanup(usage.unregister, provider)
        response = self.client.get(CHANGELIST, {"used": "yes"})
        self.assertContains(response, used.title)
        self.assertNotContains(response, unused.title)
        response = self.client.get(CHANGELIST, {"used": "no"})
        self.assertContains(response, unused.title)
        self.assertNotContains(response, used.title)

    def test_used_filter_asks_a_provider_without_bulk_answer(self):
        used = make_picture(title="On the front page")
        unused = make_picture(title="Never published")
        provider = usage.register(
            lambda picture: [Group.objects.get(name="Editors")] if picture.pk == used.pk else []
        )
        self.addCleanup(usage.unregister, provider)
        response = self.client.get(CHANGELIST, {"used": "no"})
        self.assertContains(response, unused.title)
        self.assertNotContains(response, used.title)

    def test_pictures_missing_alt_text_are_marked(self):
        """A bulk-uploaded picture has no alt text yet: the list says so and can show
        only those."""
        bare = make_picture(title="From the camera")
        Picture.objects.filter(pk=bare.pk).update(alt_text="")
        described = make_picture(title="Described", alt_text="A described picture")
        response = self.client.get(CHANGELIST)
        self.assertContains(response, "Needs alt text", count=1)
        response = self.client.get(CHANGELIST, {"alt": "missing"})
        self.assertContains(response, bare.title)
        self.assertNotContains(response, described.title)


class WhereUsedTests(TestCase):
    def setUp(self):
        self.client.force_login(make_user("eda", groups=["Editors"]))

    def test_change_page_links_to_every_use(self):
        picture = make_picture()
        desk = Group.objects.create(name="Night desk")
        provider = usage.register(lambda p: [desk] if p.pk == picture.pk else [])
        self.addCleanup(usage.unregister, provider)
        response = self.client.get(change_url(picture))
        group_url = reverse("admin:auth_group_change", args=[desk.pk])
        self.assertContains(response, f'<a href="{group_url}">Night desk</a>', html=True)

    def test_unused_picture_says_so(self):
        response = self.client.get(change_url(make_picture()))
        self.assertContains(response, "Not used anywhere yet.")


class UploadFormTests(TestCase):
    def setUp(self):
        self.editor = make_user("eda", groups=["Editors"])
        self.client.force_login(self.editor)

    def post(self, file, **overrides):
        data = {
            "file": file,
            "title": "Flooded high street",
            "alt_text": "Water up to the shop windows",
            "caption": "The river rose overnight",
            "credit": "Sam Field",
            "usage_note": "Staff photo, all uses",
            "tags": "floods, weather",
            "_save": "Save",
        } | overrides
        return self.client.post(ADD_URL, data)

    def test_upload_goes_through_accept_and_keeps_the_description(self):
        response = self.post(image_file("flood.png"))
        picture = Picture.objects.get()
        self.assertRedirects(response, change_url(picture))
        self.assertEqual(picture.title, "Flooded high street")
        self.assertEqual(picture.alt_text, "Water up to the shop windows")
        self.assertEqual(picture.credit, "Sam Field")
        self.assertEqual(picture.uploaded_by, self.editor)
        self.assertEqual(sorted(picture.tags.names()), ["floods", "weather"])
        self.assertEqual(len(picture.sha256), 64)  # accept() ran: the digest is kept
        self.assertTrue(picture.renditions.exists())

    def test_empty_title_takes_the_file_name(self):
        self.post(image_file("harbour_at-dawn.png"), title="")
        self.assertEqual(Picture.objects.get().title, "harbour at dawn")

    def test_refused_file_comes_back_with_the_message_and_the_typing_kept(self):
        svg = SimpleUploadedFile(
            "logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "image/png"
        )
        response = self.post(svg)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Picture.objects.exists())
        errors = response.context["adminform"].form.errors["file"]
        self.assertTrue(errors)
        for message in errors:
            self.assertContains(response, message)
        for typed in [
            "Flooded high street",
            "Water up to the shop windows",
            "The river rose overnight",
            "Sam Field",
            "Staff photo, all uses",
        ]:
            self.assertContains(response, typed)

    def test_a_fake_jpeg_is_refused(self):
        fake = SimpleUploadedFile("photo.jpg", b"GIF89a this is not a jpeg at all", "image/jpeg")
        response = self.post(fake)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["adminform"].form.errors["file"])
        self.assertFalse(Picture.objects.exists())

    def test_storage_failure_is_a_message_not_a_500(self):
        """When media storage cannot be written the form comes back saying so."""
        with tempfile.TemporaryDirectory() as folder:
            # A file where the media folder should be: nothing can be stored below it.
            blocker = Path(folder) / "not-a-folder"
            blocker.write_text("")
            with self.settings(MEDIA_ROOT=blocker):
                response = self.post(image_file())
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "could not be stored just now")
        self.assertContains(response, "Flooded high street")
        self.assertFalse(Picture.objects.exists())

    def test_the_same_file_twice_is_one_picture(self):
        file = image_file()
        data = file.read()
        self.post(SimpleUploadedFile("a.png", data, "image/png"))
        response = self.client.post(
            ADD_URL,
            {"file": SimpleUploadedFile("b.png", data, "image/png"), "alt_text": "Again"},
            follow=True,
        )
        self.assertEqual(Picture.objects.count(), 1)
        self.assertContains(response, "already in the library")


class BulkUploadTests(TestCase):
    def setUp(self):
        self.writer = make_user("wri", groups=["Writers"])
        self.client.force_login(self.writer)

    def test_page_offers_several_files_at_once(self):
        response = self.client.get(BULK_URL)
        self.assertContains(response, 'type="file"')
        self.assertContains(response, "multiple")
        self.assertContains(response, "images/bulk-upload.js")
        self.assertContains(response, "csrfmiddlewaretoken")

    def test_each_file_becomes_a_picture_titled_by_its_name(self):
        response = self.client.post(UPLOAD_ONE_URL, {"file": image_file("town_hall.png")})
        self.assertEqual(response.status_code, 201)
        picture = Picture.objects.get()
        answer = response.json()
        self.assertEqual(answer["url"], change_url(picture))
        self.assertEqual(picture.title, "town hall")
        self.assertEqual(picture.alt_text, "")
        self.assertTrue(answer["needs_alt_text"])
        self.assertEqual(picture.uploaded_by, self.writer)

    def test_a_refused_file_answers_with_the_message(self):
        response = self.client.post(
            UPLOAD_ONE_URL,
            {"file": SimpleUploadedFile("notes.jpg", b"just some text", "image/jpeg")},
        )
        self.assertEqual(response.status_code, 400)
        self.assertTrue(response.json()["error"])
        self.assertFalse(Picture.objects.exists())

    def test_uploads_need_csrf(self):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(self.writer)
        response = client.post(UPLOAD_ONE_URL, {"file": image_file()})
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Picture.objects.exists())


class FocalPointTests(TestCase):
    def setUp(self):
        self.client.force_login(make_user("eda", groups=["Editors"]))

    def form(self, picture, **overrides):
        return {
            "title": picture.title,
            "alt_text": picture.alt_text,
            "caption": picture.caption,
            "credit": picture.credit,
            "usage_note": picture.usage_note,
            "tags": "",
            "focal_x": picture.focal_x,
            "focal_y": picture.focal_y,
            "_save": "Save",
        } | overrides

    def test_change_page_has_the_picker(self):
        picture = make_picture()
        response = self.client.get(change_url(picture))
        self.assertContains(response, "data-focal-picker")
        self.assertContains(response, 'type="hidden" name="focal_x"')
        self.assertContains(response, 'type="hidden" name="focal_y"')
        self.assertContains(response, "images/focal-point.js")
        self.assertContains(response, f'src="{picture.file.url}"')

    def test_saving_a_new_focal_point_rebuilds_the_renditions(self):
        picture = make_picture()
        response = self.client.post(
            change_url(picture), self.form(picture, focal_x=0.2, focal_y=0.7)
        )
        self.assertRedirects(response, CHANGELIST)
        picture.refresh_from_db()
        self.assertEqual((picture.focal_x, picture.focal_y), (0.2, 0.7))
        self.assertEqual(picture.version, 2)
        self.assertTrue(picture.renditions.filter(picture_version=2).exists())
        self.assertFalse(picture.renditions.filter(picture_version=1).exists())

    def test_changing_only_words_keeps_the_renditions(self):
        picture = make_picture()
        self.client.post(change_url(picture), self.form(picture, caption="New caption"))
        picture.refresh_from_db()
        self.assertEqual(picture.caption, "New caption")
        self.assertEqual(picture.version, 1)

    def test_alt_text_is_required_to_save(self):
        picture = make_picture()
        response = self.client.post(change_url(picture), self.form(picture, alt_text=""))
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["adminform"].form.errors["alt_text"])

    def test_focal_point_outside_the_picture_is_refused(self):
        picture = make_picture()
        response = self.client.post(change_url(picture), self.form(picture, focal_x=1.5))
        self.assertEqual(response.status_code, 200)
        picture.refresh_from_db()
        self.assertEqual(picture.focal_x, 0.5)


def halves_file(size=(480, 320)):
    """Red on the left half, blue on the right."""
    image = Image.new("RGB", size, RED)
    image.paste(BLUE, (size[0] // 2, 0, size[0], size[1]))
    return SimpleUploadedFile("halves.png", encode(image, "PNG"), content_type="image/png")


def decoded(rendition):
    with rendition.file.open("rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
        image.load()
    return image.convert("RGB")


def current_jpegs(picture, shape=None):
    renditions_ = picture.renditions.filter(picture_version=picture.version, format="jpeg")
    return renditions_.filter(shape=shape) if shape else renditions_


def colours(image):
    """How many pixels are near red and near blue."""
    pixels = list(image.get_flattened_data())
    return (
        sum(near(pixel, RED, 60) for pixel in pixels),
        sum(near(pixel, BLUE, 60) for pixel in pixels),
    )


class CropTests(TestCase):
    """The crop box drawn on the picker arrives in four hidden fields (pixels of the
    original); the form checks them with ``renditions.check_focal_point``."""

    def setUp(self):
        self.client.force_login(make_user("eda", groups=["Editors"]))
        self.picture = make_picture(file=halves_file())

    def form(self, **overrides):
        picture = self.picture
        return {
            "title": picture.title,
            "alt_text": picture.alt_text,
            "caption": picture.caption,
            "credit": picture.credit,
            "usage_note": picture.usage_note,
            "tags": "",
            "focal_x": picture.focal_x,
            "focal_y": picture.focal_y,
            "crop_left": "",
            "crop_top": "",
            "crop_right": "",
            "crop_bottom": "",
            "_save": "Save",
        } | overrides

    def right_half(self, **overrides):
        crop = {"crop_left": 240, "crop_top": 0, "crop_right": 480, "crop_bottom": 320}
        return self.form(**{"focal_x": 0.75, "focal_y": 0.5} | crop | overrides)

    def test_change_page_has_the_crop_tools(self):
        response = self.client.get(change_url(self.picture))
        for side in ["left", "top", "right", "bottom"]:
            self.assertContains(response, f'type="hidden" name="crop_{side}"')
        self.assertContains(response, 'data-width="480" data-height="320"')
        self.assertContains(response, "No crop: the whole picture is used.")
        self.assertContains(
            response,
            '<button type="button" class="button crop-clear" hidden>Remove crop</button>',
            html=True,
        )
        self.assertContains(response, "drag across the part of the picture to keep")

    def test_a_saved_crop_shows_with_its_size(self):
        renditions.set_focal_point(self.picture, 0.75, 0.5, crop=(240, 10, 480, 310))
        response = self.client.get(change_url(self.picture))
        self.assertContains(response, "Crop: 240 × 300 px")
        self.assertContains(
            response,
            '<button type="button" class="button crop-clear">Remove crop</button>',
            html=True,
        )
        self.assertContains(response, 'name="crop_left" value="240"')
        self.assertContains(response, 'name="crop_bottom" value="310"')

    def test_saving_a_crop_rebuilds_the_renditions_from_the_cropped_part(self):
        """Cropped to the blue right half, no rendition shows any red."""
        red, _ = colours(decoded(current_jpegs(self.picture, "original").last()))
        self.assertGreater(red, 0, "the uncropped picture should show red")
        response = self.client.post(change_url(self.picture), self.right_half())
        self.assertRedirects(response, CHANGELIST)
        picture = Picture.objects.get(pk=self.picture.pk)
        self.assertEqual(renditions.crop_fields(picture), (240, 0, 480, 320))
        self.assertEqual((picture.focal_x, picture.focal_y, picture.version), (0.75, 0.5, 2))
        self.assertEqual(set(picture.renditions.values_list("picture_version", flat=True)), {2})
        original = current_jpegs(picture, "original").order_by("-width").first()
        self.assertEqual((original.width, original.height), (240, 320))
        for rendition in current_jpegs(picture):
            with self.subTest(rendition=str(rendition)):
                image = decoded(rendition)
                red, blue = colours(image)
                self.assertEqual(red, 0)
                self.assertEqual(blue, image.width * image.height)

    def test_removing_the_crop_uses_the_whole_picture_again(self):
        renditions.set_focal_point(self.picture, 0.75, 0.5, crop=(240, 0, 480, 320))
        self.picture.refresh_from_db()
        response = self.client.post(change_url(self.picture), self.form())
        self.assertRedirects(response, CHANGELIST)
        picture = Picture.objects.get(pk=self.picture.pk)
        self.assertEqual(renditions.crop_fields(picture), (None, None, None, None))
        self.assertEqual(picture.version, 3)
        original = current_jpegs(picture, "original").order_by("-width").first()
        self.assertEqual((original.width, original.height), (480, 320))
        red, blue = colours(decoded(original))
        self.assertGreater(red, 0)
        self.assertGreater(blue, 0)

    def test_changing_only_words_keeps_the_crop_and_the_renditions(self):
        renditions.set_focal_point(self.picture, 0.75, 0.5, crop=(240, 0, 480, 320))
        self.picture.refresh_from_db()
        self.client.post(change_url(self.picture), self.right_half(caption="The fleet stayed in"))
        picture = Picture.objects.get(pk=self.picture.pk)
        self.assertEqual(picture.caption, "The fleet stayed in")
        self.assertEqual(renditions.crop_fields(picture), (240, 0, 480, 320))
        self.assertEqual(picture.version, 2)

    def test_bad_crops_come_back_with_a_message_and_what_was_sent(self):
        """Nothing is saved; the message shows above the form; the hidden fields keep
        the values sent, and the words typed are kept too."""
        for name, overrides, message in [
            (
                "outside the picture",
                {"crop_right": "999"},
                "The crop must lie inside the picture (480×320 pixels).",
            ),
            ("negative", {"crop_left": "-5"}, "The crop must lie inside the picture"),
            ("left of its own left", {"crop_right": "100"}, "must lie inside the picture"),
            (
                "three sides of four",
                {"crop_bottom": ""},
                "The crop needs all four sides (left, top, right, bottom), or none of them.",
            ),
            (
                "not a number",
                {"crop_top": "abc"},
                "The crop must be four whole numbers: left, top, right, bottom.",
            ),
            ("not whole", {"crop_top": "10.5"}, "must be four whole numbers"),
            (
                "focal point outside the crop",
                {"focal_x": "0.25"},
                "The focal point must lie inside the crop.",
            ),
            (
                "focal point not a number",
                {"focal_x": "middle"},
                "The focal point must be two numbers.",
            ),
        ]:
            with self.subTest(name):
                data = self.right_half(caption="Typed and kept", **overrides)
                response = self.client.post(change_url(self.picture), data)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, 'class="errornote"')
                self.assertIn(
                    message, " ".join(response.context["adminform"].form.non_field_errors())
                )
                self.assertContains(response, message)
                self.assertContains(response, "Typed and kept")
                for field, value in overrides.items():
                    if value:
                        self.assertContains(response, f'name="{field}" value="{value}"')
                picture = Picture.objects.get(pk=self.picture.pk)
                self.assertEqual(renditions.crop_fields(picture), (None, None, None, None))
                self.assertEqual((picture.version, picture.caption), (1, ""))

    def test_focal_point_outside_the_picture_is_explained(self):
        response = self.client.post(change_url(self.picture), self.form(focal_x="1.5"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(
            response, "The focal point must lie inside the picture (0 to 1 across and down)."
        )
        self.assertContains(response, 'name="focal_x" value="1.5"')
        self.assertEqual(Picture.objects.get(pk=self.picture.pk).focal_x, 0.5)


class PermissionTests(TestCase):
    def test_writers_and_editors_upload_and_edit_only_editors_delete(self):
        writers = Group.objects.get(name="Writers")
        editors = Group.objects.get(name="Editors")
        names = {
            group.name: set(
                group.permissions.filter(content_type__app_label="images").values_list(
                    "codename", flat=True
                )
            )
            for group in (writers, editors)
        }
        self.assertEqual(names["Writers"], {"add_picture", "change_picture", "view_picture"})
        self.assertEqual(
            names["Editors"], {"add_picture", "change_picture", "delete_picture", "view_picture"}
        )

    def test_a_writer_uploads_and_edits(self):
        self.client.force_login(make_user("wri", groups=["Writers"]))
        picture = make_picture()
        self.assertEqual(self.client.get(ADD_URL).status_code, 200)
        self.assertEqual(self.client.get(BULK_URL).status_code, 200)
        response = self.client.get(change_url(picture))
        self.assertContains(response, 'name="alt_text"')
        delete = reverse("admin:images_picture_delete", args=[picture.pk])
        self.assertEqual(self.client.get(delete).status_code, 403)

    def test_staff_outside_the_groups_cannot_upload(self):
        self.client.force_login(make_user("visitor"))
        self.assertEqual(self.client.get(CHANGELIST).status_code, 403)
        self.assertEqual(self.client.get(BULK_URL).status_code, 403)
        response = self.client.post(UPLOAD_ONE_URL, {"file": image_file()})
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Picture.objects.exists())
