"""Demo partner copy for ``make run``: two sources, a story of ours credited to one,
and an item from the other waiting in the Incoming queue. Idempotent."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from articles import publishing
from articles.models import Article
from wire import ingest
from wire.models import Feed, Provenance, Source

ACTOR = publishing.System("load_demo")


class Command(BaseCommand):
    help = "Load demo sources and an incoming partner story (safe to run again)."

    def handle(self, *args, **options):
        council, _ = Source.objects.get_or_create(
            name="Millbrook Council",
            defaults={
                "site_url": "https://example.org/",
                "licence": "Council press releases: free to republish with credit.",
            },
        )
        bridge = Article.objects.filter(slug="harbour-bridge-reopens-after-repairs").first()
        if bridge is not None and not Provenance.objects.filter(article=bridge).exists():
            Provenance.objects.create(
                article=bridge,
                source=council,
                original_url="https://example.org/millbrook-council",
            )
        wire, _ = Source.objects.get_or_create(
            name="Valley Newswire",
            defaults={
                "site_url": "https://wire.example.net/",
                "licence": "Members may publish wire stories for 30 days from release, "
                "credited “Valley Newswire”.",
                "rights_days": 30,
            },
        )
        feed, _ = Feed.objects.get_or_create(
            url="https://wire.example.net/feeds/regional.xml",
            defaults={"source": wire, "active": False},  # a demo address: not polled
        )
        outcome = ingest.receive(
            wire,
            ingest.Item(
                guid="valley-newswire-demo-0001",
                title="Regional rail line to add evening trains from spring",
                summary="Operators will run two extra evening services on weekdays after "
                "a year of rising passenger numbers.",
                body="<p>The regional rail operator said on Tuesday that two additional "
                "evening trains will run on weekdays from the start of spring.</p>"
                "<p>Passenger numbers on the line rose by a fifth over the past year, the "
                "operator said, with the latest trains regularly full.</p>",
                url="https://wire.example.net/stories/0001",
                published=timezone.now() - timedelta(hours=3),
            ),
            feed=feed,
            by=ACTOR,
        )
        self.stdout.write(
            self.style.SUCCESS(f"Demo partner copy ready (incoming item: {outcome}).")
        )
