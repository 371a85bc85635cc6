"""Posting a comment costs the same on a site with millions of comments as on a new one.

Every check made while the post holds its lock (flood limits, bans, duplicates, "has this
commenter been approved before?") must read the commenter's own rows through an index, not
walk the table: SQLite without statistics once chose the status index for that last check
and read every approved comment on the site, serialising all posting behind it.
"""

import re
from unittest import mock

from django.core.cache import caches
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from articles.tests.factories import make_article
from comments.models import Comment

from .factories import form_data, make_comment

TABLE = "comments_comment"


class PostingQueryPlanTests(TestCase):
    def plan(self, sql):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Tiny test tables are cheapest to scan; ask which index it would use.
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute(f"EXPLAIN {sql}")
            else:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            return "\n".join(str(row[-1]) for row in cursor.fetchall())

    def test_the_checks_on_a_post_read_only_the_commenters_rows(self):
        article = make_article()
        for n in range(30):
            make_comment(article, email=f"reader{n}@example.com", status=Comment.Status.APPROVED)
        with CaptureQueriesContext(connection) as queries:
            response = self.client.post(
                f"/comments/post/{article.pk}/",
                form_data(article, name="New Reader", email="new@example.com"),
                headers={"sec-fetch-site": "same-origin"},
            )
        self.assertEqual(response.status_code, 303)
        checks = [
            q["sql"]
            for q in queries.captured_queries
            if q["sql"].startswith("SELECT") and f'FROM "{TABLE}"' in q["sql"]
        ]
        self.assertTrue(checks)
        for sql in checks:
            plan = self.plan(sql)
            if connection.vendor == "postgresql":
                self.assertNotIn(f"Seq Scan on {TABLE}", plan, f"{plan}\n\n{sql}")
            else:
                self.assertNotRegex(plan, rf"SCAN {TABLE}(?! USING)", f"{plan}\n\n{sql}")
                # Walking the status index alone reads every approved comment.
                self.assertNotRegex(plan, r"USING INDEX \w+ \(status=\?\)", f"{plan}\n\n{sql}")
            self.assertTrue(re.search(r"Index|INDEX|PRIMARY KEY", plan), plan)
            if '"body_digest" = ' in sql:
                # "The same words from anyone lately": by the text's digest, not by
                # walking every comment of the last day (thousands on a busy site).
                self.assertIn("comment_same_words_idx", plan, f"{plan}\n\n{sql}")
        self.assertTrue(any('"body_digest" = ' in sql for sql in checks), checks)


class PostingCacheTripsTests(TestCase):
    """Each round trip to the shared cache (Redis) costs a post about 0.2 ms of CPU:
    the comment settings, the scoring thresholds and the digest's last check come in
    one, however many checks read them."""

    def test_a_post_reads_the_cache_once(self):
        article = make_article()
        reads, inside = [], []
        default = caches["default"]
        for name in ("get", "get_many", "get_or_set", "has_key"):
            original = getattr(default, name)

            def counted(*args, _name=name, _original=original, **kwargs):
                if not inside:  # not the gets a backend's get_many makes itself
                    reads.append((_name, args[:1]))
                inside.append(_name)
                try:
                    return _original(*args, **kwargs)
                finally:
                    inside.pop()

            patcher = mock.patch.object(default, name, counted)
            patcher.start()
            self.addCleanup(patcher.stop)
        for n in range(2):  # the first post finds nothing cached and fills it
            reads.clear()
            with (
                self.captureOnCommitCallbacks(execute=True),  # the digest's check
                CaptureQueriesContext(connection) as queries,
            ):
                response = self.client.post(
                    f"/comments/post/{article.pk}/",
                    form_data(article, name=f"Reader {n}", email=f"reader{n}@example.com"),
                    headers={"sec-fetch-site": "same-origin"},
                    REMOTE_ADDR=f"192.0.2.{n + 1}",  # two readers: no flood limit applies
                )
            self.assertEqual(response.status_code, 303)
            self.assertEqual(Comment.objects.filter(email=f"reader{n}@example.com").count(), 1)
            # The story once, with what deciding reads (no deferred column fetched later).
            stories = [q for q in queries.captured_queries if 'FROM "articles_article"' in q["sql"]]
            self.assertEqual(len(stories), 1, stories)
        self.assertEqual([name for name, _ in reads], ["get_many"], reads)
