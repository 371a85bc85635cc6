"""``generate_demo_data``: bulk stories that readers see exactly like published ones.

The same tests run on SQLite (batched inserts) and PostgreSQL (``COPY``), whichever the
suite runs on; where the two differ (parallel writers) a test says what each does.
"""

import re
from datetime import UTC, datetime
from io import StringIO

import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TestCase, TransactionTestCase, override_settings
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from articles import demotext, publishing
from articles.models import Article, ArticleEvent, Byline, Contributor, Section
from articles.richtext import sanitize_body
from comments.models import Comment

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)


def generate(**options):
    out, err = StringIO(), StringIO()
    options = {"stories": 40, "comments_per_story": 3, "verbosity": 0} | options
    call_command("generate_demo_data", stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def content():
    """What readers could see of every story, independent of database ids."""
    return sorted(
        (
            a.slug,
            a.headline,
            a.summary,
            a.body,
            a.publish_at,
            a.section.slug,
            tuple(sorted(a.tags.names())),
            tuple(c.slug for c in a.byline_contributors),
            tuple((c.name, c.body, c.created_at, c.depth) for c in a.comments.order_by("pk")),
        )
        for a in Article.objects.select_related("section")
    )


@time_machine.travel(NOW, tick=False)
class GeneratedStoriesTests(TestCase):
    def test_counts_and_what_every_story_carries(self):
        """N live stories, M approved comments each, a section, up to five tags and a byline."""
        out, _ = generate(stories=40, comments_per_story=3, sections=4, verbosity=1)
        self.assertIn("40 new stories (0 already there).", out)
        self.assertEqual(Article.objects.live().count(), 40)
        self.assertEqual(Comment.objects.public().count(), 120)
        self.assertEqual(Comment.objects.filter(depth=1).count() > 0, True)
        self.assertEqual(Section.objects.count(), 4)
        for article in Article.objects.all():
            with self.subTest(slug=article.slug):
                self.assertTrue(article.is_live)
                self.assertLess(article.publish_at, NOW)
                self.assertIsNotNone(article.section_id)
                self.assertIn(len(article.tags.all()), range(1, 6))
                self.assertIn(article.bylines.count(), (1, 2))
                self.assertEqual(article.comments.filter(status="approved").count(), 3)
                # Saved through the admin, the body would stay exactly as it is.
                self.assertEqual(sanitize_body(article.body), article.body)
        tags_per_story = TaggedItem.objects.count() / 40
        self.assertGreater(tags_per_story, 4)

    def test_publication_times_spread_over_the_years_in_order(self):
        generate(stories=40, years=4)
        times = list(Article.objects.order_by("pk").values_list("publish_at", flat=True))
        self.assertEqual(times, sorted(times))  # ids follow publication, as on a real site
        self.assertGreater(NOW - times[0], timezone.timedelta(days=3 * 365))
        self.assertLess(max(times), NOW)
        for comment in Comment.objects.select_related("article", "parent"):
            self.assertGreater(comment.created_at, comment.article.publish_at)
            self.assertLess(comment.created_at, NOW)
            if comment.parent:
                self.assertGreater(comment.created_at, comment.parent.created_at)
                self.assertEqual(comment.root, comment.parent)

    def test_revision_and_audit_entry_as_publishing_leaves_them(self):
        """The history of a generated story reads as if an editor had published it."""
        generate(stories=5)
        for article in Article.objects.all():
            revision = article.revisions.get()
            self.assertEqual(revision.data, publishing.snapshot(article))
            event = ArticleEvent.objects.get(article=article)
            self.assertEqual((event.action, event.to_status), ("publish", "published"))
            self.assertEqual(event.at, article.publish_at)

    def test_stories_are_on_every_page_readers_use(self):
        """Home, section, tag, contributor, archives, search and feeds show generated stories."""
        generate(stories=30)
        story = Article.objects.live().order_by("-publish_at").first()
        tag = story.tags.first()
        contributor = story.byline_contributors[0]
        local = timezone.localtime(story.publish_at)
        pages = [
            "/",
            story.section.get_absolute_url(),
            f"/tag/{tag.slug}/",
            f"/contributor/{contributor.slug}/",
            f"/{local:%Y}/",
            f"/{local:%Y/%m}/",
            f"/{local:%Y/%m/%d}/",
            f"/search/?q={story.headline}",
            "/feed/",
        ]
        for url in pages:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, story.get_absolute_url())

    def test_story_page_shows_its_comments(self):
        generate(stories=3, comments_per_story=4)
        story = Article.objects.first()
        response = self.client.get(story.get_absolute_url())
        self.assertEqual(response.status_code, 200)
        for comment in story.comments.all():
            self.assertContains(response, f'id="comment-{comment.pk}"')
        self.assertContains(response, '<h2 id="comments-title">Comments (4)</h2>', html=True)
        # Story lists count them too.
        self.assertContains(self.client.get(story.section.get_absolute_url()), "4 comments")

    def test_running_again_adds_nothing_and_another_seed_adds_more(self):
        generate(stories=25, seed=1)
        before = content()
        out, _ = generate(stories=25, seed=1, verbosity=1)
        self.assertIn("0 new stories (25 already there).", out)
        self.assertEqual(content(), before)
        generate(stories=25, seed=2)
        self.assertEqual(Article.objects.count(), 50)
        self.assertEqual(Comment.objects.count(), 150)
        # Tags, sections and contributors are shared, never duplicated.
        self.assertEqual(Tag.objects.count(), len(set(Tag.objects.values_list("slug", flat=True))))
        self.assertEqual(Section.objects.count(), 8)

    def test_a_larger_run_tops_up_an_interrupted_one(self):
        """Story N of a seed is the same story whatever the run: a larger run adds the rest."""
        generate(stories=12, seed=5)
        first = {a.slug: a.body for a in Article.objects.all()}
        generate(stories=30, seed=5)
        self.assertEqual(Article.objects.count(), 30)
        for slug, body in first.items():
            self.assertEqual(Article.objects.get(slug=slug).body, body)

    def test_same_seed_same_stories(self):
        generate(stories=20, seed=9)
        before = content()
        TaggedItem.objects.filter(content_type=ContentType.objects.get_for_model(Article)).delete()
        Comment.objects.filter(depth__gt=0).delete()
        Comment.objects.all().delete()
        Article.objects.all().delete()
        generate(stories=20, seed=9)
        self.assertEqual(content(), before)

    def test_alongside_the_demo_content(self):
        """On a database that holds the demo, it reuses its sections and tags and keeps its stories."""
        call_command("load_demo", stdout=StringIO())
        demo = set(Article.objects.values_list("slug", "headline", "status"))
        sections = dict(Section.objects.values_list("slug", "pk"))
        transport = Tag.objects.get(slug="transport")
        generate(stories=100, sections=4)  # News, Local, Business, Politics
        self.assertLessEqual(demo, set(Article.objects.values_list("slug", "headline", "status")))
        self.assertEqual(Section.objects.count(), 6)  # the demo's four, News and Politics
        for slug in ("local", "business"):
            self.assertEqual(Section.objects.get(slug=slug).pk, sections[slug])
            self.assertTrue(Article.objects.filter(section__slug=slug).count() > 2)
        self.assertTrue(TaggedItem.objects.filter(tag=transport).count() > 1)
        self.assertEqual(Tag.objects.filter(name__iexact="transport").count(), 1)

    def test_one_writer_inside_a_transaction(self):
        """Parallel writers could not see the transaction's rows: inside one, a single writer."""
        with self.assertRaisesMessage(CommandError, "--jobs above 1"):
            generate(stories=5, jobs=2)
        self.assertFalse(Article.objects.exists())

    def test_refused_in_production_and_for_bad_numbers(self):
        with (
            override_settings(PRODUCTION=True),
            self.assertRaisesMessage(CommandError, "never written in production"),
        ):
            generate(stories=1)
        for options in ({"stories": -1}, {"tags": 0}, {"comments_per_story": -2}, {"words": 0}):
            with self.subTest(options=options), self.assertRaises(CommandError):
                generate(**options)
        with self.assertRaisesMessage(CommandError, "--until must be a past time"):
            generate(until="2030-01-01T00:00Z")
        self.assertFalse(Article.objects.exists())

    def test_bodies_have_about_the_words_asked_for(self):
        for words in (100, 700):
            with self.subTest(words=words):
                Article.objects.all().delete()
                generate(stories=10, words=words, comments_per_story=0)
                counts = [
                    len(re.sub(r"<[^>]+>", " ", body).split())
                    for body in Article.objects.values_list("body", flat=True)
                ]
                average = sum(counts) / len(counts)
                self.assertGreater(average, words * 0.75)
                self.assertLess(average, words * 1.25)

    def test_vocabularies_give_common_and_rare_words(self):
        """Benchmarks rely on one word used in many stories and a town named in few."""
        generate(stories=200)
        common = Article.objects.filter(body__icontains=demotext.COMMON_WORD).count()
        rare = Article.objects.filter(headline__icontains=demotext.RARE_PLACE).count()
        self.assertGreater(common, 100)
        self.assertLess(rare, 3)


class ProgressTests(TestCase):
    def test_progress_bar_shows_rate_and_time_left(self):
        _, err = generate(stories=3000, comments_per_story=0, verbosity=1)
        self.assertIn("3.00k/3.00k", err)
        self.assertRegex(err, r"[\d.]+k? stories/s")
        self.assertRegex(err, r"\d\d:\d\d<\d\d:\d\d")  # elapsed<left


@time_machine.travel(NOW, tick=False)
class ParallelWritersTests(TransactionTestCase):
    """Several batches at once, each on its own connection: PostgreSQL only."""

    def test_parallel_batches_write_the_same_stories(self):
        if connection.vendor != "postgresql":
            with self.assertRaisesMessage(CommandError, "needs PostgreSQL"):
                generate(stories=10, jobs=2)
            generate(stories=2500, comments_per_story=1, jobs=1)
        else:
            generate(stories=2500, comments_per_story=1, jobs=2)
        self.assertEqual(Article.objects.live().count(), 2500)
        self.assertEqual(Comment.objects.public().count(), 2500)
        self.assertEqual(Byline.objects.values("article").distinct().count(), 2500)
        self.assertEqual(Contributor.objects.count(), 200)
