"""The site's comment rules, who hears of held comments, and the digests sent."""

import re

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from articles.models import CommentMode
from newsroom.singletons import CachedSingleton


def _lines(text):
    """The non-empty lines of a list typed one item per line; `#` starts a comment line."""
    return [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


class CommentSettings(CachedSingleton):
    """The site's comment rules: one row, edited in the admin; defaults apply until it exists."""

    CACHE_KEY = "comments:settings"

    default_mode = models.CharField(
        _("comments on the site"),
        max_length=20,
        choices=[(value, label) for value, label in CommentMode.choices if value != "inherit"],
        default=CommentMode.OPEN,
        help_text=_("For stories and sections that say “as the section / site says”."),
    )
    close_after_days = models.PositiveIntegerField(
        _("close comments after (days)"),
        null=True,
        blank=True,
        help_text=_(
            "Comments close this many days after a story is published. Empty: never. "
            "A story whose own comment setting is Open or reviewed-first stays open."
        ),
    )
    hold_first_time = models.BooleanField(
        _("hold first-time commenters"),
        default=True,
        help_text=_("Hold a comment unless the same name and email have an approved comment."),
    )
    max_links = models.PositiveSmallIntegerField(
        _("most links before holding"),
        default=2,
        help_text=_("A comment with more links than this waits for a moderator."),
    )
    flood_seconds = models.PositiveIntegerField(
        _("seconds between comments"),
        default=15,
        help_text=_("From one IP address or email address. Faster posts are refused (HTTP 429)."),
    )
    held_words = models.TextField(
        _("words that hold"),
        blank=True,
        help_text=_("One word or phrase per line. A comment using one waits for a moderator."),
    )
    rejected_words = models.TextField(
        _("words that reject"),
        blank=True,
        help_text=_("One word or phrase per line. A comment using one is rejected (and kept)."),
    )
    report_threshold = models.PositiveSmallIntegerField(
        _("reports before review"),
        default=3,
        validators=[MinValueValidator(1)],
        help_text=_("A published comment goes back to the queue after this many reader reports."),
    )
    per_page = models.PositiveSmallIntegerField(
        _("comments per page"),
        default=50,
        validators=[MinValueValidator(5), MaxValueValidator(500)],
        help_text=_("First comments per page on a story; their replies come with them."),
    )
    digest_recipients = models.TextField(
        _("digest recipients"),
        blank=True,
        help_text=_("Email addresses, one per line, told about held comments."),
    )
    digest_minutes = models.PositiveIntegerField(
        _("minutes between digests"),
        default=60,
        validators=[MinValueValidator(1)],
    )
    site_address = models.URLField(
        _("site address"),
        blank=True,
        help_text=_("e.g. https://news.example.org — used for links in digest emails."),
    )

    class Meta:
        verbose_name = _("comment settings")
        verbose_name_plural = _("comment settings")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="comment_settings_singleton")]

    def __str__(self):
        return str(_("Comment settings"))

    @property
    def held_word_list(self):
        return _lines(self.held_words)

    @property
    def rejected_word_list(self):
        return _lines(self.rejected_words)

    @property
    def digest_recipient_list(self):
        return [line.lower() for line in _lines(re.sub(r"[,;]", "\n", self.digest_recipients))]


class NotificationPreference(models.Model):
    """What a staff member wants to hear about held comments."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="comment_notifications",
        editable=False,
    )
    my_stories = models.BooleanField(
        _("held comments on my stories"),
        default=False,
        help_text=_("Stories with you in the byline (your contributor profile's login account)."),
    )
    all_held = models.BooleanField(
        _("every held comment"),
        default=False,
        help_text=_("For moderators: every comment that waits for review."),
    )

    class Meta:
        verbose_name = _("comment notifications")
        verbose_name_plural = _("comment notifications")

    def __str__(self):
        return str(_("Comment notifications for %(user)s") % {"user": self.user})


class Digest(models.Model):
    """A digest email about held comments, as sent."""

    sent_at = models.DateTimeField(_("sent"), db_index=True)
    comment_count = models.PositiveIntegerField(_("comments"))
    recipient_count = models.PositiveIntegerField(_("recipients"))

    class Meta:
        ordering = ["-sent_at"]
        get_latest_by = "sent_at"
        verbose_name = _("digest")
        verbose_name_plural = _("digests")

    def __str__(self):
        return f"{self.sent_at:%Y-%m-%d %H:%M}: {self.comment_count}"
