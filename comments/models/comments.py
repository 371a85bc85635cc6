"""Comments, readers' reports on them, and moderators' redactions of their text."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import MD5
from django.utils.translation import gettext_lazy as _

from articles.models import Article

from .rules import CommentSettings

# Comments nest this many levels deep: a comment, a reply, a reply to the reply.
MAX_DEPTH = 3


class CommentQuerySet(models.QuerySet):
    def public(self):
        """Comments readers may see: approved, in a thread whose first comment is approved."""
        return self.filter(
            Q(root__isnull=True) | Q(root__status=Comment.Status.APPROVED),
            status=Comment.Status.APPROVED,
        )

    def awaiting_moderation(self):
        return self.filter(status=Comment.Status.PENDING)

    def reported(self):
        """Comments readers reported that no moderator has looked at since."""
        return self.filter(
            models.Exists(Report.objects.unresolved().filter(comment=models.OuterRef("pk")))
        )

    def for_article(self, article):
        return self.filter(article=article)

    def top_level(self):
        return self.filter(parent__isnull=True)

    def in_threads(self, root_ids):
        """The replies, at any depth, under these first comments."""
        return self.filter(root__in=root_ids)

    def by_commenter(self, *, email="", ip_address=None):
        """Comments with this email address (as stored: lowercase) or from this IP address."""
        match = Q(pk__in=[])
        if email:
            match |= Q(email=email)
        if ip_address:
            match |= Q(ip_address=ip_address)
        return self.filter(match)

    def awaiting_digest(self):
        """Held comments that no digest has announced yet."""
        return self.awaiting_moderation().filter(digested_at__isnull=True)


class Reason(models.TextChoices):
    """Why a comment got its status; stored with the comment, one entry per finding."""

    PASSED = "passed", _("passed every check")
    HONEYPOT = "honeypot", _("filled in the hidden field only robots see")
    TOO_FAST = "too_fast", _("sent too soon after the form was shown")
    DUPLICATE = "duplicate", _("same text as a recent comment")
    LINKS = "links", _("too many links")
    HELD_WORD = "held_word", _("contains a word on the hold list")
    REJECTED_WORD = "rejected_word", _("contains a word on the reject list")
    BANNED = "banned", _("commenter is banned")
    BANNED_ADDRESS = (
        "banned_address",
        _("the address is banned (ban aimed at another commenter)"),
    )
    FIRST_TIME = "first_time", _("first comment from this commenter")
    PREMODERATED = "premoderated", _("comments on this story are reviewed first")
    REPORTED = "reported", _("reported by readers")
    REPLY_MOVED = "reply_moved", _("reply placed elsewhere in the thread")
    MODERATOR = "moderator", _("moderator's decision")
    ABUSE_SCORE = "abuse_score", _("abuse score above the site's threshold")
    SPAM_SCORE = "spam_score", _("spam score above the site's threshold")
    SCORES = "scores", _("abuse and spam scores")


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting moderation")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SPAM = "spam", _("Spam")

    article = models.ForeignKey(
        Article, verbose_name=_("story"), on_delete=models.CASCADE, related_name="comments"
    )
    # RESTRICT: a comment with replies cannot be deleted on its own, but its
    # story can be, taking the whole thread with it.
    parent = models.ForeignKey(
        "self",
        verbose_name=_("in reply to"),
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="replies",
    )
    root = models.ForeignKey(
        "self",
        verbose_name=_("thread"),
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="thread_replies",
        help_text=_("The first comment of the thread; empty for a first comment."),
    )
    depth = models.PositiveSmallIntegerField(_("depth"), default=0)
    name = models.CharField(_("name"), max_length=80)
    email = models.EmailField(_("email"), max_length=254)
    body = models.TextField(_("comment"), max_length=5000)
    # "The same words lately?" is asked on every post: an index on the text itself would
    # be too wide (PostgreSQL refuses keys over ~2.7 kB), so on its digest, kept by the
    # database whatever writes the text (posting, redaction, bulk loads).
    body_digest = models.GeneratedField(
        expression=MD5("body"),
        output_field=models.CharField(max_length=32),
        db_persist=True,
        verbose_name=_("digest of the comment"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.PENDING, db_index=True
    )
    reasons = models.JSONField(
        _("reasons"),
        default=list,
        blank=True,
        help_text=_("Why the comment was held, approved or refused."),
    )
    featured = models.BooleanField(
        _("featured"), default=False, help_text=_("Highlighted on the story.")
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("posted"), auto_now_add=True, db_index=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moderated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    moderated_at = models.DateTimeField(_("moderated"), null=True, blank=True)
    digested_at = models.DateTimeField(
        _("announced in a digest"), null=True, blank=True, editable=False
    )
    # Set by moderation.redact(): readers are told a moderator edited the text;
    # the original and why are in the comment's redactions.
    redacted_at = models.DateTimeField(
        _("edited by a moderator"), null=True, blank=True, editable=False
    )

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        permissions = [("can_moderate", _("Can moderate comments"))]
        indexes = [
            models.Index(fields=["article", "status", "created_at"], name="comment_thread_idx"),
            models.Index(fields=["email", "created_at"], name="comment_email_idx"),
            # "Has this commenter an approved comment?" on every post: without it SQLite
            # (no statistics) walks the status index, every approved comment on the site.
            models.Index(fields=["email", "status"], name="comment_email_status_idx"),
            models.Index(fields=["ip_address", "created_at"], name="comment_ip_idx"),
            models.Index(fields=["body_digest", "created_at"], name="comment_same_words_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(parent__isnull=True, root__isnull=True, depth=0)
                | Q(parent__isnull=False, root__isnull=False, depth__gt=0),
                name="comment_reply_has_thread",
                violation_error_message=_("A reply needs the comment it answers and its thread."),
            ),
            models.CheckConstraint(
                condition=Q(depth__lt=MAX_DEPTH),
                name="comment_depth_bounded",
                violation_error_message=_("Replies cannot nest deeper."),
            ),
        ]

    def __str__(self):
        return f"{self.name}: {self.body[:60]}"

    def save(self, *args, **kwargs):
        # Email addresses identify commenters (history, bans, first-time checks).
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        """Where the comment is on the story, on the page of comments that holds its thread."""
        url = f"{self.article.get_absolute_url()}#comment-{self.pk}"
        number = self.page_number()
        return url if number == 1 else url.replace("#", f"?cpage={number}#", 1)

    def page_number(self, *, per_page=None):
        """Which page of the story's comments shows this comment's thread."""
        per_page = per_page or CommentSettings.load().per_page
        first = self.root or self
        earlier = (
            Comment.objects.public()
            .for_article(self.article_id)
            .top_level()
            .filter(
                Q(created_at__lt=first.created_at) | Q(created_at=first.created_at, pk__lt=first.pk)
            )
            .count()
        )
        return earlier // per_page + 1

    @property
    def can_have_replies(self):
        return self.depth < MAX_DEPTH - 1

    def reasons_text(self, *, deciding_only=False):
        """The reasons as one line of text for moderators."""
        entries = self.reasons
        if deciding_only:
            entries = [
                r for r in entries if isinstance(r, dict) and r.get("verdict") not in ("", None)
            ]
        return "; ".join(r["text"] if isinstance(r, dict) else str(r) for r in entries)


class ReportQuerySet(models.QuerySet):
    def unresolved(self):
        """Reports no moderator has answered yet."""
        return self.filter(resolved_at__isnull=True)


class Report(models.Model):
    """A reader's report of a published comment."""

    class Why(models.TextChoices):
        ABUSE = "abuse", _("Abusive or hateful")
        SPAM = "spam", _("Spam or advertising")
        OFF_TOPIC = "off_topic", _("Off-topic")
        OTHER = "other", _("Something else")

    comment = models.ForeignKey(
        Comment, verbose_name=_("comment"), on_delete=models.CASCADE, related_name="reports"
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Why)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("reported"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            # One open report per comment per address: reloading cannot outvote moderators.
            models.UniqueConstraint(
                fields=["comment", "ip_address"],
                condition=Q(resolved_at__isnull=True),
                name="report_once_per_address",
            ),
        ]

    def __str__(self):
        return f"{self.get_reason_display()}: {self.comment}"


class Redaction(models.Model):
    """A moderator's edit of a published text (a phone number, a name): the original is kept."""

    comment = models.ForeignKey(
        Comment, verbose_name=_("comment"), on_delete=models.CASCADE, related_name="redactions"
    )
    original = models.TextField(_("text before"))
    text = models.TextField(_("text after"))
    reason = models.TextField(_("why"))
    created_at = models.DateTimeField(_("edited"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("edited by"),
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("redaction")
        verbose_name_plural = _("redactions")

    def __str__(self):
        return f"{self.comment_id}: {self.reason[:60]}"
