"""The thresholds moderators set, and the site models trained on their decisions."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from newsroom.singletons import CachedSingleton

_SHARE = [MinValueValidator(0.0), MaxValueValidator(1.0)]


class ScoringSettings(CachedSingleton):
    """What the scores do to a comment: one row, edited in the admin; defaults apply until it exists."""

    CACHE_KEY = "scoring:settings"

    hold_abuse_above = models.FloatField(
        _("hold for review above (abuse)"),
        default=0.8,
        validators=_SHARE,
        help_text=_("A comment with a higher abuse score waits for a moderator. 0 to 1."),
    )
    hold_spam_above = models.FloatField(
        _("hold for review above (spam)"),
        default=0.8,
        validators=_SHARE,
        help_text=_("A comment with a higher spam score waits for a moderator. 0 to 1."),
    )
    spam_above = models.FloatField(
        _("treat as spam above"),
        default=0.97,
        validators=_SHARE,
        help_text=_(
            "A higher spam score names the comment as spam. It still waits for a moderator "
            "unless rejecting by score alone is on."
        ),
    )
    reject_abuse_above = models.FloatField(
        _("treat as abusive above"),
        default=0.97,
        validators=_SHARE,
        help_text=_(
            "A higher abuse score names the comment as abusive. It still waits for a moderator "
            "unless rejecting by score alone is on."
        ),
    )
    reject_by_score = models.BooleanField(
        _("reject by score alone without a moderator"),
        default=False,
        help_text=_(
            "Off: scores only hold comments for review; a person rejects. On: comments above "
            "“treat as spam” or “treat as abusive” are refused without anyone reading them."
        ),
    )

    class Meta:
        verbose_name = _("scoring settings")
        verbose_name_plural = _("scoring settings")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="scoring_settings_singleton"),
            models.CheckConstraint(
                condition=Q(hold_abuse_above__lte=F("reject_abuse_above")),
                name="scoring_abuse_hold_below_reject",
                violation_error_message=_(
                    "“Treat as abusive above” cannot be lower than “hold for review above (abuse)”."
                ),
            ),
            models.CheckConstraint(
                condition=Q(hold_spam_above__lte=F("spam_above")),
                name="scoring_spam_hold_below_spam",
                violation_error_message=_(
                    "“Treat as spam above” cannot be lower than “hold for review above (spam)”."
                ),
            ),
        ]

    def __str__(self):
        return str(_("Scoring settings"))


class Kind(models.TextChoices):
    ABUSE = "abuse", _("abuse")
    SPAM = "spam", _("spam")


class TrainedModelQuerySet(models.QuerySet):
    def newest_ids(self):
        """{kind: id of the newest model of that kind}, in one query."""
        rows = self.order_by().values("kind").annotate(newest=Max("pk"))
        return {row["kind"]: row["newest"] for row in rows}


class TrainedModel(models.Model):
    """A site model trained on moderators' decisions, stored as numpy arrays (an npz).

    Kept in the database rather than on disk so that every host serving the site
    picks up a model trained on any one of them. The newest row of a kind is the
    one in use; ``train_comment_model`` keeps a few older ones.
    """

    kind = models.CharField(_("scores"), max_length=10, choices=Kind)
    created_at = models.DateTimeField(_("trained"), default=timezone.now, editable=False)
    decisions = models.PositiveIntegerField(
        _("decisions"), help_text=_("Moderator decisions it learnt from.")
    )
    metrics = models.JSONField(_("metrics"), default=dict, blank=True)
    # Arrays read with allow_pickle=False (scoring.linear): loading runs no code.
    blob = models.BinaryField(_("model"))

    objects = TrainedModelQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]
        get_latest_by = "pk"
        verbose_name = _("trained model")
        verbose_name_plural = _("trained models")

    def __str__(self):
        return self.label

    @property
    def label(self):
        """How a score says which model produced it."""
        return gettext("site model trained %(date)s on %(count)d decisions") % {
            "date": timezone.localdate(self.created_at).isoformat(),
            "count": self.decisions,
        }
