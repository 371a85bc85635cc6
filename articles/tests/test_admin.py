from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from articles.models import Article

from .factories import make_article, make_contributor, make_draft, make_section, make_user

ADD_URL = reverse("admin:articles_article_add")
CHANGELIST = reverse("admin:articles_article_changelist")


def form_data(**overrides):
    """What the admin's story form posts, with an empty byline formset."""
    return {
        "headline": "Storm closes schools",
        "slug": "storm-closes-schools",
        "summary": "All schools shut on Friday.",
        "body": "<p>The council said so.</p>",
        "tags": "weather, schools",
        "comment_mode": "inherit",
        "bylines-TOTAL_FORMS": "0",
        "bylines-INITIAL_FORMS": "0",
        "bylines-MIN_NUM_FORMS": "0",
        "bylines-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    } | overrides


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


class EditorAdminTests(TestCase):
    def setUp(self):
        self.editor = make_user("eda", groups=["Editors"])
        self.client.force_login(self.editor)

    def test_changelist_search_filters_and_dates(self):
        """Editors find stories by words, status, section, tag and date."""
        section = make_section(name="Weather", slug="weather")
        make_article(headline="Flood warning lifted", section=section, tags=["floods"])
        make_draft(headline="Drought draft")
        response = self.client.get(CHANGELIST, {"q": "flood"})
        self.assertContains(response, "Flood warning lifted")
        self.assertNotContains(response, "Drought draft")
        response = self.client.get(CHANGELIST, {"status__exact": "draft"})
        self.assertContains(response, "Drought draft")
        self.assertNotContains(response, "Flood warning lifted")
        response = self.client.get(CHANGELIST)
        for text in ["By state", "By section", "By tags", "floods", 'class="toplinks"']:
            self.assertContains(response, text)

    def test_editor_publishes_a_story_with_a_byline(self):
        contributor = make_contributor(name="Sam Field")
        data = form_data(
            _transition="publish",
            body='<p onmouseover="x()">Safe text<script>bad()</script></p>',
            **{
                "bylines-TOTAL_FORMS": "1",
                "bylines-0-contributor": str(contributor.pk),
                "bylines-0-position": "0",
            },
        )
        response = self.client.post(ADD_URL, data)
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        article = Article.objects.get()
        self.assertTrue(article.is_live)
        self.assertEqual(article.created_by, self.editor)
        self.assertEqual(article.byline_contributors, [contributor])
        self.assertEqual(sorted(article.tags.names()), ["schools", "weather"])
        self.assertEqual(article.body, "<p>Safe text</p>")
        self.assertContains(self.client.get(article.get_absolute_url()), "Sam Field")

    def test_invalid_form_keeps_the_editors_text(self):
        """A missing headline is reported and nothing typed is lost."""
        response = self.client.post(ADD_URL, form_data(headline="", summary="Keep me please"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "This field is required.")
        self.assertContains(response, "Keep me please")
        self.assertFalse(Article.objects.exists())

    def test_new_lead_picture_without_alt_text_is_refused(self):
        from .factories import picture_file

        response = self.client.post(ADD_URL, form_data(new_lead_picture=picture_file()))
        self.assertContains(response, "Describe the new picture")
        self.assertFalse(Article.objects.exists())

    def test_uploading_a_non_picture_gets_a_clear_message(self):
        from django.core.files.uploadedfile import SimpleUploadedFile

        response = self.client.post(
            ADD_URL,
            form_data(
                new_lead_picture=SimpleUploadedFile("x.jpg", b"not an image"),
                new_lead_picture_alt="x",
            ),
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "This file is not a picture we can take.")
        self.assertFalse(Article.objects.exists())

    def test_change_form_links_to_the_site(self):
        article = make_draft()
        response = self.client.get(change_url(article))
        self.assertContains(response, "View on site")
        self.assertContains(response, "data-tag-autocomplete")

    def test_saving_an_unchanged_story_keeps_its_tags(self):
        """The tag field shows the tags as text, and saving them round-trips."""
        article = make_article(tags=["floods", "city hall"])
        response = self.client.get(change_url(article))
        self.assertContains(response, 'value="&quot;city hall&quot;, floods"')
        self.client.post(
            change_url(article),
            form_data(
                headline=article.headline,
                slug=article.slug,
                tags='"city hall", floods',  # as the form showed it
                change_kind="typo",
                expected_version=article.version,
            ),
        )
        self.assertEqual(sorted(article.tags.names()), ["city hall", "floods"])

    def test_tag_suggestions_come_from_existing_tags(self):
        make_article(tags=["elections", "economy", "weather"])
        response = self.client.get(
            reverse("admin:autocomplete"),
            {"term": "e", "app_label": "articles", "model_name": "article", "field_name": "tags"},
        )
        names = sorted(item["text"] for item in response.json()["results"])
        self.assertEqual(names, ["economy", "elections", "weather"])
        response = self.client.get(
            reverse("admin:autocomplete"),
            {"term": "ele", "app_label": "articles", "model_name": "article", "field_name": "tags"},
        )
        self.assertEqual([item["text"] for item in response.json()["results"]], ["elections"])

    def test_contributor_autocomplete(self):
        make_contributor(name="Priya Patel")
        make_contributor(name="Reuters")
        response = self.client.get(
            reverse("admin:autocomplete"),
            {
                "term": "pri",
                "app_label": "articles",
                "model_name": "byline",
                "field_name": "contributor",
            },
        )
        self.assertEqual([item["text"] for item in response.json()["results"]], ["Priya Patel"])


class WriterAdminTests(TestCase):
    def setUp(self):
        self.writer = make_user("wren", groups=["Writers"])
        self.client.force_login(self.writer)

    def test_writer_can_draft_but_not_publish(self):
        """A writer's story is saved as a draft even if they try to publish it."""
        response = self.client.post(ADD_URL, form_data(status="published", _transition="publish"))
        self.assertEqual(response.status_code, 302)
        article = Article.objects.get()
        self.assertEqual(article.status, Article.Status.DRAFT)
        self.assertFalse(Article.objects.live().exists())

    def test_writer_edits_own_draft(self):
        self.client.post(ADD_URL, form_data())
        article = Article.objects.get()
        response = self.client.post(change_url(article), form_data(headline="Storm update"))
        self.assertEqual(response.status_code, 302)
        article.refresh_from_db()
        self.assertEqual(article.headline, "Storm update")

    def test_writer_cannot_edit_someone_elses_or_a_published_story(self):
        others = make_draft(headline="Other writer's draft", created_by=make_user("otto"))
        published = make_article(headline="Already out", created_by=self.writer)
        for article in [others, published]:
            with self.subTest(article=article.headline):
                response = self.client.post(change_url(article), form_data(headline="Hijacked"))
                self.assertEqual(response.status_code, 403)
                article.refresh_from_db()
                self.assertNotEqual(article.headline, "Hijacked")

    def test_a_draft_nobody_owns_is_taken_on_by_the_first_writer_to_save_it(self):
        """Copy an import or a feed brought in belongs to no one until a writer saves it."""
        incoming = make_draft(headline="From the wire")
        response = self.client.post(change_url(incoming), form_data(headline="Rewritten"))
        self.assertEqual(response.status_code, 302)
        incoming.refresh_from_db()
        self.assertEqual((incoming.headline, incoming.created_by), ("Rewritten", self.writer))
        # Now it is that writer's: another writer cannot edit it.
        self.client.force_login(make_user("otto", groups=["Writers"]))
        response = self.client.post(change_url(incoming), form_data(headline="Hijacked"))
        self.assertEqual(response.status_code, 403)


class ModeratorAdminTests(TestCase):
    def test_moderator_can_read_but_not_change_stories(self):
        self.client.force_login(make_user(groups=["Moderators"]))
        article = make_article(headline="Untouchable")
        self.assertEqual(self.client.get(change_url(article)).status_code, 200)
        response = self.client.post(change_url(article), form_data(headline="Changed"))
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.client.post(ADD_URL, form_data()).status_code, 403)
        article.refresh_from_db()
        self.assertEqual(article.headline, "Untouchable")


class PublishTimeTests(TestCase):
    def test_editor_schedules_for_later(self):
        self.client.force_login(make_user(groups=["Editors"]))
        later = timezone.localtime() + timezone.timedelta(days=1)
        self.client.post(
            ADD_URL,
            form_data(
                _transition="schedule",
                schedule_for_0=later.strftime("%Y-%m-%d"),
                schedule_for_1=later.strftime("%H:%M:%S"),
            ),
        )
        article = Article.objects.get()
        self.assertEqual(article.status, Article.Status.PUBLISHED)
        self.assertFalse(article.is_live)
        self.assertEqual(self.client.get(article.get_absolute_url()).status_code, 200)  # preview
        self.client.logout()
        self.assertEqual(self.client.get(article.get_absolute_url()).status_code, 404)
