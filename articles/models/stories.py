"""Stories, the sections they run in, and the contributors credited on them."""

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_prose_editor.fields import ProseEditorField
from taggit.managers import TaggableManager

from ..images import PictureField, validate_image
from ..querysets import ArticleQuerySet
from ..richtext import BODY_EXTENSIONS, sanitize_body


class CommentMode(models.TextChoices):
    """Whether readers may comment. Stories inherit from their section, sections from the site."""

    INHERIT = "inherit", _("As the section / site says")
    OPEN = "open", _("Open")
    PREMODERATED = "premoderated", _("Open, every comment reviewed first")
    CLOSED = "closed", _("Closed")


class Section(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True, allow_unicode=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Lower numbers come first in navigation.")
    )
    comment_mode = models.CharField(
        _("comments"), max_length=20, choices=CommentMode, default=CommentMode.INHERIT
    )

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from ..seo import path  # remembered reverse(): lists link every section and story

        return path("articles:section", self.slug)

    NAVIGATION_CACHE_KEY = "articles:navigation-sections"

    @classmethod
    def cached_navigation(cls):
        return cache.get_or_set(cls.NAVIGATION_CACHE_KEY, lambda: list(cls.objects.all()), 60)


class Contributor(models.Model):
    """A name in a byline: a staff writer, a freelancer or a wire agency."""

    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=150, unique=True, allow_unicode=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contributor",
        help_text=_("Leave empty for contributors without an account, such as news agencies."),
    )
    bio = models.TextField(_("bio"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("contributor")
        verbose_name_plural = _("contributors")

    def __str__(self):
        return self.name


class Article(models.Model):
    class Status(models.TextChoices):
        # "Scheduled" is not stored: it is a published story whose publish_at
        # is still ahead, so going live needs no job (see ArticleQuerySet.live).
        DRAFT = "draft", _("Draft")
        REVIEW = "review", _("In review")
        PUBLISHED = "published", _("Published")
        UNPUBLISHED = "unpublished", _("Unpublished")
        TAKEN_DOWN = "taken_down", _("Taken down")

    headline = models.CharField(_("headline"), max_length=250)
    slug = models.SlugField(
        _("slug"),
        max_length=250,
        unique=True,
        allow_unicode=True,
        help_text=_("The story's address on the site. Keep it once the story is published."),
    )
    summary = models.TextField(
        _("summary"), help_text=_("The standfirst: one or two sentences shown under the headline.")
    )
    body = ProseEditorField(_("body"), extensions=BODY_EXTENSIONS, sanitize=sanitize_body)
    section = models.ForeignKey(
        Section,
        verbose_name=_("section"),
        on_delete=models.PROTECT,
        related_name="articles",
        null=True,
        blank=True,
    )
    contributors = models.ManyToManyField(
        Contributor,
        verbose_name=_("byline"),
        through="Byline",
        related_name="articles",
        blank=True,
    )
    tags = TaggableManager(_("tags"), blank=True)

    lead_picture = models.ForeignKey(
        "images.Picture",
        verbose_name=_("lead picture"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lead_stories",
        help_text=_("A picture from the library; its alt text, caption and credit come with it."),
    )
    # The lead image as stories kept it before the picture library (migrated into it by
    # 0013_lead_images_into_library). Nothing reads these fields any more; a later
    # release drops them (expand, then contract: see the README).
    lead_image = PictureField(
        _("lead image"),
        upload_to="leads/%Y/%m/",
        blank=True,
        width_field="lead_image_width",
        height_field="lead_image_height",
        validators=[validate_image],
    )
    lead_image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    lead_image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    lead_image_alt = models.CharField(
        _("alt text"),
        max_length=300,
        blank=True,
        help_text=_("What the picture shows, for readers who cannot see it."),
    )
    lead_image_caption = models.CharField(_("caption"), max_length=500, blank=True)
    lead_image_credit = models.CharField(_("credit"), max_length=200, blank=True)

    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.DRAFT, db_index=True
    )
    publish_at = models.DateTimeField(
        _("publish at"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("When the story goes live. Empty when published means now."),
    )
    expire_at = models.DateTimeField(
        _("expire at"),
        null=True,
        blank=True,
        help_text=_("Optional: when the story leaves the site."),
    )
    embargo_until = models.DateTimeField(
        _("embargoed until"),
        null=True,
        blank=True,
        help_text=_("The story cannot be published or scheduled to go live before this time."),
    )
    first_published_at = models.DateTimeField(
        _("first published"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "When the story first went live; kept through unpublishing and republishing "
            "(datePublished)."
        ),
    )
    modified_at = models.DateTimeField(
        _("publicly updated"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When readers were last told of an update, correction or clarification."),
    )
    takedown_reason = models.TextField(_("takedown reason"), blank=True, editable=False)
    comment_mode = models.CharField(
        _("comments"), max_length=20, choices=CommentMode, default=CommentMode.INHERIT
    )
    version = models.PositiveIntegerField(
        _("version"), default=0, editable=False, help_text=_("Raised on every save.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_at", "-pk"]
        verbose_name = _("story")
        verbose_name_plural = _("stories")
        permissions = [("publish_article", _("Can publish stories"))]
        indexes = [
            models.Index(fields=["status", "publish_at"], name="article_live_idx"),
            # A section's page and its front-page block read its newest live stories.
            models.Index(
                fields=["section", "status", "publish_at"], name="article_section_live_idx"
            ),
            # The next story to expire (when cached lists go stale) without reading them all.
            models.Index(
                fields=["expire_at"],
                condition=Q(expire_at__isnull=False),
                name="article_expiry_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(publish_at__isnull=False),
                name="article_published_has_publish_at",
                violation_error_message=_("A published story needs a publication time."),
            ),
            models.CheckConstraint(
                condition=Q(expire_at__isnull=True)
                | Q(publish_at__isnull=True)
                | Q(expire_at__gt=models.F("publish_at")),
                name="article_expires_after_publishing",
                violation_error_message=_("The expiry time must be after the publication time."),
            ),
            models.CheckConstraint(
                condition=~Q(status="published")
                | Q(embargo_until__isnull=True)
                | Q(publish_at__gte=models.F("embargo_until")),
                name="article_respects_embargo",
                violation_error_message=_(
                    "The story is under embargo: it cannot go live before the embargo ends."
                ),
            ),
        ]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        # Sanitise whatever route the body came by (admin, import, shell).
        self.body = sanitize_body(self.body or "")
        if self.status == self.Status.PUBLISHED and self.publish_at is None:
            self.publish_at = timezone.now()
        if self.status == self.Status.PUBLISHED and self.first_published_at is None:
            # Kept for ever after: unpublishing and republishing never move it.
            self.first_published_at = self.publish_at
        # The version lets an editor's save detect that someone else saved first.
        self.version = (self.version or 0) + 1
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        from ..seo import path

        return path("articles:detail", self.slug)

    def clean(self):
        super().clean()
        if self.status == self.Status.PUBLISHED and self.publish_at is None:
            self.publish_at = timezone.now()

    @property
    def is_live(self):
        now = timezone.now()
        return (
            self.status == self.Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at <= now
            and (self.expire_at is None or self.expire_at > now)
        )

    @property
    def byline_contributors(self):
        """Contributors in byline order (uses prefetched bylines when present)."""
        return [b.contributor for b in self.bylines.all()]

    @property
    def was_updated(self):
        """True when readers were told of an update, correction or clarification."""
        return bool(self.modified_at and self.publish_at and self.modified_at > self.publish_at)

    @property
    def public_modified_at(self):
        """dateModified for readers and machines: the last public change, else publication."""
        return self.modified_at if self.was_updated else self.publish_at


class Byline(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bylines")
    contributor = models.ForeignKey(
        Contributor, verbose_name=_("contributor"), on_delete=models.PROTECT, related_name="bylines"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("byline")
        verbose_name_plural = _("byline")
        # A contributor's page finds their stories from this side (index-only).
        indexes = [models.Index(fields=["contributor", "article"], name="byline_contributor_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "contributor"], name="byline_unique_contributor"
            )
        ]

    def __str__(self):
        return str(self.contributor)
