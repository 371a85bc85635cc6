"""``manage.py import_story PATH``: a plain-text story in the seed's shape.

A story with an ``Original Source: X`` line is partner copy: it arrives like a feed's
item (``wire.ingest.receive``) as a draft in the Incoming queue with its source resolved
to a ``Source`` row (found by the site's domain or the name, created when new), so
importing the same file again never makes a second story. A story without one is our
own copy, saved as a draft through the workflow.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from articles import publishing
from articles.importing import StoryFormatError, decode, parse_story, unique_slug
from articles.models import Article, Contributor, Section
from articles.richtext import paragraphs_to_html
from wire import ingest
from wire.sources import resolve


class Command(BaseCommand):
    help = (
        "Import a plain-text story: headline on the first line, summary on the second, "
        "then body paragraphs; an 'Original Source: X' line makes it partner copy from "
        "that source, in the Incoming queue."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The story's text file (UTF-8).")
        parser.add_argument("--publish", action="store_true", help="Publish it now.")
        parser.add_argument("--section", metavar="SLUG", help="File it under this section.")
        parser.add_argument("--byline", metavar="NAME", help="Credit it to this contributor.")

    def handle(self, *args, path, publish, section, byline, **options):
        file = Path(path)
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
        try:
            story = parse_story(decode(data))
        except StoryFormatError as error:
            raise CommandError(f"{path}: {error} Nothing was imported.") from None

        section_obj = None
        if section:
            try:
                section_obj = Section.objects.get(slug=section)
            except Section.DoesNotExist:
                known = ", ".join(Section.objects.values_list("slug", flat=True)) or "none yet"
                raise CommandError(
                    f"There is no section '{section}' (sections: {known}). Nothing was imported."
                ) from None

        actor = publishing.System("import_story")
        try:
            with transaction.atomic():
                contributors = []
                if byline:
                    contributor, _ = Contributor.objects.get_or_create(
                        slug=slugify(byline, allow_unicode=True), defaults={"name": byline}
                    )
                    contributors.append(contributor)
                if story.source_name:
                    article, outcome, source = self.partner_copy(story, file, actor)
                else:
                    article, outcome, source = self.own_copy(story, file, actor), None, None
                if section_obj and article.section_id != section_obj.pk:
                    publishing.update(article, by=actor, note=file.name, section=section_obj)
                for position, contributor in enumerate(contributors):
                    article.bylines.get_or_create(
                        contributor=contributor, defaults={"position": position}
                    )
                if publish and article.status in {Article.Status.DRAFT, Article.Status.REVIEW}:
                    publishing.publish(article, by=actor)
        except ValidationError as error:
            raise CommandError(
                f"{path}: {' '.join(error.messages)} Nothing was imported."
            ) from None

        if outcome == ingest.Outcome.UNCHANGED:
            self.stdout.write(
                f"“{article.headline}” from {source} is already here, unchanged: "
                f"{article.get_absolute_url()}"
            )
            return
        if outcome == ingest.Outcome.PARTNER_CHANGED:
            self.stdout.write(
                self.style.WARNING(
                    f"“{article.headline}” is already published; {source}'s new version was "
                    "kept beside it for the editors, the story was not changed."
                )
            )
            return
        state = "published" if article.is_live else "saved as a draft"
        origin = f" from {source}" if source else ""
        verb = "Updated" if outcome == ingest.Outcome.UPDATED else "Imported"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} “{article.headline}” ({len(story.paragraphs)} paragraphs){origin}, "
                f"{state}: {article.get_absolute_url()}"
            )
        )

    def partner_copy(self, story, file, actor):
        source, item_url = resolve(story.source_name, story.source_url)
        item = ingest.Item(
            # A file has no ID of its own: the partner's URL for it, else its headline.
            guid=item_url or f"headline:{slugify(story.headline, allow_unicode=True)}",
            title=story.headline,
            summary=story.summary,
            body=paragraphs_to_html(story.paragraphs),
            url=item_url,
        )
        outcome = ingest.receive(source, item, by=actor)
        article = Article.objects.get(provenance__source=source, provenance__guid=item.guid)
        return article, outcome, source

    def own_copy(self, story, file, actor):
        existing = Article.objects.filter(headline=story.headline).first()
        if existing:
            raise CommandError(
                f"A story with this headline already exists ({existing.get_absolute_url()}). "
                "Nothing was imported."
            )
        # Through the workflow like any story: a first revision, an audit entry.
        return publishing.create(
            Article(
                headline=story.headline,
                slug=unique_slug(story.headline),
                summary=story.summary,
                body=paragraphs_to_html(story.paragraphs),
            ),
            by=actor,
            note=f"Imported from {file.name}",
        )
