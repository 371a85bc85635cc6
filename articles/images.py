"""Checks on uploaded pictures: size caps and decompression bombs."""

import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image


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
