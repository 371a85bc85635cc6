"""Stories use the picture library: lead pictures migrated into it, drawn with
``<picture>`` (AVIF, WebP, JPEG), listed in JSON-LD as crops, embedded in bodies."""

import hashlib
import io
import json
import re
from datetime import timedelta
from html.parser import HTMLParser

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TestCase, TransactionTestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from articles.models import Article
from images import usage
from images.models import Picture, Rendition
from images.renditions import STRUCTURED_DATA_MIN_PIXELS

from .factories import make_article, make_contributor, make_picture, make_section

BEFORE = ("articles", "0012_lead_picture")
AFTER = ("articles", "0013_lead_images_into_library")


def jpeg_bytes(width, height, colour=(30, 90, 160)):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


class LeadImageMigrationTests(TransactionTestCase):
    """0013 moves every lead image into the library, losing nothing."""

    def setUp(self):
        self.executor = MigrationExecutor(connection)
        self.leaves = self.executor.loader.graph.leaf_nodes()
        self.executor.migrate([BEFORE])
        self.old = self.executor.loader.project_state([BEFORE]).apps

    def tearDown(self):
        executor = MigrationExecutor(connection)
        executor.migrate(self.leaves)

    def old_story(self, slug, **fields):
        Story = self.old.get_model("articles", "Article")
        return Story.objects.create(
            headline=f"Story {slug}", slug=slug, summary="S.", body="<p>B.</p>", **fields
        )

    def test_lead_images_become_library_pictures(self):
        data = jpeg_bytes(800, 450)
        name = default_storage.save("leads/2026/11/quay.jpg", ContentFile(data))
        story = self.old_story(
            "quay",
            lead_image=name,
            lead_image_width=800,
            lead_image_height=450,
            lead_image_alt="The quay at night",
            lead_image_caption="Boats at the quay on Monday.",
            lead_image_credit="Photo: Desk",
        )
        # A second story with the very same file shares its picture; one without has none.
        twin = self.old_story("twin", lead_image=name, lead_image_alt="The quay again")
        bare = self.old_story("bare")

        MigrationExecutor(connection).migrate([AFTER])

        moved = Article.objects.get(pk=story.pk)
        picture = moved.lead_picture
        self.assertIsNotNone(picture)
        with picture.file.open("rb") as stored:
            self.assertEqual(stored.read(), data)  # the same bytes, byte for byte
        self.assertNotEqual(picture.file.name, name)  # a copy under the library's names
        self.assertTrue(picture.file.name.startswith("pictures/originals/"))
        self.assertEqual(picture.sha256, hashlib.sha256(data).hexdigest())
        self.assertEqual((picture.width, picture.height), (800, 450))
        self.assertEqual(picture.title, "Story quay")
        self.assertEqual(picture.alt_text, "The quay at night")
        self.assertEqual(picture.caption, "Boats at the quay on Monday.")
        self.assertEqual(picture.credit, "Photo: Desk")
        self.assertEqual(Article.objects.get(pk=twin.pk).lead_picture, picture)
        self.assertIsNone(Article.objects.get(pk=bare.pk).lead_picture)
        self.assertEqual(Picture.objects.count(), 1)
        # The old fields stay until a later release drops them.
        self.assertEqual(moved.lead_image.name, name)
        self.assertEqual(moved.version, story.version)  # not an edit: no new version
        # Renditions were made once the migration committed.
        self.assertTrue(picture.renditions.filter(format="avif").exists())

    def test_a_lead_image_missing_from_storage_is_skipped(self):
        story = self.old_story(
            "gone",
            lead_image="leads/2026/11/gone.jpg",
            lead_image_width=10,
            lead_image_height=10,
            lead_image_alt="x",
        )
        with self.assertLogs("articles.migrations", "WARNING"):
            MigrationExecutor(connection).migrate([AFTER])
        self.assertIsNone(Article.objects.get(pk=story.pk).lead_picture)
        self.assertFalse(Picture.objects.exists())


class PictureMarkup(HTMLParser):
    """The <picture> elements of a page: their sources and their <img>."""

    def __init__(self):
        super().__init__()
        self.pictures = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "picture":
            self.pictures.append({"sources": [], "img": None})
        elif tag == "source" and self.pictures:
            self.pictures[-1]["sources"].append(attrs)
        elif tag == "img" and self.pictures and self.pictures[-1]["img"] is None:
            self.pictures[-1]["img"] = attrs


def pictures_of(response):
    parser = PictureMarkup()
    parser.feed(response.content.decode())
    return parser.pictures


def srcset_widths(srcset):
    return [int(entry.rsplit(" ", 1)[1].removesuffix("w")) for entry in srcset.split(", ")]


