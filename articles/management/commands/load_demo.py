"""Demo content and demo accounts for trying newsroom out. Safe to run again."""

import io
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, ImageDraw

from articles import publishing
from articles.models import Article, Contributor, Section
from articles.richtext import paragraphs_to_html
from images import uploads

DEMO_PASSWORD = "newsroom-demo"
DEMO_ACCOUNTS = [
    # username, name, groups
    ("editor", "Eda Editor", ["Editors"]),
    ("writer", "Wren Writer", ["Writers"]),
    ("moderator", "Mo Moderator", ["Moderators"]),
]

# Who the audit log says made the demo stories.
ACTOR = publishing.System("load_demo")

SECTIONS = [
    ("Local", "local"),
    ("Business", "business"),
    ("Science", "science"),
    ("Culture", "culture"),
]

# Original demo stories about an invented town, written for newsroom.
STORIES = [
    {
        "slug": "harbour-bridge-reopens-after-repairs",
        "headline": "Harbour bridge reopens after eight months of repairs",
        "summary": "The Millbrook harbour bridge carried traffic again on Monday morning, two weeks "
        "ahead of schedule and slightly under budget.",
        "section": "local",
        "byline": ["Wren Writer"],
        "tags": ["transport", "Millbrook"],
        "hours_ago": 2,
        "paragraphs": [
            "The first cars crossed the Millbrook harbour bridge shortly after six on Monday "
            "morning, ending eight months in which commuters took a twenty-minute detour "
            "through the industrial estate.",
            "Engineers replaced the corroded deck joints and repainted the steel arches, "
            "the council said. The work cost 4.1 million, about 3% less than planned.",
            "“People have been very patient,” said the council's head of highways. “We asked "
            "a lot of them this year.”",
            "Cyclists get a separated lane on the eastern side for the first time. A weight "
            "limit for lorries stays in place until a final inspection in the spring.",
        ],
    },
    {
        "slug": "bakery-cooperative-opens-second-shop",
        "headline": "Bakery co-operative opens a second shop on the high street",
        "summary": "Staff-owned Rising Loaf will employ twelve more people and bake through the night "
        "to supply both shops.",
        "section": "business",
        "byline": ["Eda Editor", "Wren Writer"],
        "tags": ["co-operatives", "Millbrook", "food"],
        "hours_ago": 26,
        "paragraphs": [
            "Rising Loaf, the bakery its workers bought from its founder three years ago, "
            "opened a second shop on Millbrook high street on Saturday.",
            "The co-operative's members voted in the summer to borrow for the fit-out rather "
            "than take on an outside investor.",
            "Queues formed before the doors opened. By noon the sourdough had sold out.",
        ],
    },
    {
        "slug": "volunteers-count-record-number-of-swifts",
        "headline": "Volunteers count a record number of swifts over the old mill",
        "summary": "This year's survey found 212 birds nesting in the mill's brickwork, up from 140 "
        "when the count began a decade ago.",
        "section": "science",
        "byline": ["Millbrook Wildlife Trust"],
        "tags": ["wildlife", "Millbrook"],
        "hours_ago": 50,
        "paragraphs": [
            "Forty volunteers with clipboards and binoculars counted swifts returning to the "
            "old mill at dusk over six evenings in June.",
            "The trust credits nest boxes fitted when the mill was converted to flats, and "
            "asks other building owners to leave gaps under their eaves.",
        ],
    },
    {
        "slug": "library-extends-opening-hours",
        "headline": "Library extends its opening hours into the evening",
        "summary": "From next month the central library stays open until eight on weekdays, "
        "after a survey of 1,900 residents.",
        "section": "culture",
        "byline": ["Wren Writer"],
        "tags": ["libraries"],
        "hours_ago": 75,
        "paragraphs": [
            "The central library will stay open until 8pm from Monday to Friday, the council "
            "announced, after a survey found most working residents could not visit before it closed.",
            "The longer hours are paid for by closing the building on Sunday mornings, when "
            "it was least used.",
        ],
    },
]

DRAFT = {
    "slug": "draft-council-budget-preview",
    "headline": "Council budget: what the draft plan means for services",
    "summary": "A draft for the review queue: readers cannot see it yet.",
    "section": "local",
    "byline": ["Wren Writer"],
    "tags": ["Millbrook"],
    "paragraphs": ["This story is still being written."],
}

IN_REVIEW = {
    "slug": "ferry-fares-to-rise-in-spring",
    "headline": "Ferry fares to rise in the spring",
    "summary": "Submitted for review: an editor can send it back, publish or schedule it.",
    "section": "business",
    "byline": ["Wren Writer"],
    "tags": ["transport"],
    "paragraphs": ["The ferry company plans a 4% rise from April, its first in three years."],
}

