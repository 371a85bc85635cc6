"""`manage.py import_story`, tested on the seed story in ../shared/seed/."""

import html
import re
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command
from django.test import TestCase

from articles.models import Article
from articles.tests.factories import make_section
from articles.tests.seed import SEED, seed_lines
from wire.models import IncomingStory, Provenance, Source


class ImportSeedStoryTests(TestCase):
    def import_story(self, path, *args):
        out = StringIO()
        call_command("import_story", str(path), *args, stdout=out)
        return out.getvalue()

    def test_seed_file_is_present(self):
        """The tests read the real seed story, not a copy."""
        self.assertTrue(SEED.is_file(), f"{SEED} is missing: ../shared must sit beside the project")

    def test_imports_headline_summary_paragraphs_and_attribution(self):
        """Every part of the wire story lands in its own field; page chrome is dropped."""
        lines = seed_lines()
        output = self.import_story(SEED)
        article = Article.objects.get()
        self.assertEqual(article.headline, lines[0])
        self.assertEqual(article.summary, lines[1])
        body_lines = lines[2:-2]  # before "Original Source: kstp.com" and "Post Comment"
        paragraphs = [html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", article.body)]
        self.assertEqual(paragraphs, body_lines)
        # The attribution became a Source row, the story partner copy in the Incoming queue.
        source = Source.objects.get()
        self.assertEqual(
            (source.name, source.site_url, source.domain),
            ("kstp.com", "https://kstp.com/", "kstp.com"),
        )
        provenance = Provenance.objects.get(article=article)
        self.assertEqual(provenance.source, source)
        self.assertEqual(provenance.original_url, "")  # only the site is known
        self.assertIsNotNone(provenance.received_at)
        self.assertEqual(list(IncomingStory.objects.incoming()), [article])
        self.assertNotIn("Post Comment", article.body)
        self.assertNotIn("Original Source", article.body)
        self.assertEqual(article.status, Article.Status.DRAFT)
        self.assertFalse(Article.objects.live().exists())
        self.assertIn("saved as a draft", output)

    def test_publish_and_section_options(self):
        """--publish makes the story live at once, --section files it."""
        section = make_section(slug="world")
        self.import_story(SEED, "--publish", "--section", "world")
        article = Article.objects.live().get()
        self.assertEqual(article.section, section)

    def test_byline_option_credits_a_contributor(self):
        self.import_story(SEED, "--byline", "Wire Desk")
        self.assertEqual([c.name for c in Article.objects.get().byline_contributors], ["Wire Desk"])

    def test_the_same_story_is_not_imported_twice(self):
        """Importing the same partner story again changes nothing and says so."""
        self.import_story(SEED)
        output = self.import_story(SEED)
        self.assertIn("already here, unchanged", output)
        self.assertEqual(Article.objects.count(), 1)
        self.assertEqual(Source.objects.count(), 1)

    def test_a_story_of_our_own_is_not_imported_twice(self):
        """Without an "Original Source" line it is our copy: a second import is refused."""
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "own.txt"
            path.write_text("Our headline\nOur summary\nOur body.\n", encoding="utf-8")
            self.import_story(path)
            with self.assertRaisesMessage(CommandError, "already exists"):
                self.import_story(path)
        self.assertEqual(Article.objects.count(), 1)
        self.assertFalse(Provenance.objects.exists())

    def test_an_edited_file_updates_the_incoming_draft(self):
        import tempfile

        lines = SEED.read_text(encoding="utf-8").splitlines()
        self.import_story(SEED)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "updated.txt"
            lines[2] = lines[2] + " The partner added this sentence."
            path.write_text("\n".join(lines), encoding="utf-8")
            output = self.import_story(path)
        self.assertIn("Updated", output)
        article = Article.objects.get()
        self.assertIn("The partner added this sentence.", article.body)
        self.assertEqual(article.revisions.count(), 2)

    def test_unknown_section_imports_nothing(self):
        make_section(slug="local")
        with self.assertRaisesMessage(
            CommandError, "There is no section 'nowhere' (sections: local)"
        ):
            self.import_story(SEED, "--section", "nowhere")
        self.assertFalse(Article.objects.exists())


class ImportBadInputTests(TestCase):
    def write(self, tmp, content: bytes):
        path = Path(tmp) / "story.txt"
        path.write_bytes(content)
        return path

    def assert_refused(self, content: bytes, message: str):
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            path = self.write(tmp, content)
            with self.assertRaises(CommandError) as raised:
                call_command("import_story", str(path), stdout=StringIO())
        self.assertIn(message, str(raised.exception))
        self.assertIn("Nothing was imported", str(raised.exception))
        self.assertFalse(Article.objects.exists())

    def test_empty_file(self):
        self.assert_refused(b"", "The file is empty")

    def test_only_chrome(self):
        """A file holding nothing but page chrome counts as empty."""
        self.assert_refused(b"\n\nPost Comment\n", "The file is empty")

    def test_headline_only(self):
        self.assert_refused(b"A headline\n", "needs a headline on the first line and a summary")

    def test_no_body(self):
        self.assert_refused(
            b"A headline\nA summary\nOriginal Source: example.com\nPost Comment\n",
            "no body paragraphs",
        )

    def test_not_utf8(self):
        self.assert_refused("Caf\u00e9 headline\nSummary\nBody\n".encode("latin-1"), "not UTF-8")

    def test_missing_file(self):
        with self.assertRaisesMessage(CommandError, "Cannot read"):
            call_command("import_story", "/nonexistent/story.txt", stdout=StringIO())


class ImportFormatTests(TestCase):
    def import_text(self, text):
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "story.txt"
            path.write_text(text, encoding="utf-8")
            call_command("import_story", str(path), stdout=StringIO())
        return Article.objects.get()

    def test_blank_line_separated_paragraphs_are_joined(self):
        """Hard-wrapped paragraphs separated by blank lines become one paragraph each."""
        article = self.import_text(
            "Headline here\nSummary here\n\nFirst line of para one\ncontinues here.\n\n"
            "Para two.\n\nSource: https://www.example.com/news/1\n"
        )
        self.assertEqual(
            article.body, "<p>First line of para one continues here.</p><p>Para two.</p>"
        )
        provenance = article.provenance
        self.assertEqual(provenance.source.name, "example.com")
        self.assertEqual(provenance.source.site_url, "https://www.example.com/")
        self.assertEqual(provenance.original_url, "https://www.example.com/news/1")

    def test_html_in_a_plain_text_story_is_shown_as_text(self):
        """Markup typed into a plain-text file is escaped, never executed."""
        article = self.import_text("Headline\nSummary\n<script>alert(1)</script> and <b>bold</b>\n")
        self.assertNotIn("<script>", article.body)
        self.assertIn("&lt;b&gt;bold&lt;/b&gt;", article.body)

    def test_a_source_that_is_not_a_domain_is_not_linked(self):
        article = self.import_text("Headline\nSummary\nBody.\nOriginal Source: Local Radio\n")
        provenance = article.provenance
        self.assertEqual((provenance.source.name, provenance.source.site_url), ("Local Radio", ""))
        self.assertEqual(provenance.original_url, "")
