"""The moderation desk, for readers and for the people told about held comments.

Readers: the report form asks for a reason with none chosen for them; feeds open
in a browser as a page (an XSLT stylesheet) and stay valid feeds; /feeds/ lists
them. The digest: the Moderators group hears about held comments out of the box,
a digest nobody receives announces nothing, and the management command sends a
due digest without waiting for another comment.
"""

from datetime import timedelta
from io import StringIO

import feedparser
import time_machine
from django.contrib.staticfiles import finders
from django.core import mail
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from lxml import etree, html

from articles.feeds import FEED_STYLESHEET
from articles.tests.factories import make_article, make_section, make_user
from comments.digest import send_digest
from comments.forms import ReportForm
from comments.models import Comment, Digest, NotificationPreference, Report

from .factories import make_comment, make_settings

FEEDS = ["/feed/", "/feed/atom/", "/section/local/feed/", "/section/local/feed/atom/"]
FEEDS += ["/tag/harbour/feed/", "/tag/harbour/feed/atom/"]


class ReportFormTests(TestCase):
    def setUp(self):
        article = make_article(headline="Harbour bridge")
        self.comment = make_comment(article, body="Buy cheap watches", status="approved")
        self.url = reverse("comments:report", args=[self.comment.pk])

    def test_no_reason_is_chosen_in_advance(self):
        """The reader sees every reason as a radio button, none of them already ticked."""
        page = html.fromstring(self.client.get(self.url).content)
        radios = page.xpath("//form//input[@name='reason']")
        self.assertEqual([r.get("type") for r in radios], ["radio"] * len(Report.Why))
        self.assertEqual([r.get("value") for r in radios], list(Report.Why.values))
        self.assertEqual([r for r in radios if r.get("checked") is not None], [])
        self.assertFalse(page.xpath("//form//select"))
        legend = page.xpath("//form//fieldset/legend/text()")
        self.assertEqual(legend, ["Why should moderators look at this comment?"])
        # Each reason is named by its own label.
        labels = [
            " ".join(label.text_content().split()) for label in page.xpath("//fieldset//label")
        ]
        self.assertEqual(labels, [str(label) for label in Report.Why.labels])

    def test_sending_without_a_reason_asks_for_one_and_stores_nothing(self):
        response = self.client.post(self.url, {}, headers={"sec-fetch-site": "same-origin"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Your report was not sent.", status_code=400)
        self.assertContains(response, "Please choose a reason.", status_code=400)
        self.assertEqual(Report.objects.count(), 0)
        self.assertFalse(ReportForm({}).is_valid())

    def test_a_chosen_reason_is_sent(self):
        response = self.client.post(
            self.url, {"reason": "spam"}, headers={"sec-fetch-site": "same-origin"}
        )
        self.assertEqual(response.status_code, 303)
        self.assertEqual(Report.objects.get().reason, Report.Why.SPAM)

    def test_a_reason_not_listed_is_refused_and_the_form_comes_back(self):
        response = self.client.post(
            self.url, {"reason": "boring"}, headers={"sec-fetch-site": "same-origin"}
        )
        self.assertContains(response, "Please choose one of the reasons listed.", status_code=400)
        self.assertEqual(Report.objects.count(), 0)


class FeedStylesheetTests(TestCase):
    def setUp(self):
        section = make_section(name="Local", slug="local")
        make_article(
            headline="Bridge & tunnel <reopen>",
            summary="Traffic flows again.",
            section=section,
            tags=["harbour"],
        )

    def stylesheet(self):
        path = finders.find(FEED_STYLESHEET)
        self.assertIsNotNone(path, "the stylesheet is one of the site's static files")
        with open(path, "rb") as file:
            return etree.XSLT(etree.parse(file))

    def test_every_feed_names_the_sites_own_stylesheet_and_stays_a_valid_feed(self):
        for url in FEEDS:
            with self.subTest(url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                document = etree.fromstring(response.content)  # well-formed XML
                instructions = [
                    node
                    for node in document.itersiblings(preceding=True)
                    if isinstance(node, etree._ProcessingInstruction)
                ]
                self.assertEqual(len(instructions), 1)
                self.assertEqual(instructions[0].target, "xml-stylesheet")
                self.assertEqual(instructions[0].get("type"), "text/xsl")
                # Same site, relative: the browser fetches it from us, nobody else.
                self.assertEqual(instructions[0].get("href"), f"/static/{FEED_STYLESHEET}")
                feed = feedparser.parse(response.content)
                self.assertFalse(feed.bozo, feed.get("bozo_exception"))
                self.assertEqual(feed.entries[0].title, "Bridge & tunnel <reopen>")

    def test_followed_from_the_feeds_page_a_feed_comes_as_xml_a_browser_draws(self):
        """Chromium shows rss+xml as text: the feeds page's links ask for plain XML."""
        for url in ["/feed/", "/feed/atom/"]:
            with self.subTest(url):
                for_readers = self.client.get(url)
                for_people = self.client.get(f"{url}?view=page")
                self.assertIn("+xml", for_readers["Content-Type"])
                self.assertEqual(for_people["Content-Type"], "application/xml; charset=utf-8")
                self.assertEqual(for_people.content, for_readers.content)
                self.assertEqual(for_people["X-Content-Type-Options"], "nosniff")

    def test_a_feed_drawn_with_its_stylesheet_is_a_page_of_stories(self):
        """What a browser shows: a heading, what a feed is, the address, the stories as links."""
        transform = self.stylesheet()
        for url in ["/feed/", "/feed/atom/"]:
            with self.subTest(url):
                feed = etree.fromstring(self.client.get(url).content)
                page = html.fromstring(str(transform(feed.getroottree())))
                self.assertEqual(page.xpath("//h1")[0].text_content(), "Newsroom")
                self.assertIn("What is a feed?", page.xpath("//h2/text()"))
                self.assertIn("Copy this address into your feed reader", page.text_content())
                address = page.xpath("//input[@id='feed-address']/@value")
                self.assertEqual(address, [f"http://testserver{url}"])
                story = page.xpath("//ol[@class='feed-stories']/li//a")[0]
                self.assertEqual(story.text_content(), "Bridge & tunnel <reopen>")
                self.assertTrue(story.get("href").startswith("http://testserver/story/"))
                # Nothing the strict CSP would refuse, nothing from elsewhere.
                self.assertFalse(page.xpath("//@style | //style | //script"))
                self.assertEqual(
                    page.xpath("//link[@rel='stylesheet']/@href"), ["/static/css/site.css"]
                )

    def test_the_feeds_page_lists_every_feed_and_the_footer_links_to_it(self):
        make_section(name="Culture", slug="culture")
        page = self.client.get("/")
        self.assertContains(page, '<a href="/feeds/">Feeds (RSS and Atom)</a>', html=True)
        response = self.client.get("/feeds/")
        self.assertContains(response, "copy its address below into your feed reader")
        links = html.fromstring(response.content).xpath("//main//a/@href")
        for url in [
            "/feed/",
            "/feed/atom/",
            "/section/local/feed/",
            "/section/local/feed/atom/",
            "/section/culture/feed/",
            "/section/culture/feed/atom/",
        ]:
            self.assertIn(f"{url}?view=page", links)
        self.assertContains(response, "<code>http://testserver/section/culture/feed/</code>")
        self.assertContains(response, "/tag/<var>name</var>/feed/")


class DigestRecipientTests(TestCase):
    def setUp(self):
        make_settings(digest_recipients="", digest_minutes=60)
        self.article = make_article(headline="Harbour bridge")

    def test_moderators_hear_about_held_comments_out_of_the_box(self):
        make_user(email="Mo@Example.com", groups=["Moderators"])
        make_user(email="wri@example.com", groups=["Writers"])
        make_user(email="gone@example.com", groups=["Moderators"], is_active=False)
        make_comment(self.article, body="Please look")
        digest = send_digest()
        self.assertEqual(digest.recipient_count, 1)
        self.assertEqual([m.to for m in mail.outbox], [["mo@example.com"]])
        self.assertIn("Please look", mail.outbox[0].body)

    def test_a_moderator_who_opted_out_is_not_sent_it(self):
        quiet = make_user(email="quiet@example.com", groups=["Moderators"])
        NotificationPreference.objects.create(user=quiet, all_held=False, my_stories=True)
        make_user(email="mo@example.com", groups=["Moderators"])
        make_comment(self.article)
        send_digest()
        self.assertEqual([m.to for m in mail.outbox], [["mo@example.com"]])

    def test_a_digest_nobody_receives_announces_nothing(self):
        """With no one to tell, held comments wait for the next digest that has readers."""
        make_user(email="", groups=["Moderators"])  # no address to write to
        held = make_comment(self.article, body="Still waiting")
        self.assertIsNone(send_digest())
        self.assertEqual(mail.outbox, [])
        self.assertEqual(Digest.objects.count(), 0)
        held.refresh_from_db()
        self.assertIsNone(held.digested_at)
        self.assertEqual(list(Comment.objects.awaiting_digest()), [held])
        # Once someone is there to hear it, the comment is announced.
        make_user(email="mo@example.com", groups=["Moderators"])
        digest = send_digest()
        self.assertEqual((digest.comment_count, digest.recipient_count), (1, 1))
        self.assertIn("Still waiting", mail.outbox[0].body)


class DigestCommandTests(TestCase):
    def setUp(self):
        make_settings(digest_recipients="desk@example.com", digest_minutes=60)
        self.article = make_article(headline="Harbour bridge")

    def test_the_command_announces_a_comment_held_in_a_quiet_spell(self):
        """Cron runs the command; a comment held after a digest goes out once the interval ends."""
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            make_comment(self.article, body="First")
            call_command("send_comment_digest", stdout=StringIO())
        self.assertEqual(len(mail.outbox), 1)
        with time_machine.travel(start + timedelta(minutes=10), tick=False):
            make_comment(self.article, body="Posted in a quiet spell")
            out = StringIO()
            call_command("send_comment_digest", stdout=out)
            self.assertIn("No digest sent", out.getvalue())
        self.assertEqual(len(mail.outbox), 1)
        with time_machine.travel(start + timedelta(minutes=61), tick=False):
            out = StringIO()
            call_command("send_comment_digest", stdout=out)
        self.assertIn("Digest sent: 1 held comment(s), 1 recipient(s).", out.getvalue())
        self.assertEqual(len(mail.outbox), 2)
        self.assertIn("Posted in a quiet spell", mail.outbox[1].body)
        self.assertNotIn("First", mail.outbox[1].body)
        self.assertEqual(Digest.objects.latest().sent_at, start + timedelta(minutes=61))
