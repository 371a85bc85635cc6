"""Demo moderation history: readers' comments on the demo stories, decided by the demo
moderator through ``comments.moderation``, so the moderation dashboard has something to
show and ``train_comment_model`` / ``evaluate_comment_model`` have decisions to learn from.

The comments are made up from a few templates: a site's real decisions are more varied,
so the site model's figures on them are better than it would do on a real site's.
"""

import random
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from articles.models import Article
from comments import moderation
from comments.models import Comment

DOMAIN = "demo-readers.invalid"
TOPICS = [
    "the harbour plan",
    "the new cycle lanes",
    "the school budget",
    "the library hours",
    "the tram extension",
    "the market square",
    "the flood defences",
    "the council vote",
]
FINE = [
    "Thanks for explaining {t} so clearly.",
    "I went to the meeting about {t} and this is a fair summary.",
    "Does anyone know when the consultation on {t} closes?",
    "I am not sure {t} is worth the money, but the article is balanced.",
    "My street is affected by {t}; good to finally read the details.",
    "Could you follow this up next month? {t} needs scrutiny.",
    "The figures on {t} in the third paragraph surprised me.",
    "Well reported. I hope the council listens to residents on {t}.",
]
REFUSED = [
    "Whoever wrote this about {t} is a brainless idiot.",
    "{t}? Only morons would support it, and you are one of them.",
    "Shut up about {t}, you pathetic hack.",
    "The people behind {t} are crooks and the reporter is their stooge.",
    "What a load of garbage on {t}, written by a clown for clowns.",
    "You are all stupid fools if you believe this about {t}.",
]
SPAM = [
    "Earn money from home in one week, visit my profile for {t} deals.",
    "Cheap replica watches, best prices, order today from our shop.",
    "Buy followers now! Cheap packages for your page, contact our agency.",
    "Crypto investment doubles your savings, message me on WhatsApp +44 7700 900123.",
    "Essay writing service, top grades guaranteed, fast delivery.",
    "Lose weight fast with one natural pill, order now at http://pills.example/",
]
DECISIONS = {Comment.Status.APPROVED: 300, Comment.Status.REJECTED: 110, Comment.Status.SPAM: 90}


class Command(BaseCommand):
    help = "Load demo readers' comments, decided by the demo moderator, and train on them."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=7, help="Same seed, same comments.")
        parser.add_argument(
            "--no-training", action="store_true", help="Do not train the site's models."
        )

    def handle(self, *args, seed, no_training, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo comments are never loaded in production mode.")
        if Comment.objects.filter(email__endswith=f"@{DOMAIN}").exists():
            self.stdout.write("Demo comments are already there.")
            return
        moderator = get_user_model().objects.filter(username="moderator").first()
        stories = list(Article.objects.live().order_by("pk")[:20])
        if moderator is None or not stories:
            raise CommandError("Run load_demo first: it makes the stories and the moderator.")
        rng = random.Random(seed)
        templates = {
            Comment.Status.APPROVED: FINE,
            Comment.Status.REJECTED: REFUSED,
            Comment.Status.SPAM: SPAM,
        }
        now = timezone.now()
        made = {status: [] for status in DECISIONS}
        with transaction.atomic():
            for status, count in DECISIONS.items():
                for n in range(count):
                    text = rng.choice(templates[status]).format(t=rng.choice(TOPICS))
                    comment = Comment.objects.create(
                        article=rng.choice(stories),
                        name=f"Demo reader {status} {n}",
                        email=f"{status}-{n}@{DOMAIN}",
                        body=text[0].upper() + text[1:],
                        status=Comment.Status.PENDING,
                    )
                    # Spread over the last 30 days, as the dashboard shows them.
                    posted = now - timedelta(days=rng.uniform(0, 30))
                    Comment.objects.filter(pk=comment.pk).update(created_at=posted)
                    made[status].append((comment, posted))
            moderation.approve([c for c, _ in made[Comment.Status.APPROVED]], by=moderator)
            moderation.reject([c for c, _ in made[Comment.Status.REJECTED]], by=moderator)
            moderation.mark_spam([c for c, _ in made[Comment.Status.SPAM]], by=moderator)
            # Decided a few hours after posting, as a desk would (the dashboard's median).
            for comment, posted in (pair for pairs in made.values() for pair in pairs):
                decided = min(posted + timedelta(hours=rng.uniform(0.2, 9)), now)
                Comment.objects.filter(pk=comment.pk).update(moderated_at=decided)
        total = sum(DECISIONS.values())
        self.stdout.write(self.style.SUCCESS(f"{total} demo comments, decided by the moderator."))
        if not no_training:
            call_command("train_comment_model", stdout=self.stdout, stderr=self.stderr)
