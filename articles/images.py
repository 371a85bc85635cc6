"""Checks on uploaded pictures: size caps, decompression bombs and damaged files."""

import io
import logging
import warnings
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from django.db.models.fields.files import FieldFile, FileDescriptor, ImageFileDescriptor
from django.utils.translation import gettext as _
from imagekit.cachefiles.strategies import Optimistic
from PIL import Image, ImageOps

logger = logging.getLogger(__name__)

# What Pillow raises for a file it cannot decode (truncated, corrupt, hostile).
DECODING_ERRORS = (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError)


def validate_image(file):
    """Refuse files too large in bytes or pixels, and anything Pillow cannot read.

    A picture already in storage passed this check when it was uploaded; checking
    it again on every save of its story (the model's validators run each time)
    would fetch it from storage each time, and fail the save when storage is away.
    """
    if getattr(file, "_committed", False):
        return
    max_bytes = settings.NEWSROOM_IMAGE_MAX_BYTES
    max_pixels = settings.NEWSROOM_IMAGE_MAX_PIXELS
    if file.size > max_bytes:
        raise ValidationError(
            _("The picture is %(size)d MB; the limit is %(limit)d MB.")
            % {"size": file.size // 2**20, "limit": max_bytes // 2**20},
            code="image_too_large",
        )
    # A new upload is decoded in full: a truncated or corrupt file has a sound header,
    # so it opens, and fails only when its pixels are read (by normalise() and the
    # renditions on save).
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as picture:
                width, height = picture.size
                if width * height <= max_pixels:
                    # Pillow refuses truncated data here as long as
                    # ImageFile.LOAD_TRUNCATED_IMAGES keeps its default, False.
                    picture.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("The picture has too many pixels to process safely."), code="image_too_many_pixels"
        ) from None
    except Image.UnidentifiedImageError:  # no format recognised the file
        raise ValidationError(
            _("This file is not a picture we can read (use JPEG, PNG, WebP or AVIF)."),
            code="image_unreadable",
        ) from None
    except DECODING_ERRORS:  # recognised, but its data could not be read to the end
        raise ValidationError(
            _(
                "This picture is damaged or incomplete (perhaps cut short while it was "
                "copied or uploaded), so it cannot be shown. Please export or download "
                "it again and upload the new file."
            ),
            code="image_damaged",
        ) from None
    finally:
        if hasattr(file, "seek"):
            file.seek(position)
    if width * height > max_pixels:
        raise ValidationError(
            _("The picture is %(width)d×%(height)d pixels; the limit is %(limit)d megapixels.")
            % {"width": width, "height": height, "limit": max_pixels // 1_000_000},
            code="image_too_many_pixels",
        )


# Formats re-encoded on upload; others (e.g. animated GIF) are kept as they came.
NORMALISED_FORMATS = {"JPEG", "PNG", "WEBP"}


def normalise(field_file):
    """A new upload turned upright by its EXIF orientation and stripped of metadata.

    Phone pictures carry GPS positions and camera details; readers get none of it.
    Returns a ``ContentFile`` to assign to the field, or None to keep the file as is.
    """
    field_file.seek(0)
    try:
        with Image.open(field_file) as picture:
            if picture.format not in NORMALISED_FORMATS or getattr(picture, "is_animated", False):
                field_file.seek(0)
                return None
            image_format = picture.format
            upright = ImageOps.exif_transpose(picture)
            if image_format == "JPEG" and upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
            buffer = io.BytesIO()
            options = {"quality": 90} if image_format in ("JPEG", "WEBP") else {"optimize": True}
            upright.save(buffer, image_format, **options)
    except DECODING_ERRORS:
        # validate_image() refuses such files in forms; a picture saved by another
        # route (shell, import) is kept as it came rather than failing the save.
        logger.warning("Could not decode %s to normalise it; kept as uploaded", field_file.name)
        field_file.seek(0)
        return None
    name = Path(field_file.name).name
    return ContentFile(buffer.getvalue(), name=name)


class RenditionsOnSave(Optimistic):
    """django-imagekit's Optimistic strategy (renditions made when the picture is
    saved, never on a reader's request), except that a picture that cannot be
    decoded is logged and left without renditions instead of failing the save."""

    def on_source_saved(self, file):
        try:
            super().on_source_saved(file)
        except DECODING_ERRORS as error:
            if isinstance(error, OSError) and error.errno is not None:
                raise  # the disk's trouble (full, unwritable), not the picture's
            logger.exception("Could not make the rendition %s", file.name)


class _MeasuredOnceDescriptor(ImageFileDescriptor):
    """Measure a picture when a different file is set, not when the same one is set again.

    Django's image field re-reads the file's dimensions on every assignment, and the
    admin's form assigns the stored picture back on every save, as does
    ``refresh_from_db()``: with object storage that is a download of the whole
    original per save, and a save fails when storage cannot give it back.
    """

    def __set__(self, instance, value):
        previous = instance.__dict__.get(self.field.attname)
        unchanged = (
            isinstance(value, FieldFile)
            and value._committed
            and value.name
            and getattr(previous, "name", previous) == value.name
        )
        if unchanged:
            FileDescriptor.__set__(self, instance, value)
        else:
            super().__set__(instance, value)


class PictureField(models.ImageField):
    """An ``ImageField`` that measures each stored picture once."""

    descriptor_class = _MeasuredOnceDescriptor
