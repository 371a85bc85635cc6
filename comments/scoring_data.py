"""The site's moderator decisions, as scoring's training data (settings.SCORING_TRAINING_DATA)."""

from .models import Comment

DECIDED = [Comment.Status.APPROVED, Comment.Status.REJECTED, Comment.Status.SPAM]


def decisions():
    """(text, label) for every comment a moderator approved, rejected or marked as spam.

    A moderator's decision stamps ``moderated_at`` (it stays when the moderator's
    account is deleted); comments decided only by the automatic checks have none,
    so the models never learn from their own or the checks' verdicts.
    """
    return (
        Comment.objects.filter(moderated_at__isnull=False, status__in=DECIDED)
        .order_by("pk")
        .values_list("body", "status")
        .iterator(chunk_size=2000)
    )
