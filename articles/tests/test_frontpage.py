"""The front page is the editors' to arrange: a pinned lead, ordered top stories, end times.

Rules and audit (``articles/frontpage.py``), the home page that follows the pins (and falls
back to newest-first), its cached copy, its cost, and the admin's "Front page".
"""

from datetime import timedelta

import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import frontpage, publishing
from articles.models import ArticleEvent, FrontPagePin

from . import test_list_cost
from .factories import make_article, make_contributor, make_draft, make_section, make_user
from .test_pagecache import PageCacheOn

Slot = FrontPagePin.Slot
ADMIN = "/admin/articles/frontpagepin/"


def headlines(stories):
    return [a.headline for a in stories]


class PinRulesTests(TestCase):
    def setUp(self):
        self.editor = make_user(groups=["Editors"])
        self.writer = make_user(groups=["Writers"])
        now = timezone.now()
        self.old = make_article(headline="Old news", publish_at=now - timedelta(days=3))
        self.mid = make_article(headline="Middle news", publish_at=now - timedelta(days=2))
        self.new = make_article(headline="New news", publish_at=now - timedelta(hours=1))

    def assertRefused(self, code, field, call):
        with self.assertRaises(ValidationError) as caught:
            call()
        self.assertIn(field, caught.exception.error_dict)
        self.assertEqual([e.code for e in caught.exception.error_dict[field]], [code])
        return caught.exception.message_dict[field][0]

    def test_editor_pins_a_lead_and_ordered_top_stories(self):
        """current() gives the pinned lead and the top stories in their order."""
        frontpage.pin(self.old, by=self.editor, slot=Slot.LEAD)
        frontpage.pin(self.new, by=self.editor, slot=Slot.TOP, position=2)
        frontpage.pin(self.mid, by=self.editor, slot=Slot.TOP, position=1)
        front = frontpage.current()
        self.assertEqual(front.lead, self.old)
        self.assertEqual(front.top, [self.mid, self.new])

    def test_nothing_pinned_means_no_lead_and_no_top_stories(self):
        front = frontpage.current()
        self.assertIsNone(front.lead)
        self.assertEqual(front.top, [])

    def test_top_stories_go_after_the_others_by_default(self):
        first = frontpage.pin(self.mid, by=self.editor)
        second = frontpage.pin(self.old, by=self.editor)
        self.assertEqual((first.position, second.position), (1, 2))
        self.assertEqual(frontpage.current().top, [self.mid, self.old])

    def test_every_change_is_in_the_audit_log(self):
        """Pin, move and unpin each leave an entry naming the editor and the place."""
        lead = frontpage.pin(self.old, by=self.editor, slot=Slot.LEAD)
        top = frontpage.pin(self.mid, by=self.editor, slot=Slot.TOP)
        other = frontpage.pin(self.new, by=self.editor, slot=Slot.TOP)
        frontpage.reorder([other, top], by=self.editor)
        frontpage.unpin(lead, by=self.editor)
        events = ArticleEvent.objects.order_by("pk")
        self.assertEqual(
            [(e.article, e.action, e.by) for e in events],
            [
                (self.old, "pinned", self.editor),
                (self.mid, "pinned", self.editor),
                (self.new, "pinned", self.editor),
                (self.new, "pinned", self.editor),
                (self.mid, "pinned", self.editor),
                (self.old, "unpinned", self.editor),
            ],
        )
        notes = [e.note for e in events]
        self.assertEqual(notes[0], "Pinned as the lead story")
        self.assertEqual(notes[1], "Pinned as top story 1")
        self.assertEqual(notes[3], "Moved from top story 2 to top story 1")
        self.assertEqual(notes[4], "Moved from top story 1 to top story 2")
        self.assertEqual(notes[5], "Was the lead story")
        self.assertEqual(frontpage.current().top, [self.new, self.mid])
        self.assertIsNone(frontpage.current().lead)

    def test_only_editors_arrange_the_front_page(self):
        with self.assertRaises(PermissionDenied):
            frontpage.pin(self.new, by=self.writer, slot=Slot.LEAD)
        pinned = frontpage.pin(self.new, by=self.editor, slot=Slot.LEAD)
        with self.assertRaises(PermissionDenied):
            frontpage.unpin(pinned, by=self.writer)
        with self.assertRaises(PermissionDenied):
            frontpage.change(pinned, by=self.writer, slot=Slot.TOP)
        self.assertEqual(FrontPagePin.objects.get().slot, Slot.LEAD)
        self.assertFalse(ArticleEvent.objects.filter(by=self.writer).exists())

    def test_only_a_live_story_can_be_pinned(self):
        draft = make_draft(headline="Unfinished")
        message = self.assertRefused(
            "not_live", "article", lambda: frontpage.pin(draft, by=self.editor)
        )
        self.assertEqual(
            message, "Only a live story can go on the front page: “Unfinished” is a draft."
        )
        later = make_article(publish_at=timezone.now() + timedelta(hours=2))
        self.assertRefused("not_live", "article", lambda: frontpage.pin(later, by=self.editor))
        self.assertFalse(FrontPagePin.objects.exists())

    def test_an_end_time_in_the_past_is_refused(self):
        past = timezone.now() - timedelta(minutes=1)
        message = self.assertRefused(
            "ends_in_past", "ends_at", lambda: frontpage.pin(self.new, by=self.editor, ends_at=past)
        )
        self.assertIn("choose a time in the future", message)
        self.assertFalse(FrontPagePin.objects.exists())

    def test_a_second_lead_is_refused(self):
        frontpage.pin(self.new, by=self.editor, slot=Slot.LEAD)
        message = self.assertRefused(
            "second_lead", "slot", lambda: frontpage.pin(self.old, by=self.editor, slot=Slot.LEAD)
        )
        self.assertIn("“New news” is the lead story already", message)
        top = frontpage.pin(self.old, by=self.editor)
        self.assertRefused(
            "second_lead", "slot", lambda: frontpage.change(top, by=self.editor, slot=Slot.LEAD)
        )
        # The database holds the rule too.
        with self.assertRaises(IntegrityError), transaction.atomic():
            FrontPagePin.objects.create(article=self.mid, slot=Slot.LEAD)

    def test_a_story_is_pinned_once(self):
        frontpage.pin(self.new, by=self.editor)
        message = self.assertRefused(
            "already_pinned", "article", lambda: frontpage.pin(self.new, by=self.editor)
        )
        self.assertEqual(message, "“New news” is already on the front page (top story 1).")

    def test_an_ended_lead_is_replaced_and_the_log_says_so(self):
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            frontpage.pin(
                self.old, by=self.editor, slot=Slot.LEAD, ends_at=start + timedelta(hours=1)
            )
        with time_machine.travel(start + timedelta(hours=2), tick=False):
            frontpage.pin(self.new, by=self.editor, slot=Slot.LEAD)
            self.assertEqual(frontpage.current().lead, self.new)
        self.assertEqual(FrontPagePin.objects.get().article, self.new)
        event = ArticleEvent.objects.get(article=self.old, action="unpinned")
        self.assertTrue(event.note.startswith("Replaced: was the lead story until"))

    def test_moving_the_lead_to_the_top_stories_frees_the_lead(self):
        lead = frontpage.pin(self.old, by=self.editor, slot=Slot.LEAD)
        frontpage.pin(self.mid, by=self.editor)
        frontpage.change(lead, by=self.editor, slot=Slot.TOP)
        frontpage.pin(self.new, by=self.editor, slot=Slot.LEAD)
        front = frontpage.current()
        self.assertEqual(front.lead, self.new)
        self.assertEqual(front.top, [self.mid, self.old])


