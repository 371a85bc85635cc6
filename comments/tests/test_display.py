"""Comments on the story page: escaped text, threads, pages of comments, counts, featured."""

from datetime import UTC, datetime, timedelta

from django.template import Context, Template
from django.test import RequestFactory, TestCase, override_settings
from django.utils import timezone

from articles.models import Article
from articles.tests.factories import make_article, make_section, make_user
from comments import moderation, threads
from comments.models import Comment
from comments.threads import comment_counts

from .factories import make_comment, make_settings

APPROVED = Comment.Status.APPROVED


def render_thread(article, query=""):
    request = RequestFactory().get(f"/story/?{query}")
    template = Template("{% load comments %}{% comment_thread article %}")
    return template.render(Context({"article": article, "request": request}))


class CommentTextTests(TestCase):
    def setUp(self):
        self.article = make_article()

    def page_with(self, body, **fields):
        make_comment(self.article, body=body, status=APPROVED, **fields)
        return self.client.get(self.article.get_absolute_url())

    def test_only_approved_comments_are_shown(self):
        make_comment(self.article, body="Approved words", status=APPROVED)
        make_comment(self.article, body="Pending words")
        make_comment(self.article, body="Rejected words", status=Comment.Status.REJECTED)
        make_comment(self.article, body="Spam words", status=Comment.Status.SPAM)
        response = self.client.get(self.article.get_absolute_url())
        self.assertContains(response, "Approved words")
        self.assertContains(response, "Comments (1)")
        for hidden in ["Pending words", "Rejected words", "Spam words"]:
            self.assertNotContains(response, hidden)

    def test_comment_html_is_always_escaped(self):
        """No HTML from readers is ever rendered; line breaks are kept."""
        response = self.page_with('<script>alert("x")</script>\n<b>not bold</b>')
        self.assertNotContains(response, '<script>alert("x")</script>')
        self.assertContains(
            response,
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>&lt;b&gt;not bold&lt;/b&gt;",
        )
        self.assertEqual(Comment.objects.get().body, '<script>alert("x")</script>\n<b>not bold</b>')

    def test_paragraphs_are_kept(self):
        response = self.page_with("First paragraph.\n\nSecond one.")
        self.assertContains(response, "<p>First paragraph.</p>\n\n<p>Second one.</p>")

    def test_comment_names_are_escaped(self):
        response = self.page_with("Hi", name="<i>Eve</i>")
        self.assertContains(response, "&lt;i&gt;Eve&lt;/i&gt;")

    def test_bare_urls_become_nofollow_ugc_links(self):
        response = self.page_with(
            "See https://example.org/a?b=1&c=2, or (www.example.net/page). Fine!"
        )
        self.assertContains(
            response,
            '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow ugc">'
            "https://example.org/a?b=1&amp;c=2</a>, or "
            '(<a href="http://www.example.net/page" rel="nofollow ugc">www.example.net/page</a>).',
        )

    def test_typed_links_and_scripts_urls_stay_text(self):
        response = self.page_with(
            '<a href="http://evil.example">click</a> javascript:alert(1) "http://x.example"'
        )
        self.assertNotContains(response, '<a href="http://evil.example">')
        self.assertNotContains(response, 'href="javascript')
        self.assertContains(response, "&lt;a href=&quot;")
        self.assertContains(response, 'rel="nofollow ugc">http://x.example</a>&quot;')