SCHEDULED = {
    "slug": "marathon-route-announced",
    "headline": "Marathon route announced for next year",
    "summary": "Scheduled: it goes live on its own at the time the editor chose.",
    "section": "local",
    "byline": ["Eda Editor"],
    "tags": ["Millbrook"],
    "paragraphs": ["The route crosses the harbour bridge twice and finishes at the old mill."],
}

COLOURS = [(31, 78, 121), (163, 20, 28), (46, 125, 50), (181, 137, 0)]


def demo_picture(index):
    """A plain generated picture, so the demo needs no downloaded images."""
    width, height = 1200, 675
    picture = Image.new("RGB", (width, height), COLOURS[index % len(COLOURS)])
    draw = ImageDraw.Draw(picture)
    for step in range(0, width, 60):
        draw.line([(step, height), (step + 300, 0)], fill=(255, 255, 255), width=3)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=80)
    return ContentFile(buffer.getvalue(), name=f"demo-{index}.jpg")


class Command(BaseCommand):
    help = "Load demo sections, stories and the demo accounts (editor, writer, moderator)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-accounts", action="store_true", help="Load the content only, no demo accounts."
        )

    def handle(self, *args, no_accounts, **options):
        if settings.PRODUCTION:
            raise CommandError(
                "Demo content and demo accounts are never loaded in production mode "
                "(NEWSROOM_ENV=production)."
            )
        with transaction.atomic():
            self.load(no_accounts=no_accounts)

    def load(self, *, no_accounts):
        sections = {}
        for position, (name, slug) in enumerate(SECTIONS):
            sections[slug], _ = Section.objects.get_or_create(
                slug=slug, defaults={"name": name, "position": position}
            )
        if not no_accounts:
            self.create_accounts()
        created = 0
        now = timezone.now()
        for index, story in enumerate(STORIES):
            _, was_created = self.story(
                story,
                sections,
                status=Article.Status.PUBLISHED,
                publish_at=now - timedelta(hours=story["hours_ago"]),
                picture=demo_picture(index),
            )
            created += was_created
        created += self.story(DRAFT, sections, status=Article.Status.DRAFT, publish_at=None)[1]
        created += self.story(IN_REVIEW, sections, status=Article.Status.REVIEW, publish_at=None)[1]
        created += self.story(
            SCHEDULED, sections, status=Article.Status.PUBLISHED, publish_at=now + timedelta(days=1)
        )[1]
        self.stdout.write(self.style.SUCCESS(f"Demo content ready ({created} new stories)."))

    def story(self, story, sections, *, status, publish_at, picture=None):
        """One demo story, made through the workflow as the system actor ``load_demo``:
        created as a draft with its first revision, then moved to ``status``."""
        article = Article.objects.filter(slug=story["slug"]).first()
        if article:
            return article, False
        contributors = []
        for name in story["byline"]:
            contributor, _ = Contributor.objects.get_or_create(
                name=name, defaults={"slug": slugify(name)}
            )
            contributors.append(contributor)
        article = publishing.create(
            Article(
                slug=story["slug"],
                headline=story["headline"],
                summary=story["summary"],
                body=paragraphs_to_html(story["paragraphs"]),
                section=sections[story["section"]],
                created_by=get_user_model().objects.filter(username="writer").first(),
                lead_picture=uploads.accept(
                    picture,
                    title=story["headline"],
                    alt_text="An abstract pattern of white diagonal lines on a coloured background",
                    caption="Illustration for the demo story.",
                    credit="Newsroom demo",
                )
                if picture
                else None,
            ),
            by=ACTOR,
            tags=story["tags"],
            contributors=contributors,
        )
        if status == Article.Status.REVIEW:
            publishing.submit(article, by=ACTOR)
        elif status == Article.Status.PUBLISHED and publish_at > timezone.now():
            publishing.schedule(article, by=ACTOR, at=publish_at)
        elif status == Article.Status.PUBLISHED:
            publishing.publish(article, by=ACTOR, at=publish_at)
        return article, True

    def create_accounts(self):
        User = get_user_model()
        for username, full_name, groups in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": full_name.split()[0],
                    "last_name": full_name.split()[1],
                    "email": f"{username}@example.com",
                    "is_staff": True,
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            user.groups.set(Group.objects.filter(name__in=groups))
            if username in {"editor", "writer"}:
                Contributor.objects.update_or_create(
                    name=full_name, defaults={"slug": slugify(full_name), "user": user}
                )
        self.stdout.write(
            f"Demo accounts: {', '.join(a[0] for a in DEMO_ACCOUNTS)} (password {DEMO_PASSWORD})."
        )