class HomePageTests(TestCase):
    def setUp(self):
        self.editor = make_user(groups=["Editors"])
        self.now = timezone.now()
        # Story 0 is the newest, story 24 the oldest.
        self.stories = [
            make_article(headline=f"Story {n:02d}", publish_at=self.now - timedelta(hours=n + 1))
            for n in range(25)
        ]

    def home(self, path="/"):
        response = self.client.get(path)
        self.assertEqual(response.status_code, 200)
        return response

    def lead_of(self, response):
        return response.context["articles"][0].headline

    def test_without_pins_the_newest_story_leads(self):
        response = self.home()
        self.assertEqual(
            headlines(response.context["articles"]), [f"Story {n:02d}" for n in range(20)]
        )
        self.assertNotContains(response, "Top stories")
        self.assertContains(
            response,
            f'<h2><a href="{self.stories[0].get_absolute_url()}">Story 00</a></h2>',
            html=True,
        )

    def test_pinned_lead_then_top_stories_then_the_rest_newest_first(self):
        """No story twice; the pinned lead is the big card, the top stories their block."""
        frontpage.pin(self.stories[24], by=self.editor, slot=Slot.LEAD)
        frontpage.pin(self.stories[3], by=self.editor, position=2)
        frontpage.pin(self.stories[22], by=self.editor, position=1)
        response = self.home()
        expected = ["Story 24", "Story 22", "Story 03"]
        expected += [f"Story {n:02d}" for n in range(20) if n != 3]
        self.assertEqual(headlines(response.context["articles"]), expected)
        self.assertEqual(headlines(response.context["top_stories"]), ["Story 22", "Story 03"])
        lead_card = (
            response.content.decode().split('aria-label="Lead story"')[1].split("</section>")[0]
        )
        self.assertIn("Story 24", lead_card)
        self.assertContains(
            response, '<h2 id="top-title" class="block-title">Top stories</h2>', html=True
        )
        self.assertContains(response, "Story 03", count=1)

    def test_pins_change_page_one_only(self):
        """Page 2 starts where it always did: every story is on some page, none skipped."""
        without = headlines(self.home("/?page=2").context["articles"])
        frontpage.pin(self.stories[24], by=self.editor, slot=Slot.LEAD)
        frontpage.pin(self.stories[1], by=self.editor)
        first = self.home()
        self.assertEqual(headlines(self.home("/?page=2").context["articles"]), without)
        self.assertEqual(without, [f"Story {n:02d}" for n in range(20, 25)])
        self.assertEqual(len(first.context["articles"]), 21)  # the 20 newest and the pinned lead
        self.assertContains(first, 'rel="next"')

    def test_pins_end_on_time(self):
        start = self.now
        with time_machine.travel(start, tick=False):
            story = make_article(headline="Election night", publish_at=start - timedelta(days=5))
            frontpage.pin(story, by=self.editor, slot=Slot.LEAD, ends_at=start + timedelta(hours=6))
            self.assertEqual(self.lead_of(self.home()), "Election night")
        with time_machine.travel(start + timedelta(hours=6, seconds=-1), tick=False):
            self.assertEqual(self.lead_of(self.home()), "Election night")
        with time_machine.travel(start + timedelta(hours=6), tick=False):
            response = self.home()
            self.assertEqual(self.lead_of(response), "Story 00")
            self.assertNotContains(response, "Election night")

    def test_a_pinned_story_taken_down_leaves_the_home_page(self):
        frontpage.pin(self.stories[10], by=self.editor, slot=Slot.LEAD)
        frontpage.pin(self.stories[11], by=self.editor)
        publishing.take_down(self.stories[10], by=self.editor, reason="Legal advice")
        publishing.unpublish(self.stories[11], by=self.editor)
        response = self.home()
        self.assertEqual(self.lead_of(response), "Story 00")
        self.assertNotContains(response, "Story 10")
        self.assertNotContains(response, "Story 11")
        self.assertNotContains(response, "Top stories")

    def test_pins_cost_no_query_more(self):
        """With or without pins, page 1 runs the same three queries."""
        section = make_section()
        for story in self.stories[:6]:
            story.section = section
            story.save()
            story.bylines.create(contributor=make_contributor())
        self.home()  # warm the navigation cache
        # 1 the newest stories and the pinned ones, with sections and pins (one query),
        # 2 their bylines with contributors, 3 the newest stories of each section
        with self.assertNumQueries(3):
            self.home()
        frontpage.pin(self.stories[24], by=self.editor, slot=Slot.LEAD)
        for story in self.stories[18:23]:
            frontpage.pin(story, by=self.editor)
        with self.assertNumQueries(3):
            response = self.home()
        self.assertEqual(len(response.context["top_stories"]), 5)
        with CaptureQueriesContext(connection) as captured:
            self.home("/?page=2")
        self.assertNotIn("frontpagepin", " ".join(q["sql"] for q in captured.captured_queries))