class PictureMarkupTests(TestCase):
    def setUp(self):
        self.lead = make_picture(
            800,
            600,
            alt_text="The bridge at dawn",
            caption="The bridge on Monday.",
            credit="Photo: Desk",
        )
        self.story = make_article(headline="Bridge reopens", lead_picture=self.lead)

    def test_the_lead_picture_offers_avif_webp_and_a_sized_jpeg(self):
        """AVIF first, then WebP, each with every width; a JPEG <img> sized, described,
        and fetched first (it is above the fold)."""
        response = self.client.get(self.story.get_absolute_url())
        (lead,) = pictures_of(response)
        self.assertEqual(
            [source["type"] for source in lead["sources"]], ["image/avif", "image/webp"]
        )
        for source in lead["sources"]:
            self.assertEqual(srcset_widths(source["srcset"]), [320, 480, 640, 800])
            self.assertEqual(source["sizes"], "(min-width: 44rem) 42rem, 100vw")
        img = lead["img"]
        self.assertTrue(img["src"].endswith(".jpg"))
        self.assertEqual(srcset_widths(img["srcset"]), [320, 480, 640, 800])
        self.assertEqual((img["width"], img["height"]), ("800", "600"))
        self.assertEqual(img["alt"], "The bridge at dawn")
        self.assertEqual(img["fetchpriority"], "high")
        self.assertNotIn("loading", img)
        page = response.content.decode()
        figure = re.search(r'<figure class="lead-image">.*?</figure>', page, re.S)[0]
        self.assertIn("The bridge on Monday.", figure)
        self.assertIn('<span class="credit">Photo: Desk</span>', figure)

    def test_cards_below_the_lead_load_lazily(self):
        for hours in (2, 3):
            make_article(
                lead_picture=make_picture(640, 480, alt_text=f"Card {hours}"),
                publish_at=timezone.now() - timedelta(hours=hours),
            )
        pictures = pictures_of(self.client.get("/"))
        self.assertEqual(len(pictures), 3)
        self.assertEqual(pictures[0]["img"]["fetchpriority"], "high")  # the lead story
        for card in pictures[1:]:
            self.assertEqual(card["img"]["loading"], "lazy")
            self.assertEqual(card["img"]["decoding"], "async")
            self.assertEqual((card["img"]["width"], card["img"]["height"]), ("640", "480"))
            self.assertEqual(len(card["sources"]), 2)

    def test_json_ld_lists_the_three_crops(self):
        """NewsArticle.image: the largest 16:9, 4:3 and 1:1 crops, absolute, each at least
        50,000 pixels; Open Graph shows the 16:9 one."""
        response = self.client.get(self.story.get_absolute_url())
        found = re.search(
            r'<script type="application/ld\+json"[^>]*>(.*?)</script>',
            response.content.decode(),
            re.S,
        )
        images = json.loads(found[1])["image"]
        self.assertEqual(len(images), 3)
        expected = []
        for shape in ("16x9", "4x3", "1x1"):
            largest = (
                Rendition.objects.filter(picture=self.lead, shape=shape, format="jpeg")
                .order_by("-width")
                .first()
            )
            self.assertGreaterEqual(largest.width * largest.height, STRUCTURED_DATA_MIN_PIXELS)
            expected.append("http://testserver" + largest.file.url)
        self.assertEqual(images, expected)
        og = re.search(r'<meta property="og:image" content="([^"]+)">', response.content.decode())
        self.assertEqual(og[1], expected[0])
        self.assertContains(response, '<meta property="og:image:width" content="800">')
        self.assertContains(response, '<meta property="og:image:height" content="450">')


