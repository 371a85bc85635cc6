"""Fill the database with generated live stories and approved comments, for load tests.

``python manage.py generate_demo_data --stories 1000000 --comments-per-story 5`` makes a
million stories in minutes: on PostgreSQL each batch is streamed in with ``COPY``, on
SQLite inserted in batches. Stories are spread over sections, tags (about five each) and
bylines, published over the past ``--years`` in order, each with its revision and audit
entry as publishing would leave them; comments are approved as the moderation pipeline
records it, some of them replies. The same ``--seed`` writes the same stories; running
again adds only the stories that are missing (slugs carry the seed and the story's
number), so it is safe on a database that already holds demo or generated content.
"""

import json
import queue
import random
import threading
from datetime import timedelta
from typing import NamedTuple

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify
from taggit.models import Tag, TaggedItem

from articles import demotext
from articles.models import Article, ArticleEvent, Byline, Contributor, Revision, Section
from articles.publishing import REVISION_FIELDS
from newsroom.progress import progress_bar

BATCH = 1000
# What the moderation pipeline records for a comment that passed every check.
PASSED = [{"code": "passed", "verdict": "approved", "text": "passed every check"}]
COMMENTERS = 5000


# Who the audit log says made the stories (a system actor, as in articles/publishing.py).
ACTOR = "generate_demo_data"


class Start(NamedTuple):
    number: int
    rng: random.Random
    writer: demotext.Writer
    headline: str
    slug: str


class Table:
    """Rows of one model written in bulk: ``columns`` vary per row, the rest take defaults."""

    def __init__(self, model, columns):
        self.model = model
        fields = {f.attname: f for f in model._meta.concrete_fields if not f.generated}
        self.fields = [fields[name] for name in columns]
        rest = [f for f in fields.values() if f.attname not in columns and not f.primary_key]
        self.fields += rest
        self.constants = tuple(f.get_default() for f in rest)
        # COPY takes JSON as text; the SQLite path prepares values through the fields.
        self.json = [i for i, f in enumerate(self.fields) if f.get_internal_type() == "JSONField"]
        self.rows = []

    def add(self, *values):
        self.rows.append(values + self.constants)

    def write(self, cursor):
        if not self.rows:
            return
        table = connection.ops.quote_name(self.model._meta.db_table)
        names = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:  # noqa: S608
                for row in self.rows:
                    if self.json:
                        row = list(row)
                        for i in self.json:
                            row[i] = json.dumps(row[i], ensure_ascii=False)
                    copy.write_row(row)
        else:
            # Batched INSERTs, as bulk_create would send, but keeping the timestamps given
            # (bulk_create would replace auto_now values with the time of the run).
            marks = ", ".join(["%s"] * len(self.fields))
            prepared = [
                [f.get_db_prep_save(v, connection) for f, v in zip(self.fields, row, strict=True)]
                for row in self.rows
            ]
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", prepared)  # noqa: S608
        self.rows = []


def new_ids(cursor, model, count):
    """``count`` primary keys for rows about to be written, so related rows can name them."""
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return [row[0] for row in cursor.fetchall()]
    # SQLite: the transaction holds the write lock from its start (IMMEDIATE mode).
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")  # noqa: S608
    first = cursor.fetchone()[0] + 1
    return list(range(first, first + count))


