"""The moderation dashboard: its figures, its charts, who may see it."""

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta

import time_machine
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.tests.factories import make_article, make_user
from comments import charts, dashboard, moderation
from comments.checks import Finding
from comments.models import Comment, Reason

from .factories import make_comment, make_settings

DASHBOARD = reverse("admin:comments_dashboard")
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
SVG = "{http://www.w3.org/2000/svg}"
PENDING, APPROVED, REJECTED, SPAM = "pending", "approved", "rejected", "spam"


def at(day, hour=12, minute=0, month=11):
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def reason(code, verdict):
    return Finding(code, verdict, str(Reason(code).label)).as_reason()


def posted(article, when, status, *codes, **fields):
    """A comment posted at ``when`` with the pipeline's reasons for ``status``."""
    with time_machine.travel(when, tick=False):
        return make_comment(
            article,
            status=status,
            reasons=[reason(code, APPROVED if code == Reason.PASSED else status) for code in codes],
            **fields,
        )


def decide(decision, comment, *, by, when):
    with time_machine.travel(when, tick=False):
        decision(comment, by=by)


class DashboardTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.article = make_article(headline="Harbour plans")
        cls.ann = make_user("ann", groups=["Moderators"], first_name="Ann", last_name="Lee")
        cls.bob = make_user("bob", groups=["Moderators"])

    def build_desk(self):
        """Comments held, decided by people and by the checks, reported — inside and outside
        the 30 days up to NOW (30 November, noon)."""
        a, ann, bob = self.article, self.ann, self.bob
        make_settings(report_threshold=1)
        # Held, then decided by moderators: after 2 hours, 6 hours and 24 hours.
        c1 = posted(a, at(28, 10), PENDING, Reason.FIRST_TIME)
        decide(moderation.approve, c1, by=ann, when=at(28, 12))
        c2 = posted(a, at(29, 8), PENDING, Reason.LINKS, email="two@example.com")
        decide(moderation.reject, c2, by=bob, when=at(29, 14))
        c3 = posted(a, at(29, 9), PENDING, Reason.FIRST_TIME, Reason.LINKS, email="3@example.com")
        decide(moderation.mark_spam, c3, by=ann, when=at(30, 9))
        # Still waiting; the one from 25 November is the oldest.
        posted(a, at(30, 6), PENDING, Reason.FIRST_TIME, email="four@example.com")
        posted(a, at(25, 12), PENDING, Reason.PREMODERATED, email="five@example.com")
        # Decided by the checks when posted.
        posted(a, at(30, 7), APPROVED, Reason.PASSED, email="six@example.com")
        posted(a, at(30, 7, 30), SPAM, Reason.HONEYPOT, email="seven@example.com")
        posted(a, at(10), REJECTED, Reason.REJECTED_WORD, email="nine@example.com")
        # Posted in October, sent back to the queue by a reader's report on 29 November.
        c8 = posted(a, at(20, month=10), APPROVED, Reason.PASSED, email="eight@example.com")
        with time_machine.travel(at(29, 18), tick=False):
            moderation.report(c8, reason="abuse", ip_address="192.0.2.8")
        # Decided in October: outside the window.
        c10 = posted(a, at(1, month=10), PENDING, Reason.FIRST_TIME, email="ten@example.com")
        decide(moderation.approve, c10, by=bob, when=at(2, month=10))

    def figures(self):
        with time_machine.travel(NOW, tick=False):
            return dashboard.figures()