class ThreadTests(TestCase):
    def setUp(self):
        self.article = make_article()

    def test_replies_are_nested_under_what_they_answer(self):
        first = make_comment(self.article, body="First thought", status=APPROVED)
        reply = make_comment(self.article, parent=first, body="A reply", status=APPROVED)
        make_comment(self.article, parent=reply, body="A reply to the reply", status=APPROVED)
        html = render_thread(self.article)
        self.assertInHTML("<h2 id='comments-title'>Comments (3)</h2>", html)
        self.assertRegex(
            html,
            r"(?s)First thought.*<ol class=\"comment-replies\">.*A reply.*"
            r"<ol class=\"comment-replies\">.*A reply to the reply",
        )

    def test_reply_links_stop_at_the_deepest_level(self):
        first = make_comment(self.article, status=APPROVED)
        second = make_comment(self.article, parent=first, status=APPROVED)
        third = make_comment(self.article, parent=second, status=APPROVED)
        html = render_thread(self.article)
        self.assertIn(f"reply_to={first.pk}#comment-form", html)
        self.assertIn(f"reply_to={second.pk}#comment-form", html)
        self.assertNotIn(f"reply_to={third.pk}#", html)

    def test_reply_under_a_hidden_comment_hangs_under_the_thread(self):
        first = make_comment(self.article, body="Visible start", status=APPROVED)
        hidden = make_comment(self.article, parent=first, body="Rejected middle")
        make_comment(self.article, parent=hidden, body="Orphan reply", status=APPROVED)
        html = render_thread(self.article)
        self.assertIn("Orphan reply", html)
        self.assertNotIn("Rejected middle", html)

    def test_thread_of_a_hidden_first_comment_is_hidden_and_not_counted(self):
        hidden = make_comment(self.article, body="Pending start")
        make_comment(self.article, parent=hidden, body="Approved reply", status=APPROVED)
        html = render_thread(self.article)
        self.assertNotIn("Approved reply", html)
        self.assertIn("No comments yet.", html)

    def test_reply_link_works_without_javascript(self):
        """?reply_to= fills in the form's hidden parent and says who is being answered."""
        first = make_comment(self.article, name="Bo", body="Original point", status=APPROVED)
        page = self.client.get(f"{self.article.get_absolute_url()}?reply_to={first.pk}")
        self.assertContains(page, "Reply to Bo")
        self.assertContains(page, f'<input type="hidden" name="parent" value="{first.pk}">')
        for odd in ["abc", "-3", "99999999999999999999999", str(first.pk + 1000)]:
            with self.subTest(reply_to=odd):
                page = self.client.get(f"{self.article.get_absolute_url()}?reply_to={odd}")
                self.assertContains(page, "Post a comment")
                self.assertNotContains(page, 'name="parent"')

    def test_times_are_shown_in_the_sites_time_zone(self):
        """A comment's time reads as in the site's zone, to the minute, and to the second in datetime."""
        posted = datetime(2026, 3, 1, 22, 30, 15, 500000, tzinfo=UTC)
        comment = make_comment(self.article, status=APPROVED, created_at=posted)
        with override_settings(TIME_ZONE="Europe/Helsinki"):
            html = render_thread(self.article)
        self.assertInHTML(
            f'<a class="permalink" href="#comment-{comment.pk}">'
            '<time datetime="2026-03-02T00:30:15+02:00">2 March 2026, 00:30</time></a>',
            html,
        )

    def test_featured_comments_are_highlighted(self):
        make_comment(self.article, body="Ordinary", status=APPROVED)
        star = make_comment(self.article, body="Insightful", status=APPROVED)
        moderation.feature(star, by=make_user())
        html = render_thread(self.article)
        self.assertIn("Featured comments", html)
        self.assertIn(f'id="comment-{star.pk}" class="comment featured"', html)
        self.assertEqual(html.count("Insightful"), 2)  # on top and in its place

    def test_every_comment_has_a_report_link(self):
        """Each comment, replies too, links to its report page, which asks why."""
        first = make_comment(self.article, status=APPROVED)
        reply = make_comment(self.article, parent=first, status=APPROVED)
        html = render_thread(self.article)
        for comment in (first, reply):
            self.assertInHTML(
                f'<a class="comment-report" href="/comments/report/{comment.pk}/" rel="nofollow">'
                'Report<span class="visually-hidden"> this comment</span></a>',
                html,
            )
        # Sending it is tested with the moderation pipeline (test_moderation.py).
        report_page = self.client.get(f"/comments/report/{first.pk}/")
        self.assertContains(report_page, "Why should moderators look at this comment?")
        self.assertContains(report_page, 'type="radio" name="reason" value="off_topic"')
        self.assertContains(report_page, "Send report")

    def test_the_thread_costs_no_form_per_comment(self):
        """Fifty comments carry no form of their own: the page keeps to its one comment form."""
        for n in range(50):
            make_comment(self.article, body=f"Comment {n}", status=APPROVED)
        page = self.client.get(self.article.get_absolute_url())
        html = page.content.decode()
        self.assertEqual(html.count('class="comment"'), 50)
        self.assertEqual(html.count("<form"), 2)  # the site search and "Post Comment"
        self.assertEqual(html.count("<select"), 0)