class Command(BaseCommand):
    help = "Generate live demo stories with tags, bylines and approved comments, in bulk."

    def add_arguments(self, parser):
        parser.add_argument("--stories", type=int, default=1000, help="How many stories.")
        parser.add_argument(
            "--comments-per-story", type=int, default=5, help="Approved comments on each story."
        )
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same stories.")
        parser.add_argument(
            "--words", type=int, default=100, help="About how many words in each story's body."
        )
        parser.add_argument("--sections", type=int, default=8, help="Sections to spread over.")
        parser.add_argument("--tags", type=int, default=500, help="Distinct tags to use.")
        parser.add_argument("--contributors", type=int, default=200, help="Bylines to use.")
        parser.add_argument(
            "--years", type=float, default=10, help="Publication times spread over this many years."
        )
        parser.add_argument(
            "--jobs",
            type=int,
            help="Batches written at once, each on its own connection (default: 2 on "
            "PostgreSQL, 1 on SQLite or inside a transaction).",
        )
        parser.add_argument(
            "--until",
            help="The newest story's time (ISO 8601, default now); every story is before it.",
        )

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Generated demo data is never written in production mode.")
        for name in ("stories", "sections", "tags", "contributors", "words"):
            if options[name] < (0 if name == "stories" else 1):
                raise CommandError(f"--{name} must be at least 1.")
        if options["comments_per_story"] < 0 or options["years"] <= 0:
            raise CommandError("--comments-per-story must be 0 or more and --years above 0.")
        now = timezone.now()
        until = parse_datetime(options["until"]) if options["until"] else now
        if until is None or timezone.is_naive(until) or until > now:
            raise CommandError(
                "--until must be a past time with a time zone, e.g. 2026-01-01T00:00Z."
            )
        # Writers on connections of their own see only what is committed: inside a caller's
        # transaction (a test, an atomic block) everything goes through its connection.
        alone = connection.vendor != "postgresql" or connection.in_atomic_block
        jobs = options["jobs"] or (1 if alone else 2)
        if jobs > 1 and connection.vendor != "postgresql":
            raise CommandError("--jobs above 1 needs PostgreSQL (SQLite has one writer).")
        if jobs > 1 and alone:
            raise CommandError("--jobs above 1 cannot run inside a transaction.")
        plan = Plan(options, until=until, now=now)
        total = options["stories"]
        batches = [range(n, min(n + BATCH, total)) for n in range(0, total, BATCH)]
        self.verbosity = options["verbosity"]
        bar = progress_bar(self, total=total, unit="stories", unit_scale=True, smoothing=0.1)
        with bar:
            made = run_batches(plan, batches, jobs=jobs, done=bar.update)
        if made:
            retire_cached_pages()
            if connection.vendor == "postgresql":
                refresh_statistics(plan)
        if options["verbosity"]:
            self.stdout.write(
                self.style.SUCCESS(f"{made} new stories ({total - made} already there).")
            )


def run_batches(plan, batches, *, jobs, done):
    """Write ``batches``, ``jobs`` at a time (each thread on its own connection); new stories.

    While one thread writes words, another waits for PostgreSQL to index the last batch:
    the database's work (parsing text for search, updating indexes) is most of the cost.
    """
    if jobs == 1:
        made = 0
        for numbers in batches:
            made += write_batch(plan, numbers)
            done(len(numbers))
        return made
    work = queue.SimpleQueue()
    for numbers in batches:
        work.put(numbers)
    made, failures, lock = [0], [], threading.Lock()

    def worker():
        try:
            while not failures:
                try:
                    numbers = work.get_nowait()
                except queue.Empty:
                    return
                count = write_batch(plan, numbers)
                with lock:
                    made[0] += count
                    done(len(numbers))
        except Exception as error:  # noqa: BLE001 - handed to the main thread below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return made[0]


