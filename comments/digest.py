"""The moderators' digest: one email about new held comments, not one per comment.

No scheduler is needed: posting a held comment calls ``send_digest()`` after
commit, and it sends only when the last digest is older than the interval in the
comment settings. ``manage.py send_comment_digest`` sends one on demand (or from
cron, to announce comments held at the end of a quiet spell).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from articles.models import Byline

from .models import Comment, CommentSettings, Digest, NotificationPreference


def send_digest(*, now: datetime | None = None, force: bool = False) -> Digest | None:
    """Email each recipient the held comments they follow; None when not due or nothing new.

    Every held comment appears in one digest at most. The settings row is locked
    while deciding, so two workers never send the same digest.
    """
    now = now or timezone.now()
    CommentSettings.objects.get_or_create(pk=CommentSettings.SINGLETON_PK)
    with transaction.atomic():
        site = CommentSettings.objects.select_for_update().get(pk=CommentSettings.SINGLETON_PK)
        last = Digest.objects.order_by("-sent_at").values_list("sent_at", flat=True).first()
        if not force and last and last > now - timedelta(minutes=site.digest_minutes):
            return None
        held = list(
            Comment.objects.awaiting_digest()
            .select_related("article", "parent")
            .order_by("created_at", "pk")
        )
        if not held:
            return None
        messages = [
            _message(address, comments, site)
            for address, comments in _recipients(held, site).items()
            if comments
        ]
        Comment.objects.filter(pk__in=[c.pk for c in held]).update(digested_at=now)
        digest = Digest.objects.create(
            sent_at=now, comment_count=len(held), recipient_count=len(messages)
        )
        # Inside the transaction: if the mail server fails, the comments stay
        # unannounced and the next digest carries them.
        if messages:
            mailers.default.send_messages(messages)
    return digest


def _recipients(held, site) -> dict[str, list[Comment]]:
    """Each address and the held comments it should hear about."""
    everything = set(site.digest_recipient_list)
    authors = {}
    preferences = (
        NotificationPreference.objects.filter(Q(all_held=True) | Q(my_stories=True))
        .filter(user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
    )
    for preference in preferences:
        user = preference.user
        if preference.all_held and user.has_perm("comments.can_moderate"):
            everything.add(user.email.lower())
        elif preference.my_stories:
            authors[user.pk] = user.email.lower()
    by_address = {address: list(held) for address in everything}
    if authors:
        bylines = Byline.objects.filter(
            article__in={c.article_id for c in held}, contributor__user__in=authors
        ).values_list("article_id", "contributor__user_id")
        stories = {}
        for article_id, user_id in bylines:
            stories.setdefault(authors[user_id], set()).add(article_id)
        for address, article_ids in stories.items():
            if address not in everything:
                by_address[address] = [c for c in held if c.article_id in article_ids]
    return by_address


def _message(address, comments, site):
    base = site.site_address.rstrip("/")
    context = {
        "comments": [
            {
                "comment": comment,
                "admin_url": base + reverse("admin:comments_comment_change", args=[comment.pk]),
                "story_url": base + comment.article.get_absolute_url(),
            }
            for comment in comments
        ],
        "queue_url": base
        + reverse("admin:comments_comment_changelist")
        + f"?queue={Comment.Status.PENDING}",
        "site_name": settings.SITE_NAME,
    }
    subject = ngettext(
        "[%(site)s] %(count)d comment awaits moderation",
        "[%(site)s] %(count)d comments await moderation",
        len(comments),
    ) % {"site": settings.SITE_NAME, "count": len(comments)}
    body = render_to_string("comments/digest_email.txt", context)
    return EmailMessage(subject, body, to=[address])
