"""The editorial workflow in articles/publishing.py: who may do what, when."""

from datetime import UTC, datetime, timedelta

import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import TestCase
from django.utils import timezone

from articles import previews, publishing
from articles.models import Article, ArticleEvent, Correction, Revision

from .factories import make_article, make_draft, make_user

Status = Article.Status

# For each transition: the state a story must be in, and who may take it.
MATRIX = {
    "submit": (Status.DRAFT, {"writer", "editor"}),
    "send_back": (Status.REVIEW, {"editor"}),
    "publish": (Status.REVIEW, {"editor"}),
    "schedule": (Status.REVIEW, {"editor"}),
    "unpublish": (Status.PUBLISHED, {"editor"}),
    "take_down": (Status.PUBLISHED, {"editor"}),
    "restore_draft": (Status.UNPUBLISHED, {"editor"}),
}


class PermissionMatrixTests(TestCase):
    """Every role against every transition, through the one workflow module."""

    @classmethod
    def setUpTestData(cls):
        cls.users = {
            "anonymous": AnonymousUser(),
            "writer": make_user("writer", groups=["Writers"]),
            "other writer": make_user("other", groups=["Writers"]),
            "editor": make_user("editor", groups=["Editors"]),
            "moderator": make_user("moderator", groups=["Moderators"]),
        }

    def story_in(self, status):
        publish_at = timezone.now() - timedelta(hours=1) if status == Status.PUBLISHED else None
        return make_article(status=status, publish_at=publish_at, created_by=self.users["writer"])

    def attempt(self, name, article, user):
        kwargs = {}
        if name == "take_down":
            kwargs["reason"] = "Legal request"
        if name == "schedule":
            kwargs["at"] = timezone.now() + timedelta(hours=3)
        return getattr(publishing, name)(article, by=user, **kwargs)

    def test_every_role_against_every_transition(self):
        for name, (source, allowed) in MATRIX.items():
            for role, user in self.users.items():
                with self.subTest(transition=name, role=role):
                    article = self.story_in(source)
                    self.assertEqual(publishing.can(user, name, article), role in allowed)
                    if role in allowed:
                        self.attempt(name, article, user)
                        article.refresh_from_db()
                        self.assertEqual(article.status, publishing.TRANSITIONS[name].target)
                        self.assertTrue(
                            ArticleEvent.objects.filter(article=article, action=name).exists()
                        )
                    else:
                        with self.assertRaises(PermissionDenied):
                            self.attempt(name, article, user)
                        article.refresh_from_db()
                        self.assertEqual(article.status, source)
                        self.assertFalse(ArticleEvent.objects.filter(article=article).exists())

    def test_transitions_from_the_wrong_state_are_refused(self):
        """Unpublishing a draft makes no sense and says so."""
        draft = make_draft()
        with self.assertRaises(ValidationError) as raised:
            publishing.unpublish(draft, by=self.users["editor"])
        self.assertEqual(raised.exception.code, "invalid_transition")
        self.assertIn("not possible for a story that is draft", raised.exception.messages[0])

    def test_writer_edits_own_drafts_only(self):
        writer, other = self.users["writer"], self.users["other writer"]
        mine = self.story_in(Status.DRAFT)
        self.assertTrue(publishing.can_edit(writer, mine))
        self.assertFalse(publishing.can_edit(other, mine))
        publishing.submit(mine, by=writer)
        self.assertFalse(publishing.can_edit(writer, mine))  # in review: the desk's now
        self.assertTrue(publishing.can_edit(self.users["editor"], mine))
        self.assertFalse(publishing.can_edit(self.users["moderator"], mine))

    def test_allowed_transitions_lists_only_what_the_user_may_do(self):
        article = self.story_in(Status.REVIEW)
        names = lambda user: [t.name for t in publishing.allowed_transitions(user, article)]  # noqa: E731
        # The writer may only take their own story back; another writer nothing.
        self.assertEqual(names(self.users["writer"]), ["withdraw"])
        self.assertEqual(names(self.users["other writer"]), [])
        self.assertEqual(
            names(self.users["editor"]),
            ["withdraw", "send_back", "publish", "schedule", "take_down"],
        )


