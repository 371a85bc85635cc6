from io import StringIO

from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import TestCase

from articles.models import Article


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
        self.load()
        article = Article.objects.live().exclude(lead_image="").first()
        response = self.client.get(article.get_absolute_url())
        self.assertContains(response, f'src="{article.lead_image_large.url}"')
        self.assertContains(response, 'width="1200" height="675"')
        for url in (
            article.lead_image.url,
            article.lead_image_small.url,
            article.lead_image_large.url,
        ):
            self.assertEqual(self.client.get(url).status_code, 200)
