"""Poll partners' feeds: ``python manage.py poll_sources`` (from cron, every few minutes).

One line per feed with its outcome (failures on stderr), a progress bar while several
feeds are polled, and a summary at the end: "Polled 3 feeds: 5 new, 2 updated, 10
unchanged, 1 partner change, 1 failed." — failed counting both feeds that could not be
read and items that could not become stories; the lines above say which. The exit
status is 0 even when a feed failed, so a cron job goes on; the failure is on the
feed's admin page, in the log and on stderr.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from newsroom.progress import progress_bar
from wire import polling
from wire.models import Feed, Source


class Command(BaseCommand):
    help = "Poll every active partner feed and take new and changed items into Incoming."

    def add_arguments(self, parser):
        parser.add_argument(
            "--source",
            metavar="NAME_OR_ID",
            help="Only this source's feeds (its name as in the admin, or its id).",
        )
        parser.add_argument("--feed", metavar="URL", help="Only the feed at this address.")

    def handle(self, *args, source=None, feed=None, **options):
        feeds = Feed.objects.select_related("source").filter(active=True)
        if source:
            chosen = self._source(source)
            feeds = feeds.filter(source=chosen)
        if feed:
            match = Feed.objects.filter(url=feed).first()
            if match is None:
                raise CommandError(_("No feed has the address %(url)s.") % {"url": feed})
            if not match.active:
                raise CommandError(
                    _("The feed %(url)s is switched off (not polled) on its source's page.")
                    % {"url": feed}
                )
            feeds = feeds.filter(pk=match.pk)
        feeds = list(feeds.order_by("source__name", "url"))
        if not feeds:
            self.stdout.write(self._nothing(source=chosen if source else None, feed=feed))
            return
        verbose = options["verbosity"] > 0
        out = getattr(self.stdout, "_out", self.stdout)
        err = getattr(self.stderr, "_out", self.stderr)
        self.verbosity = options["verbosity"]
        bar = progress_bar(self, total=len(feeds), unit="feeds", enabled=len(feeds) > 1)
        totals = polling.PollResult()
        failed_feeds = 0

        def progress(each, result):
            nonlocal failed_feeds
            for name in ("new", "updated", "unchanged", "partner_changed", "failed"):
                setattr(totals, name, getattr(totals, name) + getattr(result, name))
            label = f"{each.source} — {each.url}"
            if result.error:
                failed_feeds += 1
                bar.write(self.style.ERROR(f"{label}: {result}"), file=err)
            elif verbose:
                bar.write(f"{label}: {result}", file=out)
            bar.update()

        with bar:
            polling.poll_all(feeds, progress=progress)
        totals.failed += failed_feeds
        summary = ngettext(
            "Polled %(count)d feed: %(counts)s.",
            "Polled %(count)d feeds: %(counts)s.",
            len(feeds),
        ) % {"count": len(feeds), "counts": totals.counts}
        if verbose:
            style = self.style.WARNING if totals.failed else self.style.SUCCESS
            self.stdout.write(style(summary))

    def _source(self, value):
        lookup = Q(name__iexact=value)
        if value.isdigit():
            lookup |= Q(pk=int(value))
        found = Source.objects.filter(lookup).first()
        if found is None:
            raise CommandError(_("No source is named %(name)s.") % {"name": value})
        return found

    def _nothing(self, *, source, feed) -> str:
        if feed and source:
            return _("The feed %(url)s is not one of %(source)s's: nothing was polled.") % {
                "url": feed,
                "source": source,
            }
        if source:
            return _("%(source)s has no feed that is polled: nothing was polled.") % {
                "source": source
            }
        return _(
            "No feeds to poll: add a partner's feed on its source's page in the admin "
            "(Partner copy → Sources)."
        )
