"""The story form's writing surface: the card preview, the byline's first row, the thumbnail.

The preview of a story as a search result and a shared link starts from
``seo.story_card``, the data of the story page's meta tags, so both are tested
against each other here; the live updates are in tests/test_browser_writing.py.
"""

from html import unescape
from html.parser import HTMLParser

from django.test import RequestFactory, SimpleTestCase, TestCase, override_settings

from articles import seo
from articles.models import Article, Byline
from images import renditions

from .factories import make_article, make_contributor, make_draft, make_picture, make_user
from .test_admin import ADD_URL, change_url, form_data
from .test_seo import json_ld, meta

LONG_HEADLINE = (
    "Council approves the harbour budget after a night of argument over ferry fares and parking"
)
LONG_SUMMARY = (
    "The vote came after midnight: councillors agreed to keep the ferry running all year, "
    "to raise parking charges by the quay in summer, and to ask the port authority to pay "
    "for the new pontoon."
)


class Previews(HTMLParser):
    """The text (and the picture) of each ``data-preview`` element of the story form."""

    def __init__(self):
        super().__init__()
        self.found = {}  # name -> texts, in page order
        self.images = []  # (src, alt) inside the preview's picture frame
        self.thumbnails = []  # (src, alt) of the lead image's thumbnail
        self._open = []  # [name, depth, parts] of data-preview elements being read
        self._in_image = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            if self._in_image:
                self.images.append((attrs.get("src"), attrs.get("alt")))
            if "picture-input-thumbnail" in (attrs.get("class") or ""):
                self.thumbnails.append((attrs.get("src"), attrs.get("alt")))
            return
        for entry in self._open:
            entry[1] += 1
        if attrs.get("data-preview") == "image":
            self._in_image += 1
        if "data-preview" in attrs:
            self._open.append([attrs["data-preview"], 0, []])

    def handle_endtag(self, tag):
        if tag == "img":
            return
        for entry in list(self._open):
            if entry[1] == 0:
                self._open.remove(entry)
                self.found.setdefault(entry[0], []).append("".join(entry[2]))
                if entry[0] == "image":
                    self._in_image -= 1
            else:
                entry[1] -= 1

    def handle_data(self, data):
        for entry in self._open:
            entry[2].append(data)


def previews(response):
    parser = Previews()
    parser.feed(response.content.decode())
    return parser


class ShortenTests(SimpleTestCase):
    def test_text_within_the_limit_is_kept_whole(self):
        self.assertEqual(seo.shorten("Harbour bridge reopens", 70), "Harbour bridge reopens")
        self.assertEqual(seo.shorten("x" * 70, 70), "x" * 70)

    def test_longer_text_is_cut_at_a_word_with_an_ellipsis(self):
        short = seo.shorten(LONG_HEADLINE, seo.TITLE_LIMIT)
        self.assertEqual(
            short, "Council approves the harbour budget after a night of argument over…"
        )
        self.assertLessEqual(len(short), seo.TITLE_LIMIT)

    def test_whitespace_counts_once_and_trailing_punctuation_goes(self):
        self.assertEqual(seo.shorten("  Storm \n closes   schools ", 70), "Storm closes schools")
        self.assertEqual(seo.shorten("one two, three four", 13), "one two…")

    def test_one_long_word_is_cut_inside_it(self):
        self.assertEqual(seo.shorten("a" * 100, 10), "a" * 9 + "…")


@override_settings(SITE_URL="https://news.example.com", SITE_NAME="Millbrook News")
class StoryCardTests(TestCase):
    def setUp(self):
        self.request = RequestFactory().get("/")
        self.article = make_article(
            headline=LONG_HEADLINE,
            slug="harbour-budget",
            summary=LONG_SUMMARY,
            lead_picture=make_picture(800, 600, alt_text="The quay at night"),
        )

    def test_the_card_of_a_story(self):
        card = seo.story_card(self.article, self.request)
        self.assertEqual(card["title"], LONG_HEADLINE)
        self.assertEqual(card["description"], LONG_SUMMARY)
        self.assertEqual(card["url"], "https://news.example.com/story/harbour-budget/")
        # Link previews show the lead picture's 16:9 crop.
        wide = renditions.structured_data(self.article.lead_picture)[0]
        self.assertEqual(card["image"], "https://news.example.com" + wide)
        self.assertEqual(card["image_alt"], "The quay at night")
        self.assertEqual((card["image_width"], card["image_height"]), (800, 450))
        self.assertEqual(card["site_name"], "Millbrook News")

    def test_a_story_without_picture_or_slug_has_neither_in_its_card(self):
        card = seo.story_card(Article(headline="Unsaved", summary="Not yet."), self.request)
        self.assertEqual((card["url"], card["image"], card["image_alt"]), ("", "", ""))
        self.assertEqual(card["title"], "Unsaved")

    def test_the_story_page_tells_link_previews_what_the_card_says(self):
        """Description, Open Graph, Twitter and JSON-LD all state the card's values."""
        response = self.client.get(self.article.get_absolute_url())
        card = seo.story_card(self.article, response.wsgi_request)

        def one(prop):
            values = [unescape(value) for value in meta(response, prop)]
            self.assertEqual(len(values), 1, prop)
            return values[0]

        self.assertEqual(one("description"), card["description"])
        self.assertEqual(one("og:title"), card["title"])
        self.assertEqual(one("og:description"), card["description"])
        self.assertEqual(one("og:url"), card["url"])
        self.assertEqual(one("og:image"), card["image"])
        self.assertEqual(one("og:image:alt"), card["image_alt"])
        self.assertEqual(one("og:site_name"), "Millbrook News")
        self.assertEqual(one("twitter:title"), card["title"])
        self.assertEqual(one("twitter:image"), card["image"])
        self.assertContains(response, f'<link rel="canonical" href="{card["url"]}">')
        data = json_ld(response)
        self.assertEqual(data["headline"], card["title"])
        self.assertEqual(data["url"], card["url"])
        self.assertEqual(data["image"][0], card["image"])

    def test_the_admin_preview_starts_from_the_same_card(self):
        """The story form's preview shows what the story page's meta tags say, shortened
        as search results shorten it, with the story's picture."""
        page = self.client.get(self.article.get_absolute_url())
        self.client.force_login(make_user(groups=["Editors"]))
        form = previews(self.client.get(change_url(self.article)))
        og_title = unescape(meta(page, "og:title")[0])
        og_description = unescape(meta(page, "og:description")[0])
        self.assertEqual(
            form.found["title"], [seo.shorten(og_title, seo.TITLE_LIMIT)] * 2
        )  # the search result and the shared card
        self.assertTrue(form.found["title"][0].endswith("…"))
        self.assertEqual(
            form.found["description"],
            [seo.shorten(og_description, seo.DESCRIPTION_LIMIT)] * 2,
        )
        self.assertEqual(form.found["url"], [unescape(meta(page, "og:url")[0])])
        self.assertEqual(
            form.images,
            [(unescape(meta(page, "og:image")[0]), unescape(meta(page, "og:image:alt")[0]))],
        )


