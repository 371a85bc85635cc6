"""A picture with C2PA content credentials, made and signed in the test, uploaded into the
library: readers see the credentials with the caption, the library lists them, and every
rendition says it was derived from the credentialed original."""

import re

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from PIL import Image

from images import uploads
from images.tests.c2pa_helpers import plain_jpeg, signed_jpeg

from .factories import make_article, make_user


def upload(data, name):
    return uploads.accept(
        SimpleUploadedFile(name, data, "image/jpeg"),
        title="Harbour at dawn",
        alt_text="Fishing boats leaving the harbour at dawn",
        caption="The first boats leave at five.",
        credit="Test Photographer",
    )


class ContentCredentialsTests(TestCase):
    def test_the_credentials_are_kept_shown_to_readers_and_carried_into_renditions(self):
        picture = upload(signed_jpeg(author="Test Photographer"), "dawn.jpg")
        self.assertIsNotNone(picture.credentials)
        self.assertIn("Test Photographer", picture.credentials_summary)
        story = make_article(headline="Boats out early", lead_picture=picture)
        page = self.client.get(story.get_absolute_url()).content.decode()
        figure = re.search(r"<figure[^>]*>.*?</figure>", page, re.S).group(0)
        self.assertIn("The first boats leave at five.", figure)
        self.assertIn("Content credentials", page)
        self.assertIn("Test Photographer", page)
        # Every rendition names the original it was derived from.
        renditions = list(picture.renditions.all())
        self.assertTrue(renditions)
        for rendition in renditions:
            with default_storage.open(rendition.file.name, "rb") as stored:
                data = stored.read()
            self.assertIn(picture.sha256.encode(), data, rendition.file.name)
            with default_storage.open(rendition.file.name, "rb") as stored:
                Image.open(stored).load()  # still a picture

    def test_the_library_lists_credentials(self):
        upload(signed_jpeg(), "signed.jpg")
        upload(plain_jpeg(), "plain.jpg")
        self.client.force_login(make_user(groups=["Editors"]))
        listing = self.client.get(reverse("admin:images_picture_changelist"))
        # The signed picture's summary (its generator) is in its row; the plain one has none.
        self.assertContains(listing, "newsroom-tests", count=1)

    def test_a_picture_without_credentials_is_unchanged(self):
        picture = upload(plain_jpeg(), "plain.jpg")
        self.assertIsNone(picture.credentials)
        story = make_article(headline="Quiet quay", lead_picture=picture)
        self.assertNotContains(self.client.get(story.get_absolute_url()), "Content credentials")