class FigureTests(DashboardTestCase):
    def setUp(self):
        self.build_desk()

    def test_queue_sizes_now(self):
        """Each queue counts its comments; the reported one is also awaiting moderation."""
        queues = {q["key"]: q["count"] for q in self.figures().queues}
        self.assertEqual(queues, {PENDING: 3, "reported": 1, APPROVED: 3, REJECTED: 2, SPAM: 2})

    def test_comments_posted_per_day_by_status_now(self):
        """Thirty days up to today; each day counts the comments posted then, by status now."""
        data = self.figures()
        self.assertEqual(len(data.days), 30)
        self.assertEqual((data.days[0], data.days[-1]), (date(2026, 11, 1), date(2026, 11, 30)))
        expected = {
            date(2026, 11, 10): {REJECTED: 1},
            date(2026, 11, 25): {PENDING: 1},
            date(2026, 11, 28): {APPROVED: 1},
            date(2026, 11, 29): {REJECTED: 1, SPAM: 1},
            date(2026, 11, 30): {PENDING: 1, APPROVED: 1, SPAM: 1},
        }
        for status in Comment.Status.values:
            with self.subTest(status=status):
                self.assertEqual(
                    data.posted_per_day[status],
                    [expected.get(day, {}).get(status, 0) for day in data.days],
                )

    def test_decisions_and_reports_per_day(self):
        data = self.figures()
        index = {day.day: i for i, day in enumerate(data.days)}
        decided = {
            status: {data.days[i].day for i, n in enumerate(per_day) for _ in range(n)}
            for status, per_day in data.decided_per_day.items()
        }
        self.assertEqual(decided, {PENDING: set(), APPROVED: {28}, REJECTED: {29}, SPAM: {30}})
        self.assertEqual(data.reports_per_day[index[29]], 1)
        self.assertEqual(sum(data.reports_per_day), 1)

    def test_oldest_held_comment(self):
        """The oldest wait counts from posting, or for a reported comment from its report:
        the October comment readers sent back on 29 November is not the oldest."""
        data = self.figures()
        self.assertEqual(data.oldest_held_at, at(25, 12))
        self.assertEqual(data.oldest_held_age, timedelta(days=5))
        self.assertEqual(dashboard.duration_text(data.oldest_held_age), "5 days")

    def test_median_time_from_posting_to_decision(self):
        """Waits of 2, 6 and 24 hours in the window (October's is left out): 6 hours."""
        data = self.figures()
        self.assertEqual(data.decisions, 3)
        self.assertEqual(data.median_decision, timedelta(hours=6))

    def test_median_of_an_even_number_is_between_the_middle_two(self):
        extra = posted(self.article, at(30, 8), PENDING, Reason.LINKS, email="x@example.com")
        decide(moderation.approve, extra, by=self.bob, when=at(30, 11))  # 3 hours
        self.assertEqual(self.figures().median_decision, timedelta(hours=4, minutes=30))

    def test_decisions_by_reason(self):
        """Every reason given with a verdict in the window, by verdict; older ones left out."""
        by_reason = {r["code"]: r["counts"] for r in self.figures().by_reason}
        nothing = dict.fromkeys(Comment.Status.values, 0)
        self.assertEqual(
            by_reason,
            {
                Reason.FIRST_TIME: nothing | {PENDING: 3},
                Reason.LINKS: nothing | {PENDING: 2},
                Reason.MODERATOR: nothing | {APPROVED: 1, REJECTED: 1, SPAM: 1},
                Reason.PREMODERATED: nothing | {PENDING: 1},
                Reason.PASSED: nothing | {APPROVED: 1},
                Reason.HONEYPOT: nothing | {SPAM: 1},
                Reason.REJECTED_WORD: nothing | {REJECTED: 1},
                Reason.REPORTED: nothing | {PENDING: 1},
            },
        )
        self.assertEqual(self.figures().by_reason[0]["label"], "first comment from this commenter")

    def test_decisions_by_moderator(self):
        """The busiest first, named by full name or else username; October's not counted."""
        by_moderator = self.figures().by_moderator
        self.assertEqual(
            [
                (m["name"], m["total"], m["counts"][APPROVED], m["counts"][SPAM])
                for m in by_moderator
            ],
            [("Ann Lee", 2, 1, 1), ("bob", 1, 0, 0)],
        )
        self.assertEqual(by_moderator[1]["counts"][REJECTED], 1)

    @override_settings(TIME_ZONE="America/New_York")
    def test_days_are_the_sites_days(self):
        """At 02:00 UTC on 30 November it is still 29 November in New York."""
        posted(self.article, at(30, 2), SPAM, Reason.HONEYPOT, email="late@example.com")
        data = self.figures()
        self.assertEqual(data.days[-1], date(2026, 11, 30))
        self.assertEqual(data.posted_per_day[SPAM][-2:], [2, 1])


class QueryCountTests(DashboardTestCase):
    def add_comments(self, n, start):
        for i in range(n):
            c = posted(
                self.article,
                start + timedelta(minutes=i),
                PENDING,
                Reason.FIRST_TIME,
                email=f"n{start:%d}{i}@example.com",
            )
            decide(
                moderation.approve,
                c,
                by=[self.ann, self.bob][i % 2],
                when=start + timedelta(hours=1),
            )

    def test_the_figures_take_seven_queries_whatever_the_number_of_comments(self):
        for n, start in [(2, at(20)), (12, at(21))]:
            self.add_comments(n, start)
            # 1. queue counts, oldest held, decisions; 2. posted per day; 3. decided
            # per day; 4. reports per day; 5. the median's middle rows; 6. reasons
            # from the decision history; 7. decisions per moderator.
            with (
                self.subTest(comments=n),
                time_machine.travel(NOW, tick=False),
                self.assertNumQueries(7),
            ):
                dashboard.figures()

    def test_without_decisions_the_median_is_not_asked_for(self):
        with time_machine.travel(NOW, tick=False), self.assertNumQueries(6):
            data = dashboard.figures()
        self.assertIsNone(data.median_decision)
        self.assertEqual(dashboard.duration_text(data.median_decision), "—")

    def test_the_page_takes_as_many_queries_for_more_comments(self):
        self.client.force_login(self.ann)
        counts = []
        for n, start in [(2, at(20)), (15, at(22))]:
            self.add_comments(n, start)
            with (
                time_machine.travel(NOW, tick=False),
                CaptureQueriesContext(connection) as queries,
            ):
                response = self.client.get(DASHBOARD)
            self.assertEqual(response.status_code, 200)
            counts.append(len(queries))
        self.assertEqual(counts[0], counts[1])


