"""The moderation queues' counts for the admin index: ``{% load comments_admin %}``."""

from django import template
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..models import Comment, Report

register = template.Library()

QUEUES = [
    (Comment.Status.PENDING, _("Awaiting moderation")),
    ("reported", _("Reported by readers")),
    (Comment.Status.APPROVED, _("Approved")),
    (Comment.Status.REJECTED, _("Rejected")),
    (Comment.Status.SPAM, _("Spam")),
]


@register.simple_tag
def moderation_queues(user):
    """Each queue with its size and address, in one query; empty for non-moderators."""
    if not user.has_perm("comments.can_moderate"):
        return []
    reported = Exists(Report.objects.unresolved().filter(comment=OuterRef("pk")))
    counts = Comment.objects.aggregate(
        reported=Count("pk", filter=Q(reported)),
        **{status: Count("pk", filter=Q(status=status)) for status in Comment.Status.values},
    )
    changelist = reverse("admin:comments_comment_changelist")
    return [
        {"key": key, "label": label, "count": counts[key], "url": f"{changelist}?queue={key}"}
        for key, label in QUEUES
    ]