class StoryFormTests(TestCase):
    def setUp(self):
        self.writer = make_user("wren", groups=["Writers"])
        self.own = make_contributor(name="Wren Writer", user=self.writer)
        self.client.force_login(self.writer)

    def test_a_new_story_starts_with_its_writer_on_the_byline(self):
        response = self.client.get(ADD_URL)
        self.assertContains(
            response,
            f'<option value="{self.own.pk}" selected>Wren Writer</option>',
            html=True,
        )
        # One row, holding them: not one row for them and an empty one besides.
        self.assertRegex(
            response.content.decode(), r'<input type="hidden" name="bylines-TOTAL_FORMS" value="1"'
        )
        self.assertFalse(Byline.objects.exists())  # nothing is saved by opening the form

    def test_the_prefilled_byline_is_saved_with_the_story(self):
        response = self.client.post(
            ADD_URL,
            form_data(
                **{
                    "bylines-TOTAL_FORMS": "1",
                    "bylines-0-contributor": str(self.own.pk),
                    "bylines-0-position": "0",
                }
            ),
        )
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        self.assertEqual(Article.objects.get().byline_contributors, [self.own])

    def test_a_writer_who_removes_themselves_is_not_on_the_byline(self):
        response = self.client.post(ADD_URL, form_data())  # the row was removed
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        self.assertEqual(Article.objects.get().byline_contributors, [])

    def test_someone_without_a_byline_name_gets_an_empty_row(self):
        self.client.force_login(make_user("eda", groups=["Editors"]))
        response = self.client.get(ADD_URL)
        self.assertNotContains(response, "selected>Wren Writer")
        self.assertContains(response, 'name="bylines-0-contributor"')

    def test_an_existing_story_keeps_its_own_byline(self):
        other = make_contributor(name="Sam Field")
        story = make_draft(byline=[other], created_by=self.writer)
        response = self.client.get(change_url(story))
        self.assertContains(
            response, f'<option value="{other.pk}" selected>Sam Field</option>', html=True
        )
        self.assertNotContains(response, f'<option value="{self.own.pk}" selected>')

    def test_the_byline_comes_right_after_the_headline_and_body(self):
        page = self.client.get(ADD_URL).content.decode()
        body = page.index('id="id_body"')
        byline = page.index('id="bylines-group"')
        filing = page.index(">Filing<")
        self.assertLess(body, byline)
        self.assertLess(byline, page.index('id="writing-previews"'))
        self.assertLess(page.index('id="writing-previews"'), filing)
        self.assertEqual(page.count('id="bylines-group"'), 1)

    def test_the_lead_image_is_shown_in_the_form(self):
        story = make_draft(
            created_by=self.writer,
            lead_picture=make_picture(900, 600, alt_text="Fishing boats at the quay"),
        )
        form = previews(self.client.get(change_url(story)))
        small = renditions.sources(story.lead_picture)["fallback"]
        self.assertEqual(form.thumbnails, [(small, "Fishing boats at the quay")])

    def test_a_story_without_a_lead_image_has_no_thumbnail(self):
        story = make_draft(created_by=self.writer)
        form = previews(self.client.get(change_url(story)))
        self.assertEqual(form.thumbnails, [])
        self.assertEqual(form.images, [])

    def test_the_writing_aids_load_under_the_content_security_policy(self):
        """The script is a file carrying the page's nonce: no inline script."""
        page = self.client.get(ADD_URL).content.decode()
        self.assertRegex(page, r'<script src="[^"]*articles/writing\.js" nonce="[^"]+" defer>')
        self.assertRegex(page, r'<link rel="stylesheet" href="[^"]*articles/writing\.css"')