class CachedHomePageTests(PageCacheOn, TestCase):
    def setUp(self):
        super().setUp()
        self.editor = make_user(groups=["Editors"])
        now = timezone.now()
        self.newest = make_article(headline="Newest story", publish_at=now - timedelta(minutes=5))
        self.older = make_article(headline="Older story", publish_at=now - timedelta(days=1))

    def cached_home(self):
        self.client.get("/")
        response = self.client.get("/")
        self.assertEqual(response["X-Page-Cache"], "hit")
        return response

    def test_the_cached_home_page_follows_a_pin_at_once(self):
        self.cached_home()
        with self.captureOnCommitCallbacks(execute=True):
            pinned = frontpage.pin(self.older, by=self.editor, slot=Slot.LEAD)
        response = self.client.get("/")
        self.assertEqual(response["X-Page-Cache"], "miss")
        self.assertEqual(response.context["articles"][0], self.older)
        self.cached_home()
        with self.captureOnCommitCallbacks(execute=True):
            frontpage.unpin(pinned, by=self.editor)
        response = self.client.get("/")
        self.assertEqual(response["X-Page-Cache"], "miss")
        self.assertEqual(response.context["articles"][0], self.newest)

    def test_a_rolled_back_pin_retires_nothing(self):
        self.cached_home()
        with (
            self.captureOnCommitCallbacks(execute=True),
            self.assertRaises(ValidationError),
            transaction.atomic(),
        ):
            frontpage.pin(self.older, by=self.editor, slot=Slot.LEAD)
            frontpage.pin(self.newest, by=self.editor, slot=Slot.LEAD)
        self.assertEqual(self.client.get("/")["X-Page-Cache"], "hit")

    def test_a_pins_end_bounds_how_long_the_home_page_is_kept(self):
        """A pin ending in 30 seconds: the cached home page is kept 30 seconds, not the
        minute lists are kept otherwise."""
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            story = make_article(headline="Breaking", publish_at=start - timedelta(days=1))
            with self.captureOnCommitCallbacks(execute=True):
                frontpage.pin(
                    story, by=self.editor, slot=Slot.LEAD, ends_at=start + timedelta(seconds=30)
                )
            self.cached_home()
        with time_machine.travel(start + timedelta(seconds=29), tick=False):
            self.assertEqual(self.client.get("/")["X-Page-Cache"], "hit")
        with time_machine.travel(start + timedelta(seconds=30), tick=False):
            response = self.client.get("/")
            self.assertEqual(response["X-Page-Cache"], "miss")
            self.assertEqual(response.context["articles"][0], self.newest)


