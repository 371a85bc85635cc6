"""Bans: refusing a commenter's future comments, by email address and/or IP address.

A ban decides nothing about comments already written (``moderation`` does that);
``moderation.post`` refuses what a ban covers. The admin's moderators ban from a
comment (its author) or by hand, and lift bans the same way.
"""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Ban, Comment


def pks_of(comments) -> list[int]:
    """The primary keys of a comment, a list of them or a queryset."""
    if isinstance(comments, Comment):
        return [comments.pk]
    if isinstance(comments, list | tuple | set):
        return [c.pk for c in comments]
    return list(comments.order_by().values_list("pk", flat=True))


# An IP address is shared; a ban on one lapses unless a moderator says otherwise.
IP_BAN_DEFAULT = timedelta(days=7)
# "How many other people wrote from this address lately?" looks this far back.
SHARED_ADDRESS_WINDOW = timedelta(days=30)
_DEFAULT = object()


def ban(
    *,
    email: str = "",
    ip_address: str | None = None,
    by,
    reason: str = "",
    scope: str | None = None,
    duration: timedelta | None | object = _DEFAULT,
    now: datetime | None = None,
) -> Ban:
    """Refuse future comments from this email address and/or IP address.

    ``scope`` says what is banned (Ban.Scope; by default whatever is given). With
    an IP ban, ``email`` names the commenter it is aimed at. ``duration`` None
    bans until lifted; by default email bans last until lifted and bans that
    cover an IP address last ``IP_BAN_DEFAULT``.
    """
    email = (email or "").strip().lower()
    if scope is None:
        scope = Ban.Scope.BOTH if email and ip_address else Ban.Scope.EMAIL
        if not email:
            scope = Ban.Scope.IP_ADDRESS
    if not email and not ip_address:
        raise ValidationError(_("Give an email address, an IP address or both."), code="empty_ban")
    if scope in (Ban.Scope.EMAIL, Ban.Scope.BOTH) and not email:
        raise ValidationError(_("This commenter left no email address to ban."), code="no_email")
    if scope in (Ban.Scope.IP_ADDRESS, Ban.Scope.BOTH) and not ip_address:
        raise ValidationError(_("This comment has no IP address to ban."), code="no_ip_address")
    if duration is _DEFAULT:
        duration = None if scope == Ban.Scope.EMAIL else IP_BAN_DEFAULT
    now = now or timezone.now()
    expires_at = now + duration if duration is not None else None
    # The same ban again is the one in force, unless the new one lasts longer.
    existing = Ban.objects.active(now=now).filter(email=email, ip_address=ip_address, scope=scope)
    if expires_at is not None:
        existing = existing.filter(Q(expires_at__isnull=True) | Q(expires_at__gte=expires_at))
    if (found := existing.first()) is not None:
        return found
    return Ban.objects.create(
        email=email,
        ip_address=ip_address,
        scope=scope,
        expires_at=expires_at,
        reason=reason,
        created_by=by,
    )


def ban_commenters(comments, *, by, reason: str = "", scope=None, duration=_DEFAULT) -> int:
    """Ban the author of each comment (their email and/or IP address); return how many
    bans are new. A commenter without what ``scope`` asks for (no IP address) is skipped."""
    commenters = set(
        Comment.objects.filter(pk__in=pks_of(comments)).values_list("email", "ip_address")
    )
    before = Ban.objects.count()
    for email, ip_address in commenters:
        try:
            ban(
                email=email,
                ip_address=ip_address,
                by=by,
                reason=reason,
                scope=scope,
                duration=duration,
            )
        except ValidationError:
            continue
    return Ban.objects.count() - before


def other_commenters_on(ip_address: str | None, *, email: str = "", now=None) -> int:
    """How many other commenters (email addresses) wrote from this IP address lately."""
    if not ip_address:
        return 0
    since = (now or timezone.now()) - SHARED_ADDRESS_WINDOW
    return (
        Comment.objects.by_commenter(ip_address=ip_address)
        .filter(created_at__gte=since)
        .exclude(email=(email or "").strip().lower())
        .values("email")
        .distinct()
        .count()
    )


def unban(*, email: str = "", ip_address: str | None = None, by) -> int:
    """Lift every active ban on this email address or IP address."""
    lifted = Ban.objects.active().matching(email=email, ip_address=ip_address)
    return lifted.update(lifted_at=timezone.now(), lifted_by=by)


def unban_commenters(comments, *, by) -> int:
    commenters = set(
        Comment.objects.filter(pk__in=pks_of(comments)).values_list("email", "ip_address")
    )
    return sum(unban(email=email, ip_address=ip, by=by) for email, ip in commenters)
