"""What happened to a story: revisions, corrections, the audit log, preview links."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .stories import Article


class Revision(models.Model):
    """A copy of a story as it was saved: who, when and what."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        EDIT = "edit", _("Edit")
        TYPO = "typo", _("Typo fix (no public note)")
        UPDATE = "update", _("Update")
        CORRECTION = "correction", _("Correction")
        CLARIFICATION = "clarification", _("Clarification")
        SUBMITTED = "submitted", _("Submitted for review")
        WITHDRAWN = "withdrawn", _("Withdrawn from review")
        SENT_BACK = "sent_back", _("Sent back to draft")
        PUBLISHED = "published", _("Published")
        SCHEDULED = "scheduled", _("Scheduled")
        UNPUBLISHED = "unpublished", _("Unpublished")
        TAKEN_DOWN = "taken_down", _("Taken down")
        RETURNED = "returned_to_draft", _("Returned to draft")
        RESTORE = "restore", _("Restored from an earlier revision")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("number"))
    created_at = models.DateTimeField(_("saved"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saved by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    # When no person saved it: the command or ingest that did (``publishing.System``).
    actor = models.CharField(_("saved by (system)"), max_length=60, blank=True)
    kind = models.CharField(_("kind of change"), max_length=20, choices=Kind, default=Kind.EDIT)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("content"))

    class Meta:
        ordering = ["-number"]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="revision_unique_number")
        ]

    def __str__(self):
        return f"{self.article} — revision {self.number}"

    @property
    def saved_by(self):
        """The person who saved it, or the command that did."""
        return self.created_by.get_username() if self.created_by else self.actor


class CorrectionQuerySet(models.QuerySet):
    def public(self, *, at=None):
        """Notes readers may see: those on live stories."""
        return self.filter(article__in=Article.objects.live(at=at))


class Correction(models.Model):
    """A public note on a published story: an update, correction or clarification."""

    class Kind(models.TextChoices):
        UPDATE = "update", _("Update")
        CORRECTION = "correction", _("Correction")
        CLARIFICATION = "clarification", _("Clarification")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="corrections")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    note = models.TextField(_("note"))
    created_at = models.DateTimeField(_("published"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.article}"


class ArticleEvent(models.Model):
    """The audit log: every change of state, with who, when and why."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    # When no person did it: the command or ingest that did (``publishing.System``).
    actor = models.CharField(_("who (system)"), max_length=60, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")

    def __str__(self):
        return f"{self.article}: {self.action}"

    # What the audit log's actions are called on the history page.
    ACTION_LABELS = {
        "create": _("Created"),
        "submit": _("Submitted for review"),
        "withdraw": _("Withdrawn from review"),
        "send_back": _("Sent back to draft"),
        "publish": _("Published"),
        "schedule": _("Scheduled"),
        "unpublish": _("Unpublished"),
        "take_down": _("Taken down"),
        "restore_draft": _("Returned to draft"),
        "restore_revision": _("Revision restored"),
        "update": _("Update"),
        "correction": _("Correction"),
        "clarification": _("Clarification"),
        "preview_link": _("Preview link shared"),
        "preview_link_revoked": _("Preview link revoked"),
        "edit": _("Edited"),
        "extend_expiry": _("Time on the site extended"),
        "partner_changed": _("Changed by the partner"),
        "partner_change_seen": _("Partner's change seen"),
    }

    @property
    def action_label(self):
        return self.ACTION_LABELS.get(self.action, self.action.replace("_", " ").capitalize())

    @property
    def done_by(self):
        """The person who did it, or the command that did."""
        return self.by.get_username() if self.by else self.actor


class PreviewLink(models.Model):
    """A signed, expiring link that shows an unpublished story to someone without an account."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="preview_links")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("preview link")
        verbose_name_plural = _("preview links")

    def __str__(self):
        return f"Preview of {self.article}"

    @property
    def is_valid(self):
        return self.revoked_at is None and self.expires_at > timezone.now()
