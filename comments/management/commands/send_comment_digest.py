from django.core.management.base import BaseCommand

from comments.moderation import send_digest


class Command(BaseCommand):
    help = (
        "Email moderators (and authors who asked) about comments held since the last digest. "
        "Sends only when the digest interval has passed, unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Send now, however recent the last digest."
        )

    def handle(self, *args, force=False, **options):
        digest = send_digest(force=force)
        if digest is None:
            self.stdout.write("No digest sent: nothing new is held, or the last one was recent.")
        else:
            self.stdout.write(
                f"Digest sent: {digest.comment_count} held comment(s), "
                f"{digest.recipient_count} recipient(s)."
            )