def write_batch(plan, numbers):
    """One transaction: the missing stories of ``numbers``, with everything they carry."""
    starts = {n: plan.start(n) for n in numbers}
    slugs = {start.slug: n for n, start in starts.items()}
    with transaction.atomic(), connection.cursor() as cursor:
        taken = set(Article.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        stories = [plan.story(starts[n]) for slug, n in slugs.items() if slug not in taken]
        if not stories:
            return 0
        if connection.vendor == "postgresql":
            # A batch lost in a crash is written again by the next run: no need to wait
            # for each commit to reach the disk.
            cursor.execute("SET LOCAL synchronous_commit = off")
            if plan.superuser:
                # Every row written names rows found or written in this same batch, so the
                # per-row foreign-key triggers (a quarter of the database's work) prove
                # nothing: skipped, as pg_restore --disable-triggers does. Check constraints
                # and unique indexes still apply.
                cursor.execute("SET LOCAL session_replication_role = replica")
        for story, pk in zip(stories, new_ids(cursor, Article, len(stories)), strict=True):
            story["id"] = pk
        comments = [c for s in stories for c in s["comments"]]
        for comment, pk in zip(comments, new_ids(cursor, plan.Comment, len(comments)), strict=True):
            comment["id"] = pk
        for table in plan.rows(stories):
            table.write(cursor)
    return len(stories)


class Plan:
    """What to generate: the shared pools (sections, tags, bylines) and each story."""

    def __init__(self, options, *, until, now):
        self.seed = options["seed"]
        self.count = options["stories"]
        self.per_story = options["comments_per_story"]
        self.until = until
        self.now = now
        self.span = timedelta(days=365.25 * options["years"])
        self.body_shape = demotext.body_shape(options["words"])
        self.Comment = apps.get_model("comments", "Comment")
        self.sections = pool(Section, demotext.section_names(options["sections"]))
        self.section_weights = demotext.weights(len(self.sections), 8)
        self.contributors = pool(Contributor, demotext.contributor_names(options["contributors"]))
        self.contributor_weights = demotext.weights(len(self.contributors), 3000)
        self.tags = tag_pool(demotext.tag_names(options["tags"]))
        self.tag_weights = demotext.weights(len(self.tags), 5000)
        self.article_type = ContentType.objects.get_for_model(Article).pk
        self.commenters = [demotext.commenter(n) for n in range(COMMENTERS)]
        self.superuser = False
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW is_superuser")
                self.superuser = cursor.fetchone()[0] == "on"

    def start(self, number):
        """Story ``number`` begun: its own random generator, headline and address."""
        rng = random.Random(f"{self.seed}:{number}")
        writer = demotext.Writer(rng)
        headline = writer.headline()
        slug = f"{slugify(headline)[:200]}-{self.seed}-{number}"
        return Start(number, rng, writer, headline, slug)

    def story(self, start):
        """The rest of the story: words, filing, time and comments (no ids yet)."""
        number, rng, writer, headline, slug = start
        # Oldest first, evenly spread with a little jitter: ids follow publication, as on a site.
        published = self.until - self.span * (1 - (number + rng.random()) / max(self.count, 1))
        tags = list(dict.fromkeys(rng.choices(self.tags, cum_weights=self.tag_weights, k=7)))
        bylines = rng.choices(
            self.contributors,
            cum_weights=self.contributor_weights,
            k=2 if rng.random() < 0.25 else 1,
        )
        story = {
            "slug": slug,
            "headline": headline,
            "summary": writer.summary(),
            "body": writer.body(*self.body_shape),
            "section": rng.choices(self.sections, cum_weights=self.section_weights)[0],
            "publish_at": published,
            "created_at": published - timedelta(minutes=rng.randint(10, 600)),
            "tags": tags[:5],
            "bylines": list(dict.fromkeys(bylines)),
            "comments": [],
        }
        times = writer.comment_times(published, self.now, self.per_story)
        for index, at in enumerate(times):
            name, email, ip = self.commenters[rng.randrange(COMMENTERS)]
            threads = [c for c in story["comments"] if c["parent"] is None]
            parent = rng.choice(threads) if threads and rng.random() < 0.25 else None
            story["comments"].append(
                {"index": index, "parent": parent, "name": name, "email": email, "ip": ip}
                | {"body": writer.comment(), "at": at}
            )
        return story

    def rows(self, stories):
        """The rows of every table for ``stories`` (which have their ids by now)."""
        articles = Table(
            Article,
            ["id", "headline", "slug", "summary", "body", "section_id", "status", "publish_at"]
            + ["first_published_at", "version", "created_at", "updated_at"],
        )
        bylines = Table(Byline, ["article_id", "contributor_id", "position"])
        tagged = Table(TaggedItem, ["object_id", "content_type_id", "tag_id"])
        events = Table(
            ArticleEvent, ["article_id", "action", "from_status", "to_status", "at", "actor"]
        )
        revisions = Table(
            Revision, ["article_id", "number", "created_at", "kind", "note", "data", "actor"]
        )
        comments = Table(
            self.Comment,
            ["id", "article_id", "parent_id", "root_id", "depth", "name", "email", "body"]
            + ["status", "reasons", "ip_address", "created_at"],
        )
        published = Article.Status.PUBLISHED
        for s in stories:
            section = s["section"]
            articles.add(
                s["id"], s["headline"], s["slug"], s["summary"], s["body"], section.pk,
                published, s["publish_at"], s["publish_at"], 2, s["created_at"], s["publish_at"],
            )  # fmt: skip
            for position, contributor in enumerate(s["bylines"]):
                bylines.add(s["id"], contributor.pk, position)
            for tag in s["tags"]:
                tagged.add(s["id"], self.article_type, tag.pk)
            events.add(s["id"], "publish", Article.Status.REVIEW, published, s["publish_at"], ACTOR)
            revisions.add(
                s["id"], 1, s["publish_at"], Revision.Kind.PUBLISHED, "Publish now",
                self.snapshot(s), ACTOR,
            )  # fmt: skip
            for c in s["comments"]:
                parent = c["parent"]
                comments.add(
                    c["id"], s["id"], parent and parent["id"], parent and parent["id"],
                    1 if parent else 0, c["name"], c["email"], c["body"], "approved", PASSED,
                    c["ip"], c["at"],
                )  # fmt: skip
        return [articles, bylines, tagged, events, revisions, comments]

    def snapshot(self, s):
        """The revision's content, as ``publishing.snapshot`` keeps it for a published story."""
        data = {field: s.get(field, "") for field in REVISION_FIELDS}
        data |= {
            "lead_picture": "",
            "lead_picture_id": None,
            "section": s["section"].name,
            "section_id": s["section"].pk,
            "tags": sorted(tag.name for tag in s["tags"]),
            "byline": [c.name for c in s["bylines"]],
            "byline_ids": [c.pk for c in s["bylines"]],
            "status": Article.Status.PUBLISHED,
            "publish_at": s["publish_at"].isoformat(),
            "expire_at": None,
            "embargo_until": None,
        }
        return data


def pool(model, names):
    """Sections or contributors with these names, in this order: found by slug, else created."""
    slugs = [slugify(name) for name in names]
    found = {obj.slug: obj for obj in model.objects.filter(slug__in=slugs)}
    for position, (name, slug) in enumerate(zip(names, slugs, strict=True)):
        if slug not in found:
            extra = {"position": position} if model is Section else {}
            found[slug] = model.objects.create(name=name, slug=slug, **extra)
    return [found[slug] for slug in slugs]


def tag_pool(names):
    """Tags with these names, found by slug (as taggit makes them from names), else created."""
    slugs = [slugify(name) for name in names]
    found = {tag.slug: tag for tag in Tag.objects.filter(slug__in=slugs)}
    # A tag of the same name under another slug is the same tag (names are unique too).
    by_name = {tag.name.lower(): tag for tag in Tag.objects.filter(name__in=names)}
    for name, slug in zip(names, slugs, strict=True):
        if slug not in found and name.lower() in by_name:
            found[slug] = by_name[name.lower()]
    missing = [
        Tag(name=name, slug=slug)
        for name, slug in zip(names, slugs, strict=True)
        if slug not in found
    ]
    found |= {tag.slug: tag for tag in Tag.objects.bulk_create(missing)}
    return [found[slug] for slug in slugs]


def refresh_statistics(plan):
    """What autovacuum does a little later, now: the planner sees the new rows (a tag on a
    tenth of the stories is not read like one on three), and the search index's pending
    entries are merged, so the first readers get the plans later readers will."""
    with connection.cursor() as cursor:
        for model in (Article, Byline, TaggedItem, ArticleEvent, Revision, plan.Comment):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        cursor.execute("SELECT to_regclass('article_search_idx') IS NOT NULL")
        if cursor.fetchone()[0]:
            cursor.execute("SELECT gin_clean_pending_list('article_search_idx')")


def retire_cached_pages():
    """Rows written in bulk send no signals: retire every cached page (``site`` is on each)."""
    from pagecache.invalidation import invalidate

    with transaction.atomic():
        invalidate({"site"})
