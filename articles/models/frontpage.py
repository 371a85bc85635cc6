"""The home page's hand-placed stories."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .stories import Article


class FrontPagePinQuerySet(models.QuerySet):
    def active(self, *, at=None):
        """Pins whose time on the front page has not ended: the one definition."""
        now = at or timezone.now()
        return self.filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))


class FrontPagePin(models.Model):
    """A story an editor put on the front page: as its lead, or among its top stories.

    Made, changed and removed through ``articles/frontpage.py`` (the rules and the audit
    log). A pin whose story is not live, or whose end time has passed, is not shown: the
    home page falls back to the newest stories.
    """

    class Slot(models.TextChoices):
        LEAD = "lead", _("Lead story")
        TOP = "top", _("Top story")

    article = models.OneToOneField(
        Article,
        verbose_name=_("story"),
        on_delete=models.CASCADE,
        related_name="front_page_pin",
        error_messages={"unique": _("This story is already on the front page.")},
    )
    slot = models.CharField(_("place"), max_length=10, choices=Slot, default=Slot.TOP)
    position = models.PositiveSmallIntegerField(
        _("position"),
        default=0,
        help_text=_("Order of the top stories: lower numbers come first."),
    )
    ends_at = models.DateTimeField(
        _("until"),
        null=True,
        blank=True,
        help_text=_("Optional: when the story leaves its place on the front page."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pinned by"),
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("pinned"), auto_now_add=True)

    objects = FrontPagePinQuerySet.as_manager()

    class Meta:
        ordering = ["slot", "position", "pk"]  # the lead first, then the top stories in order
        verbose_name = _("front-page story")
        verbose_name_plural = _("front page")
        constraints = [
            models.UniqueConstraint(
                fields=["slot"],
                condition=Q(slot="lead"),
                name="frontpage_one_lead",
                violation_error_message=_("The front page has room for one lead story."),
            ),
        ]

    def __str__(self):
        return f"{self.get_slot_display()}: {self.article}"

    def is_active(self, *, at=None):
        """Not ended (like ``FrontPagePinQuerySet.active``, for a pin already fetched)."""
        return self.ends_at is None or self.ends_at > (at or timezone.now())
