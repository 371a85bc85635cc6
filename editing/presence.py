"""Who has a story's form open: each open form sends a heartbeat; silence means gone."""

from django.utils import timezone
from django.utils.translation import gettext as _

from .dates import clock, human_time
from .models import PRESENCE_TIMEOUT, Presence


def heartbeat(user, article, *, now=None) -> list[Presence]:
    """The user's form is open on this story now; returns the others who have it open.

    ``since`` is kept while heartbeats keep coming; after a silence longer than
    ``PRESENCE_TIMEOUT`` the user counts as having opened the story afresh.
    """
    now = now or timezone.now()
    kept = Presence.objects.current(now=now).filter(user=user, article=article).update(seen_at=now)
    if not kept:
        Presence.objects.update_or_create(
            user=user, article=article, defaults={"since": now, "seen_at": now}
        )
    # Forms that went quiet without saying goodbye.
    Presence.objects.filter(article=article, seen_at__lte=now - PRESENCE_TIMEOUT).delete()
    return others(user, article, now=now)


def others(user, article, *, now=None) -> list[Presence]:
    return list(
        Presence.objects.current(now=now)
        .filter(article=article)
        .exclude(user=user)
        .select_related("user")
        .order_by("since", "user__username")
    )


def leave(user, article) -> None:
    """The user's form on this story was closed."""
    Presence.objects.filter(user=user, article=article).delete()


def describe(presence: Presence, *, now=None) -> str:
    """ "Eda Editor (editor) has had this story open since 14:02"."""
    user = presence.user
    since = presence.since
    today = timezone.localtime(now or timezone.now()).date()
    when = clock(since) if timezone.localtime(since).date() == today else human_time(since, now=now)
    username = user.get_username()
    name = user.get_full_name() or username
    return _("%(name)s (%(username)s) has had this story open since %(when)s") % {
        "name": name,
        "username": username,
        "when": when,
    }
