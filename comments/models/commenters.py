"""What moderators keep about commenters: bans, and notes."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BanQuerySet(models.QuerySet):
    def active(self, *, now=None):
        """Bans in force: not lifted and not expired (expiry is read here; no job runs)."""
        now = now or timezone.now()
        return self.filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now), lifted_at__isnull=True
        )

    def matching(self, *, email="", ip_address=None):
        """Bans naming this email address or this IP address, whatever they cover."""
        match = Q(pk__in=[])
        if email:
            match |= Q(email=email.lower())
        if ip_address:
            match |= Q(ip_address=ip_address)
        return self.filter(match)

    def applying_to(self, *, email="", ip_address=None):
        """Bans that cover this email address (as stored: lowercase) or this IP address
        (by their scope)."""
        Scope = Ban.Scope
        match = Q(pk__in=[])
        if email:
            match |= Q(email=email, scope__in=[Scope.EMAIL, Scope.BOTH])
        if ip_address:
            match |= Q(ip_address=ip_address, scope__in=[Scope.IP_ADDRESS, Scope.BOTH])
        return self.filter(match)


class Ban(models.Model):
    """A commenter whose comments are refused: by email address, IP address or both.

    An IP address is shared (a household, an office, a mobile network), so a ban on
    one keeps the email address of the commenter it was aimed at: someone else
    writing from that address is held for review, not refused.
    """

    class Scope(models.TextChoices):
        EMAIL = "email", _("Email address")
        IP_ADDRESS = "ip", _("IP address")
        BOTH = "both", _("Email and IP address")

    email = models.EmailField(
        _("email"),
        max_length=254,
        blank=True,
        db_index=True,
        help_text=_("Banned when the ban covers the email; otherwise whom an IP ban is aimed at."),
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True, db_index=True)
    scope = models.CharField(_("bans"), max_length=10, choices=Scope, default=Scope.BOTH)
    expires_at = models.DateTimeField(
        _("until"), null=True, blank=True, help_text=_("Empty: until lifted.")
    )
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("banned"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("banned by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True, editable=False)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lifted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = BanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("ban")
        verbose_name_plural = _("bans")
        constraints = [
            models.CheckConstraint(
                condition=~Q(email="") | Q(ip_address__isnull=False),
                name="ban_names_email_or_ip",
                violation_error_message=_("Give an email address, an IP address or both."),
            ),
            models.CheckConstraint(
                condition=Q(scope="email", email__gt="")
                | Q(scope="ip", ip_address__isnull=False)
                | Q(scope="both", email__gt="", ip_address__isnull=False),
                name="ban_scope_names_its_keys",
                violation_error_message=_("A ban needs the email and/or IP address it covers."),
            ),
        ]

    def __str__(self):
        if self.scope == self.Scope.IP_ADDRESS:
            return str(self.ip_address)
        if self.scope == self.Scope.EMAIL:
            return self.email
        return " / ".join(filter(None, [self.email, self.ip_address])) or "—"

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def is_active(self):
        return self.lifted_at is None and (
            self.expires_at is None or self.expires_at > timezone.now()
        )

    def refuses(self, *, email):
        """Whether this ban (which applies) refuses a comment from ``email``, or only holds it.

        An IP ban aimed at another commenter holds: the address may be shared.
        """
        return not self.email or self.email == email.strip().lower()


class CommenterNote(models.Model):
    """A moderator's note about a commenter, known by their email address."""

    email = models.EmailField(_("commenter's email"), max_length=254, db_index=True)
    note = models.TextField(_("note"))
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("note on a commenter")
        verbose_name_plural = _("notes on commenters")

    def __str__(self):
        return f"{self.email}: {self.note[:60]}"

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)