class BodyFigureTests(TestCase):
    def setUp(self):
        self.picture = make_picture(
            640, 480, alt_text="Sandbags on the quay", caption="Library caption", credit="Ann Lee"
        )

    def body_with(self, picture, caption=""):
        return (
            "<p>Before.</p>"
            f'<figure class="figure" data-picture="{picture.pk}">'
            f'<img src="/preview.jpg" alt="x" data-file="{picture.pk}">'
            f"<figcaption>{caption}</figcaption></figure><p>After.</p>"
        )

    def test_the_sanitiser_keeps_the_figure_of_a_library_picture(self):
        story = make_article(body=self.body_with(self.picture) + "<script>alert(1)</script>")
        story.refresh_from_db()
        self.assertIn(f'data-picture="{self.picture.pk}"', story.body)
        self.assertIn(f'data-file="{self.picture.pk}"', story.body)
        self.assertNotIn("<script", story.body)

    def test_an_embedded_picture_is_drawn_with_its_caption_and_credit(self):
        story = make_article(body=self.body_with(self.picture, "The writer's caption"))
        response = self.client.get(story.get_absolute_url())
        page = response.content.decode()
        figure = re.search(r'<figure class="story-picture">.*?</figure>', page, re.S)[0]
        self.assertIn('<source type="image/avif"', figure)
        self.assertIn('alt="Sandbags on the quay"', figure)
        self.assertIn('width="640" height="480"', figure)
        self.assertIn('loading="lazy"', figure)
        self.assertIn("The writer's caption", figure)
        self.assertIn('<span class="credit">Ann Lee</span>', figure)
        self.assertNotIn("/preview.jpg", page)  # the editor's preview is not served
        self.assertLess(page.index("Before."), page.index(figure))

    def test_without_a_caption_of_its_own_the_picture_brings_its_own(self):
        story = make_article(body=self.body_with(self.picture))
        self.assertContains(self.client.get(story.get_absolute_url()), "Library caption")

    def test_a_figure_of_a_deleted_picture_is_left_out(self):
        story = make_article(body=self.body_with(self.picture))
        self.picture.delete()
        page = self.client.get(story.get_absolute_url()).content.decode()
        self.assertNotIn("<figure", page.split('class="story-body"', 1)[1].split("</div>")[0])
        self.assertIn("After.", page)

    def test_all_pictures_of_a_body_cost_two_queries(self):
        others = [make_picture(320, 240) for _ in range(3)]
        one = make_article(slug="one", body=self.body_with(self.picture))
        many = make_article(
            slug="many", body="".join(self.body_with(p) for p in [self.picture, *others])
        )
        counts = []
        for story in (one, many):
            self.client.get(story.get_absolute_url())
            with CaptureQueriesContext(connection) as captured:
                self.client.get(story.get_absolute_url())
            counts.append(len(captured))
        self.assertEqual(counts[0], counts[1])

    def test_the_library_knows_where_a_body_picture_is_used(self):
        story = make_article(headline="Floods", body=self.body_with(self.picture))
        make_article(headline="Unrelated")
        uses = usage.where_used(self.picture)
        self.assertEqual([use.obj for use in uses], [story])
        self.assertIn(self.picture.pk, usage.used_picture_ids())
        lead = make_article(headline="Lead", lead_picture=self.picture)
        self.assertEqual(
            {use.obj.pk for use in usage.where_used(self.picture)}, {story.pk, lead.pk}
        )


class ListQueryCountTests(TestCase):
    """Cards with pictures cost one query per page (their renditions), at any size."""

    def test_list_pages_cost_the_same_with_pictures(self):
        section = make_section(name="News", slug="news", position=1)
        ann = make_contributor(name="Ann", slug="ann")
        pictures = [make_picture(320, 240) for _ in range(3)]
        made = 0
        counts = {}
        for size in (5, 40):
            while made < size:
                made += 1
                make_article(
                    section=section,
                    publish_at=timezone.now() - timedelta(minutes=made),
                    byline=[ann],
                    tags=["floods"],
                    lead_picture=pictures[made % 3],
                )
            counts[size] = {}
            for url in ("/", "/section/news/", "/tag/floods/", "/contributor/ann/"):
                self.client.get(url)
                with CaptureQueriesContext(connection) as captured:
                    self.assertEqual(self.client.get(url).status_code, 200)
                counts[size][url] = len(captured)
        # articles/tests/test_list_cost.py: 3 queries each without pictures; +1 the renditions.
        self.assertEqual(counts[5], dict.fromkeys(counts[5], 4))
        self.assertEqual(counts[40], counts[5])


class PicturePickerTests(TestCase):
    def test_the_body_editor_picks_library_pictures(self):
        """The figure dialog's "Browse…" lists library pictures, searchable, with what
        the dialog needs to insert one (its id, URL, alt text and caption)."""
        from django.urls import reverse

        from .factories import make_user

        quay = make_picture(alt_text="Sandbags on the quay", caption="Monday", title="Quay")
        make_picture(alt_text="A goat", title="Goat")
        url = reverse("admin:articles_article_picture_picker")
        self.assertEqual(url, "/admin/articles/article/picture-picker/")  # as richtext.py says
        self.client.force_login(make_user(groups=["Writers"]))
        page = self.client.get(url, {"CKEditorFuncNum": "3", "q": "quay"})
        self.assertContains(page, f'data-id="{quay.pk}"')
        self.assertContains(page, 'data-alt="Sandbags on the quay"')
        self.assertContains(page, 'data-callback="3"')
        self.assertNotContains(page, "A goat")
        self.client.logout()
        self.assertEqual(self.client.get(url).status_code, 302)  # to the sign-in page
