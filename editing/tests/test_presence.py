"""Presence: who else has a story's form open, from the heartbeats their pages send."""

from datetime import timedelta

import time_machine
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from articles.tests.factories import make_article, make_draft
from editing.models import Presence

from .helpers import make_editor, make_writer


def heartbeat_url(story):
    return reverse("editing:heartbeat", args=[story.pk])


class PresenceTests(TestCase):
    def setUp(self):
        self.story = make_article()
        self.eda = make_editor("editor", first_name="Eda", last_name="Editor")
        self.sam = make_editor("sam", first_name="Sam", last_name="Second")
        self.two = timezone.localtime().replace(hour=14, minute=2, second=0, microsecond=0)

    def beat(self, user, at):
        self.client.force_login(user)
        with time_machine.travel(at, tick=False):
            response = self.client.post(heartbeat_url(self.story))
        self.assertEqual(response.status_code, 200)
        return response.json()

    def test_lists_others_but_not_yourself(self):
        """Sam opens a story Eda has open: Sam is told, with since when; Eda sees Sam."""
        first = self.beat(self.eda, self.two)
        self.assertEqual(first["others"], [])
        seen_by_sam = self.beat(self.sam, self.two + timedelta(seconds=20))
        self.assertEqual(
            [o["message"] for o in seen_by_sam["others"]],
            ["Eda Editor (editor) has had this story open since 14:02"],
        )
        seen_by_eda = self.beat(self.eda, self.two + timedelta(seconds=30))
        self.assertEqual([o["username"] for o in seen_by_eda["others"]], ["sam"])
        self.assertEqual(seen_by_eda["others"][0]["name"], "Sam Second")

    def test_since_is_kept_while_heartbeats_keep_coming(self):
        for seconds in range(0, 300, 15):
            self.beat(self.eda, self.two + timedelta(seconds=seconds))
        others = self.beat(self.sam, self.two + timedelta(seconds=301))["others"]
        self.assertEqual(
            others[0]["message"], "Eda Editor (editor) has had this story open since 14:02"
        )

    def test_forgets_those_not_seen_for_45_seconds(self):
        self.beat(self.eda, self.two)
        still_there = self.beat(self.sam, self.two + timedelta(seconds=44))
        self.assertEqual(len(still_there["others"]), 1)
        gone = self.beat(self.sam, self.two + timedelta(seconds=45))
        self.assertEqual(gone["others"], [])
        self.assertFalse(Presence.objects.filter(user=self.eda).exists())

    def test_returning_after_a_silence_starts_afresh(self):
        self.beat(self.eda, self.two)
        self.beat(self.eda, self.two + timedelta(minutes=5))
        others = self.beat(self.sam, self.two + timedelta(minutes=5, seconds=1))["others"]
        self.assertEqual(
            others[0]["message"], "Eda Editor (editor) has had this story open since 14:07"
        )

    def test_leaving_ends_presence(self):
        self.beat(self.eda, self.two)
        self.client.force_login(self.eda)
        with time_machine.travel(self.two + timedelta(seconds=5), tick=False):
            # What navigator.sendBeacon sends as the page goes: a form post.
            response = self.client.post(reverse("editing:leave", args=[self.story.pk]))
        self.assertEqual(response.json(), {"left": True})
        self.assertEqual(self.beat(self.sam, self.two + timedelta(seconds=6))["others"], [])

    def test_other_stories_do_not_count(self):
        self.beat(self.eda, self.two)
        self.client.force_login(self.sam)
        other = make_article()
        with time_machine.travel(self.two, tick=False):
            response = self.client.post(heartbeat_url(other))
        self.assertEqual(response.json()["others"], [])

    def test_only_those_who_may_edit_the_story(self):
        self.client.force_login(make_writer())
        response = self.client.post(heartbeat_url(self.story))
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Presence.objects.exists())

    def test_writer_and_editor_on_the_writers_draft(self):
        writer = make_writer("wren", first_name="Wren", last_name="Writer")
        self.story = make_draft(created_by=writer)
        self.beat(writer, self.two)
        others = self.beat(self.eda, self.two + timedelta(seconds=3))["others"]
        self.assertEqual(
            others[0]["message"], "Wren Writer (wren) has had this story open since 14:02"
        )

    def test_anonymous_is_refused(self):
        response = self.client.post(heartbeat_url(self.story))
        self.assertEqual(response.status_code, 403)