class PaginationTests(TestCase):
    """Oldest first, a page of threads at a time (?cpage=), replies kept with their thread."""

    def setUp(self):
        make_settings(per_page=5)
        self.article = make_article()
        start = timezone.now() - timedelta(days=1)
        self.threads = []
        for n in range(12):
            first = make_comment(
                self.article,
                body=f"Thread {n:02d}",
                status=APPROVED,
                created_at=start + timedelta(minutes=n),
            )
            self.threads.append(first)
        # A late reply to an early thread still shows on that thread's page.
        make_comment(
            self.article,
            parent=self.threads[6],
            body="Late reply to 06",
            status=APPROVED,
            created_at=start + timedelta(hours=5),
        )

    def test_first_page_holds_the_oldest_threads(self):
        html = render_thread(self.article)
        self.assertIn("Comments (13)", html)
        self.assertIn("Thread 00", html)
        self.assertIn("Thread 04", html)
        self.assertNotIn("Thread 05", html)
        self.assertIn("Page 1 of 3", html)
        self.assertIn('<a rel="next" href="?cpage=2#comments">Later comments</a>', html)

    def test_later_page_keeps_replies_with_their_thread(self):
        html = render_thread(self.article, "cpage=2")
        self.assertIn("Thread 05", html)
        self.assertIn("Late reply to 06", html)
        self.assertNotIn("Thread 10", html)
        self.assertIn('<a rel="prev" href="?cpage=1#comments">Earlier comments</a>', html)
        self.assertIn(f"cpage=2&amp;reply_to={self.threads[5].pk}#comment-form", html)

    def test_odd_page_numbers_never_fail(self):
        for query, expected in [
            ("cpage=abc", "Thread 00"),
            ("cpage=0", "Thread 00"),
            ("cpage=99", "Thread 11"),
        ]:
            with self.subTest(query=query):
                html = render_thread(self.article, query)
                self.assertIn(expected, html)
        response = self.client.get(f"{self.article.get_absolute_url()}?cpage=-1")
        self.assertEqual(response.status_code, 200)

    def test_a_page_costs_one_query(self):
        """A story with a few hundred comments at most is read whole, counts and all."""
        render_thread(self.article)  # warm the settings cache
        # 1 every approved comment of the story, with the counts
        with self.assertNumQueries(1):
            html = render_thread(self.article, "cpage=2")
        self.assertIn("Late reply to 06", html)

    def test_featured_comments_come_with_that_query(self):
        Comment.objects.filter(pk=self.threads[9].pk).update(featured=True)
        render_thread(self.article)
        # 1 every approved comment of the story, with the counts
        with self.assertNumQueries(1):
            html = render_thread(self.article)
        self.assertIn("Thread 09", html)
        self.assertIn('<h3 id="featured-comments-title">Featured comments</h3>', html)

    def test_link_to_an_approved_comment_points_at_its_page(self):
        reply = Comment.objects.get(body="Late reply to 06")
        self.assertEqual(
            reply.get_absolute_url(),
            f"{self.article.get_absolute_url()}?cpage=2#comment-{reply.pk}",
        )
        self.assertEqual(
            self.threads[0].get_absolute_url(),
            f"{self.article.get_absolute_url()}#comment-{self.threads[0].pk}",
        )


