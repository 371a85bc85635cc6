from io import StringIO

from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import TestCase

from articles.models import Article
from images import renditions


class DemoContentTests(TestCase):
    def load(self):
        call_command("load_demo", stdout=StringIO())

    def test_demo_is_idempotent(self):
        """Running the demo loader again adds nothing and changes nothing."""
        self.load()
        counts = Article.objects.count(), Article.objects.live().count()
        self.load()
        self.assertEqual((Article.objects.count(), Article.objects.live().count()), counts)
        self.assertGreaterEqual(counts[1], 3)
        # A draft, a story in review and a scheduled one show the workflow.
        self.assertEqual(counts[0] - counts[1], 3)

    def test_demo_accounts_log_in_with_their_roles(self):
        self.load()
        for username, group in [
            ("editor", "Editors"),
            ("writer", "Writers"),
            ("moderator", "Moderators"),
        ]:
            with self.subTest(username=username):
                user = authenticate(username=username, password="newsroom-demo")
                self.assertIsNotNone(user)
                self.assertTrue(user.is_staff)
                self.assertFalse(user.is_superuser)
                self.assertEqual([g.name for g in user.groups.all()], [group])

    def test_demo_stories_render_with_pictures(self):
        """Demo pictures are in the library, described, and served in every format."""
        self.load()
        article = Article.objects.live().exclude(lead_picture=None).first()
        picture = article.lead_picture
        self.assertEqual(picture.credit, "Newsroom demo")
        response = self.client.get(article.get_absolute_url())
        found = renditions.sources(picture)
        self.assertContains(response, f'src="{found["fallback"]}"')
        self.assertContains(response, f'width="{found["width"]}" height="{found["height"]}"')
        self.assertContains(response, "Illustration for the demo story.")
        for url in (picture.file.url, *(r.file.url for r in picture.renditions.all()[:6])):
            self.assertEqual(self.client.get(url).status_code, 200)
