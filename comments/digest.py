"""The moderators' digest: one email about new held comments, not one per comment.

Posting a held comment calls ``send_digest()`` after commit, and it sends only
when the last digest is older than the interval in the comment settings. A comment
held at the end of a quiet spell would wait for the next one, so
``manage.py send_comment_digest`` also runs from cron or a systemd timer (README)
and announces it within the interval.

Out of the box the recipients are the addresses in the comment settings and the
Moderators group; everyone may change that in their notification settings.

When a digest is due but nobody is to be told, that finding is remembered (in the
cache) for one interval, as a sent digest would be: otherwise every held comment of
a storm would reread every unannounced comment under the settings row's lock.
Saving the comment settings, anyone's notification settings or a group membership
forgets it.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from articles.models import Byline

from .apps import MODERATORS
from .models import Comment, CommentSettings, Digest, NotificationPreference

logger = logging.getLogger(__name__)

# When the digest was last sent, or last found nobody to go to (a POSIX timestamp):
# read on every held comment, so it is kept in the cache, not asked of the database.
CHECKED_KEY = "comments:digest:checked"


def checked_recently(now: datetime, interval: timedelta, checked: float | None = None) -> bool:
    """A digest went out, or one was due and had nobody to go to, within ``interval``.

    ``checked``: the value of ``CHECKED_KEY`` if the caller has just read it."""
    if checked is None:
        checked = cache.get(CHECKED_KEY)
    if checked is None:
        last = Digest.objects.order_by("-sent_at").values_list("sent_at", flat=True).first()
        checked = _remember_check(last.timestamp() if last else 0.0)
    return checked > (now - interval).timestamp()


def _remember_check(timestamp):
    cache.set(CHECKED_KEY, timestamp, 24 * 3600)
    return timestamp


def forget_nobody_told(**kwargs):
    """Someone may now be a recipient: the next held comment looks again."""
    cache.delete(CHECKED_KEY)


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
            _remember_check(last.timestamp())  # another process sent it
            return None
        held = list(
            Comment.objects.awaiting_digest()
            .select_related("article", "parent")
            .order_by("created_at", "pk")
        )
        if not held:
            return None
        recipients = _recipients(held, site)
        # A comment nobody is told about is not announced: it waits for the next
        # digest (after someone is named as a recipient), never silently dropped.
        told = {comment.pk for comments in recipients.values() for comment in comments}
        if not told:
            logger.warning("%d held comment(s) but no one to send the digest to", len(held))
            _remember_check(now.timestamp())
            return None
        messages = [
            _message(address, comments, site)
            for address, comments in recipients.items()
            if comments
        ]
        Comment.objects.filter(pk__in=told).update(digested_at=now)
        digest = Digest.objects.create(
            sent_at=now, comment_count=len(told), recipient_count=len(messages)
        )
        transaction.on_commit(lambda: _remember_check(now.timestamp()))
        # Inside the transaction: if the mail server fails, the comments stay
        # unannounced and the next digest carries them.
        if messages:
            mailers.default.send_messages(messages)
    return digest


def _recipients(held, site) -> dict[str, list[Comment]]:
    """Each address and the held comments it should hear about.

    Out of the box the Moderators group hears about every held comment: a
    moderator who never opened their notification settings is still told.
    Saving those settings is the person's own choice, and it is kept: a
    moderator who unticks "every held comment" is no longer sent the digest.
    """
    everything = set(site.digest_recipient_list)
    moderators = (
        get_user_model()
        .objects.filter(groups__name=MODERATORS, is_active=True, comment_notifications=None)
        .exclude(email="")
        .distinct()
    )
    everything.update(
        user.email.lower() for user in moderators if user.has_perm("comments.can_moderate")
    )
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
