"""wire 0002: the stories' free-text sources become Source and Provenance rows before
articles 0014 drops the two fields — and come back, unchanged, when migrated back."""

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase

from articles.models import Article
from wire.models import Provenance, Source

BEFORE = [("articles", "0013_lead_images_into_library"), ("wire", "0001_initial")]

# (slug, source_name, source_url) as people typed them before issue 13.
OLD_SOURCES = [
    ("kstp-home", "kstp.com", "https://kstp.com/"),
    ("kstp-item", "kstp.com", "https://kstp.com/news/lake-levels-rise"),
    ("example-item", "Example News", "https://www.example.com/news/1"),
    ("radio", "Local Radio", ""),
    ("own", "", ""),
]


class FreeTextSourcesMigrationTests(TransactionTestCase):
    """0002 turns each typed source into one Source, keeping every URL typed."""

    def setUp(self):
        executor = MigrationExecutor(connection)
        self.leaves = executor.loader.graph.leaf_nodes()
        executor.migrate(BEFORE)
        self.old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
        self.ids = {}
        for slug, name, url in OLD_SOURCES:
            self.old_story(slug, name, url)

    def old_story(self, slug, name, url):
        Story = self.old.get_model("articles", "Article")
        story = Story.objects.create(
            headline=f"Story {slug}",
            slug=slug,
            summary="S.",
            body="<p>B.</p>",
            source_name=name,
            source_url=url,
        )
        self.ids[slug] = story.pk
        return story

    def tearDown(self):
        # Whatever a test did, the database is left at the latest migrations.
        try:
            MigrationExecutor(connection).migrate(self.leaves)
        except DatabaseError:
            self.recover_from_failed_migration()
            MigrationExecutor(connection).migrate(self.leaves)

    def recover_from_failed_migration(self):
        """On SQLite a migration that fails leaves its transaction open (the schema
        editor checks constraints before it rolls back): roll it back, and drop the
        wire rows that stopped 0002 running forward, so that one broken migration does
        not take the rest of the suite's database with it."""
        while connection.atomic_blocks:
            connection.atomic_blocks[-1].__exit__(DatabaseError, DatabaseError(), None)
        connection.enable_constraint_checking()
        old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
        old.get_model("wire", "Provenance").objects.all().delete()
        old.get_model("wire", "Source").objects.all().delete()

    def migrate_forward(self):
        MigrationExecutor(connection).migrate(self.leaves)

    def migrate_back(self):
        MigrationExecutor(connection).migrate(BEFORE)
        return MigrationExecutor(connection).loader.project_state(BEFORE).apps

    def provenance(self, slug):
        return Provenance.objects.select_related("source").get(article_id=self.ids[slug])

    def assert_sources_moved(self):
        self.assertEqual(
            sorted(Source.objects.values_list("name", "site_url", "domain")),
            [
                ("Example News", "https://www.example.com/", "example.com"),
                ("Local Radio", "", ""),
                ("kstp.com", "https://kstp.com/", "kstp.com"),
            ],
        )
        kstp = Source.objects.get(name="kstp.com")
        # The URL typed is kept as it was (the page linked there before and still does).
        home = self.provenance("kstp-home")
        self.assertEqual((home.source, home.original_url), (kstp, "https://kstp.com/"))
        # The second kstp.com story shares the source and keeps its own page.
        item = self.provenance("kstp-item")
        self.assertEqual(
            (item.source, item.original_url), (kstp, "https://kstp.com/news/lake-levels-rise")
        )
        example = self.provenance("example-item")
        self.assertEqual(example.source.name, "Example News")
        self.assertEqual(example.original_url, "https://www.example.com/news/1")
        radio = self.provenance("radio")
        self.assertEqual((radio.source.name, radio.original_url), ("Local Radio", ""))
        # Our own story has no source, and moved stories are not partner copy received.
        self.assertFalse(Provenance.objects.filter(article_id=self.ids["own"]).exists())
        self.assertEqual(Provenance.objects.count(), 4)
        self.assertFalse(Provenance.objects.filter(received_at__isnull=False).exists())
        # The attribution readers see is what the free text said.
        story = Article.objects.get(pk=self.ids["example-item"])
        self.assertEqual(story.provenance.source.name, "Example News")

    def test_free_text_sources_become_sources_and_provenance(self):
        self.migrate_forward()
        self.assert_sources_moved()

    def test_migrating_back_fills_the_free_text_fields_again(self):
        self.migrate_forward()
        old = self.migrate_back()
        Story = old.get_model("articles", "Article")
        self.assertEqual(
            sorted(Story.objects.values_list("slug", "source_name", "source_url")),
            sorted(OLD_SOURCES),
        )

    def test_a_story_without_url_gets_none_back_when_its_source_has_a_site(self):
        """Another story of the same source gave its home page; this one gave no URL,
        and readers saw its attribution unlinked: migrating back must not link it."""
        self.old_story("kstp-no-url", "kstp.com", "")
        self.migrate_forward()
        self.assertEqual(self.provenance("kstp-no-url").source.site_url, "https://kstp.com/")
        old = self.migrate_back()
        Story = old.get_model("articles", "Article")
        self.assertEqual(
            Story.objects.filter(slug="kstp-no-url").values_list("source_name", "source_url").get(),
            ("kstp.com", ""),
        )

    def test_forward_again_after_migrating_back_gives_the_same_sources(self):
        """A round trip (forward, back, forward) loses nothing and duplicates nothing."""
        self.migrate_forward()
        self.migrate_back()
        try:
            self.migrate_forward()
        except DatabaseError as error:
            # On SQLite the migration's own error is the context of the one raised.
            cause = error.__context__ or error
            self.fail(f"Migrating forward again after migrating back failed: {cause!r}")
        self.assert_sources_moved()
