"""Per-user working copies of the story form, and who has a story open."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models import Article

# How long a heartbeat keeps someone listed as having a story open.
PRESENCE_TIMEOUT = timedelta(seconds=45)


class WorkingCopyQuerySet(models.QuerySet):
    def of_form(self, user, article=None):
        """The user's copy of one story's form, or of the add form (``article=None``)."""
        if article is None:
            return self.filter(user=user, article=None, key=WorkingCopy.ADD_FORM)
        return self.filter(user=user, article=article)


class WorkingCopy(models.Model):
    """What a user last typed into a story form, kept until they save it.

    Never a revision and never read by the site: only the same user's form
    offers it back. ``article`` is empty for the add form (``key`` names it).
    """

    ADD_FORM = "add"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="working_copies",
    )
    article = models.ForeignKey(
        Article,
        verbose_name=_("story"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="working_copies",
    )
    key = models.CharField(_("form"), max_length=40, blank=True)
    data = models.JSONField(_("fields"))
    saved_at = models.DateTimeField(_("saved"), default=timezone.now)

    objects = WorkingCopyQuerySet.as_manager()

    class Meta:
        verbose_name = _("working copy")
        verbose_name_plural = _("working copies")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "article"],
                condition=Q(article__isnull=False),
                name="workingcopy_one_per_story",
            ),
            models.UniqueConstraint(
                fields=["user", "key"],
                condition=Q(article__isnull=True),
                name="workingcopy_one_per_form",
            ),
            models.CheckConstraint(
                condition=(
                    Q(article__isnull=False, key="") | (Q(article__isnull=True) & ~Q(key=""))
                ),
                name="workingcopy_story_or_form",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.article or self.key}"

    @property
    def fields(self):
        return self.data.get("fields", {})


class PresenceQuerySet(models.QuerySet):
    def current(self, *, now=None):
        """Those whose form has sent a heartbeat recently enough to still be open."""
        now = now or timezone.now()
        return self.filter(seen_at__gt=now - PRESENCE_TIMEOUT)


class Presence(models.Model):
    """Someone has a story's form open: since when, and when their page last said so."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    article = models.ForeignKey(
        Article, verbose_name=_("story"), on_delete=models.CASCADE, related_name="presences"
    )
    since = models.DateTimeField(_("open since"))
    seen_at = models.DateTimeField(_("last seen"))

    objects = PresenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("presence")
        verbose_name_plural = _("presences")
        constraints = [
            models.UniqueConstraint(fields=["user", "article"], name="presence_one_per_story")
        ]

    def __str__(self):
        return f"{self.user} on {self.article}"
