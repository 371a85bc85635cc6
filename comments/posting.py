"""What posting a comment needs besides a decision: where a reply hangs, the flood
interval, and a lock per commenter, so that two posts from one person at once cannot
both pass the checks that read earlier comments (``moderation.post`` runs them).
"""

import hashlib
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import NotSupportedError, connection
from django.utils.translation import gettext as _

from newsroom.prepared import PreparedInsert, PreparedQuery

from .checks import Finding
from .models import MAX_DEPTH, Comment, Reason


def place_reply(article, parent_id):
    """The comment a reply hangs under, and a note when it cannot hang where asked."""
    if parent_id is None:
        return None, None
    parent = Comment.objects.public().for_article(article).filter(pk=parent_id).first()
    if parent is None:
        note = _("the comment it answers is not shown; posted as a new comment")
        return None, Finding(Reason.REPLY_MOVED, None, note)
    if parent.depth >= MAX_DEPTH - 1:
        note = _("replies nest %(depth)d deep; placed beside the comment it answers") % {
            "depth": MAX_DEPTH
        }
        return parent.parent, Finding(Reason.REPLY_MOVED, None, note)
    return parent, None


# Every post stores one: its INSERT compiled once (Comment.save() only lowers the email
# address, which moderation.post has done).
NEW_COMMENT = PreparedInsert(Comment)
# The two reads inside the poster's lock, compiled once (newsroom.prepared).
_field = Comment._meta.get_field
LAST_BY_COMMENTER = PreparedQuery(
    lambda email, ip_address, since: (
        Comment.objects.by_commenter(email=email, ip_address=ip_address)
        .filter(created_at__gt=since)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:1]
    ),
    email=_field("email"),
    ip_address=_field("ip_address"),
    since=_field("created_at"),
)
SAME_COMMENT = PreparedQuery(
    lambda article, email, body, since: Comment.objects.filter(
        article=article, email=email, body=body, created_at__gte=since
    ).order_by("-created_at")[:1],
    article=_field("article"),
    email=_field("email"),
    body=_field("body"),
    since=_field("created_at"),
)


def check_flood(*, email, ip_address, site, now):
    if not site.flood_seconds:
        return
    since = now - timedelta(seconds=site.flood_seconds)
    last = LAST_BY_COMMENTER.first(email=email or None, ip_address=ip_address, since=since)
    if last is not None:
        wait = max(1, int((last - since).total_seconds() + 0.999))
        raise ValidationError(
            _(
                "You are commenting too fast. Please wait %(wait)d seconds, then send your "
                "comment again; it is kept below."
            ),
            code="flood",
            params={"wait": wait},
        )


def lock_commenter(*, email, ip_address):
    """Hold, until the current transaction ends, a lock per key of this commenter.

    The lock lives in the database, so it holds across workers and hosts. On
    PostgreSQL: transaction-level advisory locks, one per key, taken in a fixed
    order so two posters sharing a key cannot deadlock. On SQLite the project's
    ``transaction_mode=IMMEDIATE`` makes every transaction take the database's
    write lock when it begins, which already serialises posters.
    """
    keys = sorted(
        f"comment-poster:{kind}:{value}"
        for kind, value in (("email", email), ("ip", ip_address))
        if value
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for key in keys:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_id(key)])
    elif connection.vendor == "sqlite":
        if connection.transaction_mode != "IMMEDIATE":
            raise NotSupportedError(
                "Posting comments on SQLite needs OPTIONS transaction_mode=IMMEDIATE."
            )
    else:
        raise NotSupportedError(f"No commenter lock for {connection.vendor}.")


def _lock_id(key: str) -> int:
    """A stable signed 64-bit number for a lock key (Python's hash() changes per process)."""
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
