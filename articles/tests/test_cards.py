"""The story cards of list pages, drawn in Python (``articles/cards.py``)."""

from datetime import UTC, datetime, timedelta

from django.template import Context, Template
from django.test import TestCase, override_settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from articles import seo
from articles.cards import _html, story_card

from .factories import make_article, make_contributor, make_section


class DayTimeTests(TestCase):
    def test_the_same_words_as_the_date_filter_in_every_month_and_zone(self):
        start = datetime(2026, 1, 1, 0, 5, tzinfo=UTC)
        for zone in ("UTC", "America/Chicago", "Asia/Kolkata"):
            with override_settings(TIME_ZONE=zone), timezone.override(zone):
                for n in range(0, 400, 9):
                    value = start + timedelta(days=n, hours=n % 24, minutes=n % 60)
                    local = timezone.localtime(value)
                    with self.subTest(zone=zone, value=value):
                        self.assertEqual(seo.day_time(value), date_format(local, "j F Y, H:i"))
                        self.assertEqual(
                            seo.day_time(value, short=True), date_format(local, "j M, H:i")
                        )
        self.assertEqual(seo.day_time(None), "")


class StoryCardTests(TestCase):
    def test_a_card_shows_the_story_escaped_with_its_section_byline_and_time(self):
        story = make_article(
            headline="Fish & <chips>",
            summary='A "quoted" <summary>.',
            section=make_section(name="Food & Drink", slug="food"),
            byline=[
                make_contributor(name="Ann"),
                make_contributor(name="Bo"),
                make_contributor(name="Cy"),
            ],
            publish_at=datetime(2026, 3, 4, 5, 6, tzinfo=UTC),
        )
        card = story_card(story, level=3)
        self.assertIn('<h3><a href="/story/', card)
        self.assertIn(">Fish &amp; &lt;chips&gt;</a></h3>", card)
        self.assertIn("A &quot;quoted&quot; &lt;summary&gt;.", card)
        self.assertIn('<p class="kicker"><a href="/section/food/">Food &amp; Drink</a></p>', card)
        self.assertRegex(card, r">Ann</a>, <a [^>]+>Bo</a> and <a [^>]+>Cy</a></span> · ")
        self.assertIn('<time datetime="2026-03-04T05:06:00+00:00">4 March 2026, 05:06</time>', card)
        self.assertNotIn("kicker", story_card(story, hide_section=True))
        self.assertIn("<h2>", story_card(story))


class MarkupTests(TestCase):
    def test_cards_escape_exactly_as_format_html_does(self):
        lazy_text = lazy(lambda: "Tom's <b>", str)()
        lazy_safe = lazy(lambda: mark_safe("<i>kept</i>"), str)()
        values = [
            "Fish & <chips> \"quoted\" 'single'",
            mark_safe("<em>safe</em>"),
            lazy_text,
            lazy_safe,
            42,
            None,
            "",
        ]
        template = '<p title="{}">{}</p>'
        for value in values:
            with self.subTest(value=value):
                self.assertEqual(_html(template, value, value), format_html(template, value, value))
                self.assertTrue(hasattr(_html(template, value, value), "__html__"))

    def test_the_front_pages_lists_are_one_item_per_story_escaped(self):
        stories = [
            make_article(headline=f"Story {n} & <more>", slug=f"story-{n}") for n in range(3)
        ]
        rendered = Template(
            "{% load seo %}<ol>{% card_items stories level=3 %}</ol>"
            "<ul>{% headline_items stories %}</ul>"
        ).render(Context({"stories": stories}))
        self.assertEqual(rendered.count('<li>\n<article class="story-card'), 3)
        self.assertEqual(rendered.count("<h3><a href="), 3)
        self.assertEqual(rendered.count("<li><a href="), 3)
        self.assertIn("Story 2 &amp; &lt;more&gt;</a>", rendered)
        self.assertNotIn("<more>", rendered)
        empty = Template("{% load seo %}<ul>{% headline_items stories %}</ul>").render(
            Context({"stories": []})
        )
        self.assertEqual(empty, "<ul></ul>")
