"""The picture library: each picture uploaded once, described once, used anywhere.

``images`` depends on Django, Pillow and the storage API only; ``articles`` uses it.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager


def original_path(picture, filename):
    return f"pictures/originals/{filename}"


def rendition_path(rendition, filename):
    return f"pictures/renditions/{filename}"


class Picture(models.Model):
    """One picture: its normalised original (upright, no metadata, sRGB) and what is known
    about it. Renditions are made from it when it or its focal point changes."""

    file = models.ImageField(
        _("picture"), upload_to=original_path, width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(_("width"), editable=False, default=0)
    height = models.PositiveIntegerField(_("height"), editable=False, default=0)
    title = models.CharField(_("title"), max_length=200)
    alt_text = models.CharField(
        _("alt text"),
        max_length=300,
        help_text=_("What the picture shows, for readers who cannot see it."),
    )
    caption = models.CharField(_("caption"), max_length=500, blank=True)
    credit = models.CharField(_("credit"), max_length=200, blank=True)
    usage_note = models.TextField(
        _("copyright and usage"), blank=True, help_text=_("Who owns it and where it may be used.")
    )
    tags = TaggableManager(_("tags"), blank=True, related_name="pictures")
    # Where the picture's subject is, as fractions of its width and height (0 to 1):
    # every crop keeps it in the frame.
    focal_x = models.FloatField(
        _("focal point (across)"),
        default=0.5,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
    )
    focal_y = models.FloatField(
        _("focal point (down)"),
        default=0.5,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
    )
    # An optional crop of the original the renditions are made from (pixels, inclusive-
    # exclusive), e.g. to cut a distracting edge; none when all of it is used.
    crop_left = models.PositiveIntegerField(null=True, blank=True)
    crop_top = models.PositiveIntegerField(null=True, blank=True)
    crop_right = models.PositiveIntegerField(null=True, blank=True)
    crop_bottom = models.PositiveIntegerField(null=True, blank=True)
    # C2PA content credentials read from the uploaded file (None when it carried none):
    # the manifest store as the c2pa library reads it, and a short summary for people.
    credentials = models.JSONField(_("content credentials"), null=True, blank=True)
    credentials_summary = models.CharField(_("credentials"), max_length=500, blank=True)
    # The uploaded file's digest: the same file uploaded twice is one picture.
    sha256 = models.CharField(max_length=64, db_index=True, editable=False, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    # Raised whenever the original, its crop or its focal point change: renditions of an
    # older version are stale.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("picture")
        verbose_name_plural = _("pictures")

    def __str__(self):
        return self.title


class Rendition(models.Model):
    """One stored derivative of a picture: a format at a width, for a shape."""

    class Shape(models.TextChoices):
        ORIGINAL = "original", _("as uploaded (cropped if a crop is set)")
        WIDE = "16x9", _("16:9")
        STANDARD = "4x3", _("4:3")
        SQUARE = "1x1", _("1:1")

    class Format(models.TextChoices):
        AVIF = "avif", "AVIF"
        WEBP = "webp", "WebP"
        JPEG = "jpeg", "JPEG"

    picture = models.ForeignKey(Picture, on_delete=models.CASCADE, related_name="renditions")
    picture_version = models.PositiveIntegerField()
    shape = models.CharField(max_length=10, choices=Shape)
    format = models.CharField(max_length=10, choices=Format)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    file = models.FileField(upload_to=rendition_path, max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["picture", "picture_version", "shape", "format", "width"],
                name="rendition_unique",
            )
        ]
        indexes = [models.Index(fields=["picture", "picture_version"])]

    def __str__(self):
        return f"{self.picture} {self.shape} {self.format} {self.width}w"