class ScheduleAndEmbargoTests(TestCase):
    def setUp(self):
        self.editor = make_user(groups=["Editors"])

    def test_scheduled_story_goes_live_on_the_second(self):
        """Scheduled for 09:00: hidden at 08:59:59 everywhere, visible at 09:00:00, no job needed."""
        nine = datetime(2030, 6, 3, 9, 0, 0, tzinfo=UTC)
        with time_machine.travel(nine - timedelta(days=1), tick=False):
            article = make_draft(headline="Budget day")
            publishing.schedule(article, by=self.editor, at=nine)
        with time_machine.travel(nine - timedelta(seconds=1), tick=False):
            self.assertEqual(publishing.state(article), "scheduled")
            self.assertNotIn(article, Article.objects.live())
            self.assertEqual(self.client.get(article.get_absolute_url()).status_code, 404)
            self.assertNotContains(self.client.get("/"), "Budget day")
        with time_machine.travel(nine, tick=False):
            self.assertEqual(publishing.state(article), Status.PUBLISHED)
            self.assertIn(article, Article.objects.live())
            self.assertContains(self.client.get(article.get_absolute_url()), "Budget day")
            self.assertContains(self.client.get("/"), "Budget day")

    def test_scheduling_in_the_past_is_refused(self):
        with self.assertRaises(ValidationError) as raised:
            publishing.schedule(
                make_draft(), by=self.editor, at=timezone.now() - timedelta(minutes=1)
            )
        self.assertEqual(raised.exception.error_dict["at"][0].code, "schedule_in_past")

    def test_embargoed_story_cannot_go_live_early_whoever_asks(self):
        embargo = timezone.now() + timedelta(hours=6)
        article = make_draft(embargo_until=embargo)
        superuser = make_user(is_superuser=True)
        for who in [self.editor, superuser]:
            with self.subTest(who=who.username):
                with self.assertRaises(ValidationError) as raised:
                    publishing.publish(article, by=who)
                self.assertEqual(raised.exception.code, "embargoed")
                with self.assertRaises(ValidationError):
                    publishing.schedule(article, by=who, at=embargo - timedelta(minutes=1))
                article.refresh_from_db()
                self.assertEqual(article.status, Status.DRAFT)
        publishing.schedule(article, by=self.editor, at=embargo)
        self.assertEqual(publishing.state(article), "scheduled")

    def test_database_refuses_to_publish_inside_an_embargo(self):
        """Even a write that bypasses the workflow cannot break an embargo."""
        with self.assertRaises(IntegrityError), transaction.atomic():
            make_article(embargo_until=timezone.now() + timedelta(days=1))


class AuditAndTakedownTests(TestCase):
    def setUp(self):
        self.editor = make_user("eda", groups=["Editors"])

    def test_every_state_change_is_logged_with_who_when_and_why(self):
        writer = make_user("wren", groups=["Writers"])
        article = make_draft(created_by=writer)
        publishing.submit(article, by=writer, note="Ready when you are")
        publishing.send_back(article, by=self.editor, note="Needs a second source")
        publishing.submit(article, by=writer)
        publishing.publish(article, by=self.editor)
        events = list(
            ArticleEvent.objects.filter(article=article)
            .order_by("pk")
            .values_list("action", "from_status", "to_status", "by__username", "note")
        )
        self.assertEqual(
            events,
            [
                ("submit", "draft", "review", "wren", "Ready when you are"),
                ("send_back", "review", "draft", "eda", "Needs a second source"),
                ("submit", "draft", "review", "wren", ""),
                ("publish", "review", "published", "eda", ""),
            ],
        )
        self.assertEqual(article.revisions.count(), 4)

    def test_take_down_requires_a_reason_and_keeps_it(self):
        article = make_article()
        for reason in ["", "   "]:
            with self.assertRaises(ValidationError):
                publishing.take_down(article, by=self.editor, reason=reason)
        publishing.take_down(article, by=self.editor, reason="Court order 123")
        article.refresh_from_db()
        self.assertEqual(article.status, Status.TAKEN_DOWN)
        self.assertEqual(article.takedown_reason, "Court order 123")
        self.assertFalse(Article.objects.live().filter(pk=article.pk).exists())
        event = ArticleEvent.objects.get(article=article, action="take_down")
        self.assertEqual((event.note, event.by), ("Court order 123", self.editor))


