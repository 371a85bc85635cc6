from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from articles import publishing
from articles.importing import StoryFormatError, decode, parse_story
from articles.models import Article, Contributor, Section
from articles.richtext import paragraphs_to_html


class Command(BaseCommand):
    help = (
        "Import a plain-text story: headline on the first line, summary on the second, "
        "then body paragraphs; an 'Original Source: X' line becomes the attribution."
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

        existing = Article.objects.filter(headline=story.headline).first()
        if existing:
            raise CommandError(
                f"A story with this headline already exists ({existing.get_absolute_url()}). "
                "Nothing was imported."
            )

        actor = publishing.System("import_story")
        try:
            with transaction.atomic():
                contributors = []
                if byline:
                    contributor, _ = Contributor.objects.get_or_create(
                        slug=slugify(byline, allow_unicode=True), defaults={"name": byline}
                    )
                    contributors.append(contributor)
                # Through the workflow like any story: a first revision, an audit entry.
                article = publishing.create(
                    Article(
                        headline=story.headline,
                        slug=unique_slug(story.headline),
                        summary=story.summary,
                        body=paragraphs_to_html(story.paragraphs),
                        section=section_obj,
                        source_name=story.source_name,
                        source_url=story.source_url,
                    ),
                    by=actor,
                    contributors=contributors,
                    note=f"Imported from {file.name}",
                )
                if publish:
                    publishing.publish(article, by=actor)
        except ValidationError as error:
            raise CommandError(
                f"{path}: {' '.join(error.messages)} Nothing was imported."
            ) from None

        state = "published" if publish else "saved as a draft"
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported “{article.headline}” ({len(story.paragraphs)} paragraphs), "
                f"{state}: {article.get_absolute_url()}"
            )
        )


def unique_slug(headline):
    base = slugify(headline, allow_unicode=True)[:240].strip("-") or "story"
    slug, n = base, 2
    while Article.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug
