"""The one pipeline for comments: posting and every moderation decision.

Views, admin actions and commands call these functions; nothing else changes
a comment's status.
"""

from django.db import transaction
from django.utils import timezone

from articles.models import Article

from .models import Comment


def post(
    *,
    article: Article,
    name: str,
    email: str,
    body: str,
    ip_address: str | None = None,
    user_agent: str = "",
) -> Comment:
    """Store a reader's comment. Every new comment waits for a moderator."""
    return Comment.objects.create(
        article=article,
        name=name,
        email=email,
        body=body,
        ip_address=ip_address,
        user_agent=user_agent[:500],
        status=Comment.Status.PENDING,
        reasons=["new comments are reviewed before they appear"],
    )


def _decide(comments, status, *, by, reason) -> int:
    """Set a decision on one comment or many; return how many changed."""
    if isinstance(comments, Comment):
        comments = Comment.objects.filter(pk=comments.pk)
    with transaction.atomic():
        changed = comments.exclude(status=status).select_for_update()
        pks = list(changed.values_list("pk", flat=True))
        now = timezone.now()
        for comment in Comment.objects.filter(pk__in=pks):
            comment.status = status
            comment.moderated_by = by
            comment.moderated_at = now
            comment.reasons = [*comment.reasons, f"{reason} by {by.get_username()}"]
            comment.save(update_fields=["status", "moderated_by", "moderated_at", "reasons"])
    return len(pks)


def approve(comments, *, by) -> int:
    return _decide(comments, Comment.Status.APPROVED, by=by, reason="approved")


def reject(comments, *, by) -> int:
    return _decide(comments, Comment.Status.REJECTED, by=by, reason="rejected")


def mark_spam(comments, *, by) -> int:
    return _decide(comments, Comment.Status.SPAM, by=by, reason="marked as spam")