class RevisionTests(TestCase):
    def setUp(self):
        self.editor = make_user("eda", groups=["Editors"])

    def test_restore_brings_back_the_words_of_a_story_not_live_as_a_new_draft(self):
        article = make_article(
            headline="First headline",
            body="<p>First words.</p>",
            tags=["a"],
            status=Status.UNPUBLISHED,
        )
        first = publishing.record_revision(article, by=self.editor)
        article.headline = "Second headline"
        article.body = "<p>Second words.</p>"
        article.save()
        article.tags.set(["b"])
        publishing.record_revision(article, by=self.editor)
        publishing.restore_revision(article, first, by=self.editor)
        article.refresh_from_db()
        self.assertEqual(article.headline, "First headline")
        self.assertEqual(article.body, "<p>First words.</p>")
        self.assertEqual(list(article.tags.names()), ["a"])
        self.assertEqual(article.status, Status.DRAFT)
        self.assertEqual(
            list(article.revisions.values_list("number", "kind")),
            [(3, Revision.Kind.RESTORE), (2, Revision.Kind.EDIT), (1, Revision.Kind.EDIT)],
        )

    def test_each_save_keeps_exactly_one_revision(self):
        article = make_draft()
        publishing.record_revision(article, by=self.editor)
        publishing.record_revision(article, by=self.editor)
        self.assertEqual(article.revisions.count(), 2)


class CorrectionTests(TestCase):
    def setUp(self):
        self.editor = make_user(groups=["Editors"])

    def test_typo_fix_leaves_no_public_trace(self):
        article = make_article()
        publishing.record_change(article, by=self.editor, kind=Revision.Kind.TYPO)
        article.refresh_from_db()
        self.assertIsNone(article.modified_at)
        self.assertFalse(Correction.objects.exists())
        self.assertEqual(article.revisions.get().kind, Revision.Kind.TYPO)

    def test_correction_adds_a_dated_public_note_and_moves_date_modified(self):
        article = make_article(publish_at=timezone.now() - timedelta(days=1))
        publishing.record_change(
            article,
            by=self.editor,
            kind=Revision.Kind.CORRECTION,
            note="The mayor's name was wrong.",
        )
        article.refresh_from_db()
        correction = Correction.objects.get()
        self.assertEqual(
            (correction.kind, correction.note), ("correction", "The mayor's name was wrong.")
        )
        self.assertEqual(article.modified_at, correction.created_at)
        self.assertTrue(article.was_updated)
        self.assertEqual(article.public_modified_at, correction.created_at)

    def test_changes_to_drafts_make_no_public_note(self):
        draft = make_draft()
        publishing.record_change(draft, by=self.editor, kind=Revision.Kind.CORRECTION, note="x")
        self.assertFalse(Correction.objects.exists())


class PreviewLinkTests(TestCase):
    def setUp(self):
        self.editor = make_user(groups=["Editors"])
        self.draft = make_draft(headline="Secret plans")

    def test_only_editors_share_previews(self):
        with self.assertRaises(PermissionDenied):
            previews.create_preview_link(self.draft, by=make_user(groups=["Writers"]))

    def test_link_opens_the_story_until_it_expires(self):
        link = previews.create_preview_link(
            self.draft, by=self.editor, valid_for=timedelta(hours=1)
        )
        token = previews.preview_url(link).rstrip("/").rsplit("/", 1)[-1]
        self.assertEqual(previews.article_for_preview(token), self.draft)
        with time_machine.travel(timezone.now() + timedelta(hours=1, seconds=1)):
            self.assertIsNone(previews.article_for_preview(token))

    def test_revoked_or_forged_links_do_not_work(self):
        link = previews.create_preview_link(self.draft, by=self.editor)
        token = previews.preview_url(link).rstrip("/").rsplit("/", 1)[-1]
        self.assertIsNone(previews.article_for_preview(token[:-2] + "xx"))
        previews.revoke_preview_link(link, by=self.editor)
        self.assertIsNone(previews.article_for_preview(token))

    def test_previews_last_at_most_thirty_days(self):
        with self.assertRaises(ValidationError):
            previews.create_preview_link(self.draft, by=self.editor, valid_for=timedelta(days=31))


class PreviewPageTests(TestCase):
    def test_someone_without_an_account_reads_the_draft_through_the_link(self):
        editor = make_user(groups=["Editors"])
        draft = make_draft(headline="Secret plans")
        link = previews.create_preview_link(draft, by=editor, valid_for=timedelta(hours=2))
        url = previews.preview_url(link)
        response = self.client.get(url)
        self.assertContains(response, "<h1>Secret plans</h1>", html=True)
        self.assertContains(response, "Preview: this story is not published")
        self.assertIn("no-store", response["Cache-Control"])
        self.assertEqual(response["X-Robots-Tag"], "noindex, nofollow")
        previews.revoke_preview_link(link, by=editor)
        # A real link that was revoked says so (410); a token never made is a 404.
        revoked = self.client.get(url)
        self.assertContains(revoked, "This preview link was revoked", status_code=410)
        self.assertNotIn("Secret plans", revoked.content.decode())
        self.assertEqual(self.client.get("/preview/not-a-token/").status_code, 404)
        later = make_draft(headline="Later plans")
        short = previews.create_preview_link(later, by=editor, valid_for=timedelta(hours=1))
        with time_machine.travel(timezone.now() + timedelta(hours=2)):
            expired = self.client.get(previews.preview_url(short))
        self.assertContains(expired, "This preview link has expired", status_code=410)


