"""Checks on uploaded pictures: size caps and decompression bombs."""

import io
import warnings
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps


def validate_image(file):
    """Refuse files too large in bytes or pixels, and anything Pillow cannot read."""
    max_bytes = settings.NEWSROOM_IMAGE_MAX_BYTES
    max_pixels = settings.NEWSROOM_IMAGE_MAX_PIXELS
    if file.size > max_bytes:
        raise ValidationError(
            _("The picture is %(size)d MB; the limit is %(limit)d MB.")
            % {"size": file.size // 2**20, "limit": max_bytes // 2**20},
            code="image_too_large",
        )
    if getattr(file, "closed", False):
        file.open("rb")  # a stored picture checked again (e.g. by full_clean)
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as picture:
                width, height = picture.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("The picture has too many pixels to process safely."), code="image_too_many_pixels"
        ) from None
    except (OSError, SyntaxError, ValueError):
        raise ValidationError(
            _("This file is not a picture we can read (use JPEG, PNG, WebP or AVIF)."),
            code="image_unreadable",
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
    name = Path(field_file.name).name
    return ContentFile(buffer.getvalue(), name=name)