class ManyCommentsTests(TestCase):
    def add_comments(self, article, count, *, start):
        return Comment.objects.bulk_create(
            Comment(
                article=article,
                name=f"Reader {n}",
                email=f"r{n}@example.com",
                body=f"Comment number {n}",
                status=APPROVED,
                created_at=start + timedelta(seconds=n),
            )
            for n in range(count)
        )

    def test_five_thousand_comments_cost_the_same_queries_and_one_page(self):
        """A story with 5,000 comments renders one page of them, in two queries."""
        article = make_article()
        self.add_comments(article, 5000, start=timezone.now() - timedelta(days=1))
        render_thread(article)
        # 1 the oldest comments with the counts, 2 the page's threads with their replies
        with self.assertNumQueries(2):
            html = render_thread(article, "cpage=7")
        self.assertIn("Comments (5000)", html)
        self.assertIn("Page 7 of 100", html)
        self.assertEqual(html.count('class="comment"'), 50)
        self.assertIn("Comment number 300<", html)
        self.assertNotIn("Comment number 299<", html)

    def test_a_long_thread_keeps_late_replies_and_featured_comments(self):
        """Past what is read whole, a page still holds its threads' replies, however late."""
        article = make_article()
        start = timezone.now() - timedelta(days=1)
        comments = self.add_comments(article, threads.READ_WHOLE + 50, start=start)
        first = comments[2]
        late = make_comment(
            article, parent=first, body="A late reply", status=APPROVED, created_at=timezone.now()
        )
        make_comment(article, parent=late, body="A reply to it", status=APPROVED)
        star = comments[-1]  # newer than anything the first query reads
        Comment.objects.filter(pk=star.pk).update(featured=True)
        render_thread(article)
        # 1 the oldest comments with the counts, 2 the page's threads with their replies,
        # 3 the featured comments (none among the oldest)
        with self.assertNumQueries(3):
            html = render_thread(article)
        self.assertIn(f"Comments ({threads.READ_WHOLE + 52})", html)
        self.assertIn("Page 1 of 6", html)
        self.assertRegex(
            html,
            r"(?s)Comment number 2<.*<ol class=\"comment-replies\">.*A late reply.*"
            r"<ol class=\"comment-replies\">.*A reply to it.*Comment number 3<",
        )
        self.assertIn(f'id="comment-{first.pk}"', html)
        self.assertIn(f"Comment number {threads.READ_WHOLE + 49}<", html)  # featured, on top
        self.assertNotIn(f'id="comment-{star.pk}"', html)  # its own place is on page 6
        # Later pages: the oldest comments, then the page's threads
        with self.assertNumQueries(2):
            html = render_thread(article, "cpage=6")
        self.assertIn(f'id="comment-{star.pk}" class="comment featured"', html)
        self.assertNotIn("A late reply", html)


class CountInListsTests(TestCase):
    def setUp(self):
        self.section = make_section(slug="local")

    def test_story_lists_show_comment_counts(self):
        article = make_article(headline="Much discussed", section=self.section)
        quiet = make_article(headline="Nobody commented", section=self.section)
        make_comment(article, status=APPROVED)
        make_comment(article, status=APPROVED)
        make_comment(article)  # pending: not counted
        listing = self.client.get("/section/local/")
        self.assertContains(
            listing,
            f'<a class="comment-count" href="{article.get_absolute_url()}#comments">2 comments</a>',
            html=True,
        )
        self.assertNotContains(listing, f'href="{quiet.get_absolute_url()}#comments"')

    def test_counts_cost_one_query_for_the_whole_list(self):
        for _ in range(3):
            make_comment(make_article(section=self.section), status=APPROVED)
        articles = list(Article.objects.all())
        with self.assertNumQueries(1):  # the approved comments counted per story
            counts = comment_counts(articles)
        self.assertEqual(sorted(counts.values()), [1, 1, 1])
        with self.assertNumQueries(0):  # then from the cache
            comment_counts(articles)

    def test_counts_refresh_when_a_comment_is_approved(self):
        article = make_article(section=self.section)
        pending = make_comment(article)
        self.assertNotContains(self.client.get("/section/local/"), "1 comment<")
        with self.captureOnCommitCallbacks(execute=True):
            moderation.approve(pending, by=make_user())
        self.assertContains(self.client.get("/section/local/"), "1 comment<")