class PageTests(DashboardTestCase):
    def get(self, user):
        self.client.force_login(user)
        with time_machine.travel(NOW, tick=False):
            return self.client.get(DASHBOARD)

    def test_moderators_see_the_figures_and_charts(self):
        self.build_desk()
        response = self.get(self.ann)
        self.assertContains(response, "<h1>Moderation dashboard</h1>", html=True)
        self.assertContains(
            response,
            '<div class="figure-queue-pending"><dt><a href="/admin/comments/comment/?queue=pending">'
            "Awaiting moderation</a></dt><dd>3</dd></div>",
            html=True,
        )
        self.assertContains(response, "<dd>5 days</dd>", html=True)
        self.assertContains(response, "<dd>6 hours</dd>", html=True)
        for title in [
            "Queues now",
            "Comments posted per day, by status now",
            "Moderators' decisions per day, by status now",
            "Readers' reports per day",
            "Decisions by reason",
            "Decisions by moderator",
        ]:
            with self.subTest(chart=title):
                self.assertContains(response, "<figcaption", count=6)
                self.assertContains(response, f"<caption>{title}</caption>".replace("'", "&#x27;"))
        # The data table for people who cannot see the chart.
        self.assertContains(
            response,
            '<tr><th scope="row">Ann Lee</th><td class="number">0</td><td class="number">1</td>'
            '<td class="number">0</td><td class="number">1</td><td class="number">2</td></tr>',
            html=True,
        )
        page = response.content.decode()
        self.assertNotIn("<script", page[page.index('id="content-main"') :])

    def test_staff_who_cannot_moderate_are_refused(self):
        writer = make_user("wri", groups=["Writers"])
        self.assertEqual(self.get(writer).status_code, 403)

    def test_anonymous_visitors_are_sent_to_log_in(self):
        response = self.client.get(DASHBOARD)
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("admin:login"), response["Location"])

    def test_admin_index_and_comment_list_link_to_it(self):
        self.client.force_login(self.ann)
        for url in [reverse("admin:index"), reverse("admin:comments_comment_changelist")]:
            with self.subTest(url=url):
                self.assertContains(self.client.get(url), f'href="{DASHBOARD}"')


class ChartTests(DashboardTestCase):
    def test_every_chart_is_well_formed_svg_with_a_title_and_description(self):
        make_user("eve", groups=["Moderators"], first_name='<b>Eve</b> & "Co"')
        c = posted(self.article, at(29), PENDING, Reason.LINKS)
        eve = type(self.ann).objects.get(username="eve")
        decide(moderation.reject, c, by=eve, when=at(29, 13))
        for chart in dashboard.charts(self.figures()):
            with self.subTest(chart=chart.id):
                svg = ET.fromstring(str(chart.svg))
                self.assertEqual(svg.tag, f"{SVG}svg")
                self.assertEqual(svg.get("role"), "img")
                title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
                self.assertEqual(title.text, chart.title)
                self.assertTrue(desc.text)
                self.assertEqual(svg.get("aria-labelledby"), title.get("id"))
                self.assertEqual(svg.get("aria-describedby"), desc.get("id"))
                self.assertNotIn("style=", str(chart.svg))
        moderators = next(c for c in dashboard.charts(self.figures()) if c.id == "chart-moderators")
        svg = ET.fromstring(str(moderators.svg))
        # The name is shown as written, never as markup.
        self.assertIn('<b>Eve</b> & "Co"', [t.text for t in svg.iter(f"{SVG}text")])
        self.assertEqual(list(svg.iter(f"{SVG}b")), [])
        self.assertIn("&lt;b&gt;Eve&lt;/b&gt;", str(moderators.svg))

    def test_bars_are_as_long_as_their_values(self):
        svg = ET.fromstring(
            str(
                charts.bar_chart(
                    "c",
                    title="T",
                    description="D",
                    rows=[("one", {"n": 1}), ("four", {"n": 4})],
                    series=[charts.Series("n", "N", "#000")],
                )
            )
        )
        widths = [float(r.get("width")) for r in svg.iter(f"{SVG}rect")]
        self.assertEqual(len(widths), 2)
        self.assertAlmostEqual(widths[1] / widths[0], 4, places=1)
        self.assertEqual([t.text for t in svg.iter(f"{SVG}title")], ["T", "one: 1", "four: 4"])

    def test_a_day_chart_has_a_column_per_day_with_a_value(self):
        days = [date(2026, 11, d) for d in range(1, 31)]
        values = {"n": [0] * 29 + [3]}
        svg = ET.fromstring(
            str(
                charts.day_chart(
                    "d",
                    title="T",
                    description="D",
                    days=days,
                    values=values,
                    series=[charts.Series("n", "comments", "#000")],
                )
            )
        )
        bars = list(svg.iter(f"{SVG}rect"))
        self.assertEqual([b.find(f"{SVG}title").text for b in bars], ["30 Nov: 3"])
        labels = [t.text for t in svg.iter(f"{SVG}text")]
        self.assertIn("30 Nov", labels)
        self.assertIn("2 Nov", labels)