class FrontPageAdminTests(TestCase):
    def setUp(self):
        self.editor = make_user(groups=["Editors"])
        now = timezone.now()
        self.story = make_article(headline="Harbour reopens", publish_at=now - timedelta(hours=2))
        self.other = make_article(headline="Council votes", publish_at=now - timedelta(hours=1))
        self.draft = make_draft(headline="Harbour draft")
        self.client.force_login(self.editor)

    def add(self, **data):
        form = {"article": "", "slot": "top", "position": "", "ends_at_0": "", "ends_at_1": ""}
        return self.client.post(f"{ADMIN}add/", form | data)

    def test_editor_pins_a_lead_from_the_admin(self):
        response = self.add(article=self.story.pk, slot="lead")
        self.assertRedirects(response, ADMIN)
        self.assertEqual(frontpage.current().lead, self.story)
        event = ArticleEvent.objects.get(article=self.story)
        self.assertEqual((event.action, event.by), ("pinned", self.editor))
        listing = self.client.get(ADMIN)
        self.assertContains(listing, "Front page: the lead story, then the top stories")
        self.assertContains(listing, "Harbour reopens")
        self.assertEqual(self.client.get("/").context["articles"][0], self.story)

    def test_a_refused_pin_shows_on_the_form_and_keeps_what_was_typed(self):
        frontpage.pin(self.other, by=self.editor, slot=Slot.LEAD)
        response = self.add(
            article=self.story.pk, slot="lead", ends_at_0="2099-01-02", ends_at_1="10:30"
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "“Council votes” is the lead story already.")
        form = response.context["adminform"].form
        self.assertEqual(form["ends_at"].value(), ["2099-01-02", "10:30"])
        self.assertEqual(str(form["article"].value()), str(self.story.pk))
        self.assertContains(response, 'value="2099-01-02"')
        self.assertEqual(FrontPagePin.objects.count(), 1)

        past = self.add(article=self.story.pk, ends_at_0="2001-01-01", ends_at_1="09:00")
        self.assertContains(past, "The end time has passed")
        draft = self.add(article=self.draft.pk)
        self.assertContains(draft, "Only a live story can go on the front page")
        self.assertFalse(ArticleEvent.objects.filter(article=self.story).exists())

    def test_ordering_from_the_list_and_unpinning(self):
        first = frontpage.pin(self.story, by=self.editor)
        second = frontpage.pin(self.other, by=self.editor)
        response = self.client.post(
            ADMIN,
            {
                "form-TOTAL_FORMS": "2",
                "form-INITIAL_FORMS": "2",
                "form-0-id": first.pk,
                "form-0-position": "5",
                "form-1-id": second.pk,
                "form-1-position": "2",
                "_save": "Save",
            },
        )
        self.assertRedirects(response, ADMIN)
        self.assertEqual(frontpage.current().top, [self.other, self.story])
        response = self.client.post(
            ADMIN, {"action": "unpin_selected", "_selected_action": [first.pk, second.pk]}
        )
        self.assertRedirects(response, ADMIN)
        self.assertFalse(FrontPagePin.objects.exists())
        self.assertEqual(
            sorted(ArticleEvent.objects.values_list("action", flat=True)),
            ["pinned", "pinned", "pinned", "unpinned", "unpinned"],
        )

    def test_the_story_picker_offers_live_stories_only(self):
        response = self.client.get(
            f"{ADMIN}stories/",
            {
                "term": "Harbour",
                "app_label": "articles",
                "model_name": "frontpagepin",
                "field_name": "article",
            },
        )
        self.assertEqual([r["text"] for r in response.json()["results"]], ["Harbour reopens"])
        self.assertContains(self.client.get(f"{ADMIN}add/"), f'data-ajax--url="{ADMIN}stories/"')

    def test_writers_have_no_front_page(self):
        self.client.force_login(make_user(groups=["Writers"]))
        self.assertEqual(self.client.get(ADMIN).status_code, 403)
        self.assertEqual(self.add(article=self.story.pk, slot="lead").status_code, 403)
        self.assertNotContains(self.client.get("/admin/"), ADMIN)
        self.assertFalse(FrontPagePin.objects.exists())


class PinnedListIndexTests(test_list_cost.ListIndexTests):
    """With pins (among thousands of stories), the home page's queries still use indexes."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        editor = make_user(groups=["Editors"])
        from articles.models import Article

        live = list(Article.objects.live().order_by("publish_at")[:6])
        frontpage.pin(live[0], by=editor, slot=Slot.LEAD)
        for story in live[1:]:
            frontpage.pin(story, by=editor)
