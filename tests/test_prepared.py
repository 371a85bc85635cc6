"""Prepared queries (newsroom/prepared.py) answer what their queryset would, on SQLite and
PostgreSQL alike, for every value they are run with, and refuse a build they could not
replay rather than answer wrongly."""

from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import Q, Value
from django.db.models.functions import Upper
from django.db.models.signals import post_save, pre_save
from django.test import TestCase
from django.utils import timezone

from articles.models import Article
from articles.tests.factories import make_article, make_section
from comments.models import Ban, Comment
from comments.tests.factories import make_comment
from newsroom.prepared import PreparedInsert, PreparedQuery

field = Comment._meta.get_field


def live_story():
    return PreparedQuery(
        lambda pk, now: Article.objects.live(at=now).select_related("section").filter(pk=pk)[:1],
        pk=Article._meta.get_field("id"),
        now=Article._meta.get_field("publish_at"),
    )


class SameAnswersAsTheORM(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.now = timezone.now()
        cls.section = make_section(name="Weather")
        cls.story = make_article(section=cls.section)
        cls.later = make_article(publish_at=cls.now + timedelta(hours=2))
        cls.other = make_article()
        for n, (email, ip, minutes) in enumerate(
            [
                ("ada@example.com", "10.0.0.1", 1),
                ("ada@example.com", "10.0.0.2", 30),
                ("bob@example.com", "10.0.0.1", 5),
                ("cy@example.com", None, 2),
            ]
        ):
            make_comment(
                cls.story,
                email=email,
                ip_address=ip,
                body=f"Comment {n}, with a % and an _ in it",
                created_at=cls.now - timedelta(minutes=minutes),
            )

    def test_model_rows_with_their_related_objects_for_each_value(self):
        query = live_story()
        self.assertEqual(query.first(pk=self.story.pk, now=self.now), self.story)
        # Compiled once: the next runs are one query each, and their own answers.
        with self.assertNumQueries(1):
            found = query.first(pk=self.other.pk, now=self.now)
        self.assertEqual(found, self.other)
        with self.assertNumQueries(1):
            found = query.first(pk=self.story.pk, now=self.now)
        with self.assertNumQueries(0):
            self.assertEqual(found.section.name, "Weather")  # select_related, rebuilt
        self.assertEqual(found.publish_at, self.story.publish_at)  # an aware datetime
        self.assertIsNone(query.first(pk=self.later.pk, now=self.now))
        # The moment is a value like any other: two hours on, the later story is live.
        self.assertEqual(
            query.first(pk=self.later.pk, now=self.now + timedelta(hours=3)), self.later
        )

    def test_values_and_nones_match_the_queryset(self):
        def build(email, ip_address, since):
            return (
                Comment.objects.by_commenter(email=email, ip_address=ip_address)
                .filter(created_at__gt=since)
                .order_by("-created_at")
                .values_list("email", "created_at")
            )

        query = PreparedQuery(
            build, email=field("email"), ip_address=field("ip_address"), since=field("created_at")
        )
        cases = [
            ("ada@example.com", "10.0.0.1", self.now - timedelta(hours=1)),
            ("ada@example.com", "10.0.0.1", self.now - timedelta(minutes=10)),
            ("bob@example.com", None, self.now - timedelta(hours=1)),
            (None, "10.0.0.1", self.now - timedelta(hours=1)),
            ("nobody@example.com", "10.9.9.9", self.now - timedelta(hours=1)),
            (None, None, self.now - timedelta(hours=1)),
        ]
        for email, ip, since in cases:
            with self.subTest(email=email, ip=ip, since=since):
                expected = list(build(email, ip, since))
                self.assertEqual(query.rows(email=email, ip_address=ip, since=since), expected)
        self.assertEqual(
            len(
                query.rows(
                    email="ada@example.com",
                    ip_address="10.0.0.1",
                    since=self.now - timedelta(hours=1),
                )
            ),
            3,
        )

    def test_text_is_compared_as_given_with_no_wildcards(self):
        query = PreparedQuery(
            lambda body: Comment.objects.filter(body=body).values_list("pk", flat=True),
            body=field("body"),
        )
        self.assertEqual(len(query.rows(body="Comment 0, with a % and an _ in it")), 1)
        self.assertEqual(query.rows(body="Comment _, with a % and an _ in it"), [])
        self.assertEqual(query.rows(body="%"), [])

    def test_a_number_outside_the_column_finds_nothing_rather_than_failing(self):
        query = live_story()
        self.assertIsNone(query.first(pk=10**30, now=self.now))
        self.assertIsNone(query.first(pk=-(10**30), now=self.now))
        self.assertEqual(query.first(pk=self.story.pk, now=self.now), self.story)

    def test_a_window_takes_the_rows_slicing_would(self):
        def build(since):
            return Comment.objects.filter(created_at__gt=since).order_by("-created_at", "-pk")

        query = PreparedQuery(build, since=field("created_at"))
        since = self.now - timedelta(days=1)
        for start, stop in [(0, 1), (0, 3), (1, 3), (3, 10), (10, 20)]:
            with self.subTest(window=(start, stop)):
                self.assertEqual(
                    query.rows(window=(start, stop), since=since), list(build(since)[start:stop])
                )
        sliced = PreparedQuery(lambda since: build(since)[:2], since=field("created_at"))
        with self.assertRaisesMessage(ImproperlyConfigured, "cannot take a window"):
            sliced.rows(window=(0, 1), since=since)

    def test_a_ban_lookup_with_scopes_and_expiry(self):
        Ban.objects.create(email="ada@example.com", scope=Ban.Scope.EMAIL)
        Ban.objects.create(ip_address="10.0.0.7", scope=Ban.Scope.IP_ADDRESS)
        Ban.objects.create(
            email="old@example.com", expires_at=self.now - timedelta(days=1), scope=Ban.Scope.EMAIL
        )

        def build(email, ip_address, now):
            return Ban.objects.active(now=now).applying_to(email=email, ip_address=ip_address)

        query = PreparedQuery(
            build,
            email=Ban._meta.get_field("email"),
            ip_address=Ban._meta.get_field("ip_address"),
            now=Ban._meta.get_field("expires_at"),
        )
        for email, ip in [
            ("ada@example.com", "10.0.0.1"),
            ("bob@example.com", "10.0.0.7"),
            ("old@example.com", None),
            ("bob@example.com", None),
        ]:
            with self.subTest(email=email, ip=ip):
                self.assertEqual(
                    query.rows(email=email, ip_address=ip, now=self.now),
                    list(build(email, ip, self.now)),
                )
        earlier = self.now - timedelta(days=2)
        self.assertEqual(len(query.rows(email="old@example.com", ip_address=None, now=earlier)), 1)


class BuildsThatCannotBeReplayed(TestCase):
    def run_query(self, build, **fields):
        values = {name: "x@example.com" for name in fields}
        return PreparedQuery(build, **fields).rows(**values)

    def test_a_value_changed_while_building_is_refused(self):
        with self.assertRaisesMessage(ImproperlyConfigured, "email changed while building"):
            self.run_query(
                lambda email: Comment.objects.filter(email=email.lower()).values_list("pk"),
                email=field("email"),
            )
        with self.assertRaisesMessage(ImproperlyConfigured, "name changed while building"):
            self.run_query(
                lambda name: Comment.objects.filter(name__contains=name).values_list("pk"),
                name=field("name"),
            )

    def test_the_clock_read_while_building_is_refused(self):
        with self.assertRaisesMessage(ImproperlyConfigured, "was read while building"):
            self.run_query(
                lambda email: Comment.objects.filter(
                    email=email, created_at__lte=timezone.now()
                ).values_list("pk"),
                email=field("email"),
            )
        with self.assertRaisesMessage(ImproperlyConfigured, "was read while building"):
            PreparedQuery(
                lambda pk: Article.objects.live().filter(pk=pk).values_list("pk"),
                pk=Article._meta.get_field("id"),
            ).rows(pk=1)

    def test_prefetching_is_refused(self):
        with self.assertRaisesMessage(ImproperlyConfigured, "prefetch_related"):
            self.run_query(
                lambda email: Comment.objects.filter(Q(email=email)).prefetch_related("replies"),
                email=field("email"),
            )


class PreparedInserts(TestCase):
    """A prepared insert stores what saving the instance would, on SQLite and PostgreSQL."""

    def setUp(self):
        self.story = make_article()

    def comment(self, **values):
        return Comment(
            **{
                "article": self.story,
                "name": "Ada",
                "email": "ada@example.com",
                "body": "The same words, stored twice.",
                "ip_address": "10.0.0.1",
                "status": Comment.Status.PENDING,
                "reasons": [{"code": "first_time", "verdict": "pending", "text": "First"}],
            }
            | values
        )

    def stored(self, pk):
        row = Comment.objects.filter(pk=pk).values().get()
        row.pop("id")
        row.pop("created_at")
        return row

    def test_the_row_is_the_one_save_stores(self):
        insert = PreparedInsert(Comment)
        saved = self.comment()
        saved.save()
        for n in range(3):  # compiled on the first, replayed after
            prepared = insert.insert(self.comment(user_agent=f"Browser {n}"))
            self.assertIsNotNone(prepared.pk)
            self.assertFalse(prepared._state.adding)
            self.assertEqual(prepared._state.db, "default")
            # What the database works out is read back: auto_now_add, the generated digest.
            again = Comment.objects.get(pk=prepared.pk)
            self.assertEqual(prepared.created_at, again.created_at)
            self.assertEqual(prepared.body_digest, again.body_digest)
            self.assertEqual(prepared.body_digest, saved.body_digest)
            expected = self.stored(saved.pk) | {"user_agent": f"Browser {n}"}
            self.assertEqual(self.stored(prepared.pk), expected)
        parent = insert.insert(self.comment())
        reply = insert.insert(self.comment(parent=parent, root=parent, depth=1))
        self.assertEqual(Comment.objects.get(pk=reply.pk).parent, parent)

    def test_signals_are_sent_as_for_a_save(self):
        seen = []

        def before(sender, instance, **kwargs):
            seen.append(("pre_save", instance.pk, kwargs["raw"]))

        def after(sender, instance, created, **kwargs):
            seen.append(("post_save", instance.pk, created))

        pre_save.connect(before, sender=Comment)
        post_save.connect(after, sender=Comment)
        self.addCleanup(pre_save.disconnect, before, sender=Comment)
        self.addCleanup(post_save.disconnect, after, sender=Comment)
        comment = PreparedInsert(Comment).insert(self.comment())
        self.assertEqual(seen, [("pre_save", None, False), ("post_save", comment.pk, True)])

    def test_an_expression_or_a_key_already_set_goes_through_save(self):
        insert = PreparedInsert(Comment)
        shouting = insert.insert(self.comment(name=Upper(Value("ada"))))
        self.assertEqual(Comment.objects.get(pk=shouting.pk).name, "ADA")
        chosen = insert.insert(self.comment(pk=987_654))
        self.assertTrue(Comment.objects.filter(pk=987_654).exists())
        self.assertEqual(chosen.pk, 987_654)

    def test_a_failed_insert_marks_the_transaction_for_rollback(self):
        insert = PreparedInsert(Comment)
        insert.insert(self.comment())  # compiled
        with transaction.atomic():
            with self.assertRaises(IntegrityError):
                insert.insert(self.comment(article_id=None))  # a comment needs its story
            # As after a failed save(): the block is rolled back when it ends.
            self.assertTrue(transaction.get_rollback())
        self.assertEqual(Comment.objects.count(), 1)