class PublicWorkflowPageTests(TestCase):
    """What readers see of corrections and takedowns."""

    def setUp(self):
        self.editor = make_user(groups=["Editors"])

    def test_corrections_page_lists_public_notes_newest_first(self):
        older = make_article(headline="Bridge story", publish_at=timezone.now() - timedelta(days=3))
        newer = make_article(headline="Budget story")
        with time_machine.travel(timezone.now() - timedelta(days=1)):
            publishing.record_change(older, by=self.editor, kind="correction", note="Wrong date.")
        publishing.record_change(
            newer, by=self.editor, kind="clarification", note="Figures are estimates."
        )
        gone = make_article(headline="Removed story")
        publishing.record_change(gone, by=self.editor, kind="correction", note="Hidden note.")
        publishing.take_down(gone, by=self.editor, reason="Legal")
        response = self.client.get("/corrections/")
        self.assertEqual(
            [c.note for c in response.context["corrections"]],
            ["Figures are estimates.", "Wrong date."],
        )
        self.assertContains(response, "<strong>Clarification</strong>", html=True)
        self.assertContains(
            response, f'<a href="{older.get_absolute_url()}">Bridge story</a>', html=True
        )
        self.assertNotContains(response, "Hidden note.")

    def test_correction_note_and_updated_time_on_the_story(self):
        article = make_article(publish_at=timezone.now() - timedelta(days=1))
        publishing.record_change(
            article, by=self.editor, kind="correction", note="A name was wrong."
        )
        response = self.client.get(article.get_absolute_url())
        self.assertContains(response, "Updates and corrections")
        self.assertContains(response, "A name was wrong.")
        self.assertContains(response, "Updated <time")

    def test_taken_down_story_is_gone_everywhere(self):
        """410 at its URL with a notice, and absent from every list, feed, sitemap and search."""
        article = make_article(
            headline="Zebra crossing row", slug="zebra-crossing-row", tags=["zebras"]
        )
        urls = [
            "/",
            "/tag/zebras/",
            "/feed/",
            "/feed/atom/",
            "/sitemap-stories.xml",
            "/news-sitemap.xml",
            "/search/?q=zebra",
        ]
        for url in urls:
            self.assertContains(self.client.get(url), "zebra-crossing-row", msg_prefix=url)
        publishing.take_down(article, by=self.editor, reason="Court order")
        response = self.client.get(article.get_absolute_url())
        self.assertEqual(response.status_code, 410)
        self.assertContains(response, "removed", status_code=410)
        self.assertNotContains(response, "Court order", status_code=410)
        for url in urls:
            response = self.client.get(url)
            self.assertNotContains(
                response, "Zebra crossing", status_code=response.status_code, msg_prefix=url
            )


class FrozenClockTests(TestCase):
    def test_scheduled_story_appears_on_every_output_at_its_second(self):
        """Pages, feeds and sitemaps agree: not at 08:59:59, yes at 09:00:00."""
        editor = make_user(groups=["Editors"])
        nine = datetime(2030, 6, 3, 9, 0, 0, tzinfo=UTC)
        with time_machine.travel(nine - timedelta(hours=2), tick=False):
            article = make_draft(
                headline="Quokka census results", slug="quokka-census-results", tags=["quokkas"]
            )
            publishing.schedule(article, by=editor, at=nine)
        self.assertEqual(self.client.get(article.get_absolute_url()).status_code, 404)
        urls = [
            "/",
            "/tag/quokkas/",
            "/feed/",
            "/feed/atom/",
            "/sitemap-stories.xml",
            "/news-sitemap.xml",
            "/search/?q=quokka",
            f"/{nine:%Y/%m/%d}/",
        ]
        with time_machine.travel(nine - timedelta(seconds=1), tick=False):
            for url in urls:
                response = self.client.get(url)
                self.assertNotContains(
                    response, "Quokka census", status_code=response.status_code, msg_prefix=url
                )
        with time_machine.travel(nine, tick=False):
            for url in urls:
                self.assertContains(self.client.get(url), "quokka-census", msg_prefix=url)
            self.assertContains(self.client.get(article.get_absolute_url()), "Quokka census")
