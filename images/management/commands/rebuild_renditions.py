"""Make every missing rendition (after a restore, a failed upload task, new widths)."""

from django.core.management.base import BaseCommand, CommandError

from images import renditions
from images.models import Picture
from images.uploads import DECODING_ERRORS
from newsroom.progress import progress_bar


class Command(BaseCommand):
    help = (
        "Make the renditions each picture is missing (all pictures, or those named with "
        "--picture); --remake makes them all anew, e.g. after the encoders' settings changed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--picture",
            type=int,
            action="append",
            metavar="ID",
            help="Only this picture (repeat for several).",
        )
        parser.add_argument(
            "--remake",
            action="store_true",
            help="Make every rendition anew, under new URLs, instead of only the missing ones.",
        )

    def handle(self, *args, picture=None, remake=False, **options):
        pictures = Picture.objects.order_by("pk")
        if picture:
            pictures = pictures.filter(pk__in=picture)
            unknown = sorted(set(picture) - set(pictures.values_list("pk", flat=True)))
            if unknown:
                raise CommandError(f"No picture with id {', '.join(map(str, unknown))}.")
        made = complete = 0
        failed = []
        self.verbosity = options["verbosity"]
        bar = progress_bar(
            self,
            iterable=pictures.iterator(chunk_size=100),
            total=pictures.count(),
            unit="pictures",
        )
        with bar:
            for each in bar:
                try:
                    count = renditions.remake(each) if remake else renditions.ensure(each)
                except (*DECODING_ERRORS, FileNotFoundError) as error:
                    # One unreadable original must not stop the others being made.
                    failed.append(each.pk)
                    bar.write(f"Picture {each.pk} ({each}): {error}", file=bar.fp)
                    continue
                made += count
                complete += not count
        total = bar.total
        summary = (
            f"{made} renditions made for {total - complete - len(failed)} of {total} pictures; "
            f"{complete} already complete, {len(failed)} failed."
        )
        if failed:
            raise CommandError(f"{summary} Failed: {', '.join(map(str, failed))}.")
        if options["verbosity"]:
            self.stdout.write(self.style.SUCCESS(summary))
