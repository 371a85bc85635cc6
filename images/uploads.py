"""Pictures coming into the library: checked, normalised, stored once.

``validate(file)`` refuses what must never be stored: anything but JPEG, PNG, WebP, GIF
or AVIF (judged by the content, never by the name), files over the byte or pixel caps,
damaged files, and polyglots — a picture that is also something else, such as a JPEG
with a ZIP archive or a web page after its end, or a GIF carrying a script, which a
browser or an unzip tool would open as that other thing.

``accept(file, ...)`` then stores a *re-encoded* original: turned upright by its EXIF
orientation, every piece of metadata dropped (GPS, camera, XMP, comments), colours
converted to sRGB, a GIF reduced to its first frame. What other metadata or hidden bytes
a file carried never reach storage, because only decoded pixels are written back.
"""

import hashlib
import io
import logging
import re
import warnings
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps

from . import provenance, renditions
from .models import Picture

logger = logging.getLogger(__name__)

# Pillow's names for the formats we take; only their decoders are ever tried, so a
# BMP, TIFF, PSD or EPS is never parsed at all. MPO is a JPEG with extra images
# (phones' depth maps and HDR gain maps) after the first.
FORMATS = {
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
    "AVIF": "image/avif",
}
OPENERS = ["JPEG", "PNG", "WEBP", "GIF", "AVIF"]

# What Pillow raises for a file it cannot decode (truncated, corrupt, hostile).
DECODING_ERRORS = (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError)

# Active content a browser would run if the file were ever served or sniffed as a page.
# Long enough that compressed pixel data cannot contain them by chance.
ACTIVE_CONTENT = re.compile(
    rb"<script|<html|<body|<iframe|<object|<embed|<svg|<\?php|javascript:", re.IGNORECASE
)
SVG_START = re.compile(
    rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*(<!doctype svg[^>]*>\s*)?<svg", re.I | re.S
)


def _error(message, code):
    return ValidationError(message, code=code)


def _unreadable():
    return _error(
        _("This file is not a picture we can take. Please upload a JPEG, PNG, WebP, GIF or AVIF."),
        "image_unreadable",
    )


def _damaged():
    return _error(
        _(
            "This picture is damaged or incomplete (perhaps cut short while it was copied "
            "or uploaded). Please export or download it again and upload the new file."
        ),
        "image_damaged",
    )


def _polyglot():
    return _error(
        _(
            "This file holds something besides the picture (an archive, a web page or a "
            "script hidden in it), so it is refused. Open it in an image editor and export "
            "it again as a plain picture."
        ),
        "image_polyglot",
    )


def read_bytes(file) -> bytes:
    """All of ``file`` (at most the byte cap, else refused), from its start; the file's
    position is put back to its start for whoever reads it next."""
    limit = settings.NEWSROOM_IMAGE_MAX_BYTES
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise _too_large(size, limit)
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(limit + 1)
    if hasattr(file, "seek"):
        file.seek(0)
    if len(data) > limit:
        raise _too_large(len(data), limit)
    return data


def _too_large(size, limit):
    return _error(
        _("The picture is %(size)s MB; the limit is %(limit)s MB.")
        % {"size": f"{size / 2**20:.1f}", "limit": f"{limit / 2**20:g}"},
        "image_too_large",
    )


def validate(file) -> None:
    """Raise ``ValidationError`` (with a code) unless ``file`` is a picture we store."""
    check(read_bytes(file))


def check(data: bytes) -> str:
    """``validate`` on bytes already read; returns Pillow's name for the format."""
    if not data:
        raise _error(_("The file is empty."), "image_empty")
    if SVG_START.match(data[:4096]):
        raise _error(
            _(
                "SVG drawings are not accepted: they can carry scripts. Please export the "
                "drawing as PNG and upload that."
            ),
            "image_svg",
        )
    max_pixels = settings.NEWSROOM_IMAGE_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=OPENERS) as picture:
                image_format = picture.format
                width, height = picture.size
                if width * height > max_pixels:
                    raise _error(
                        _(
                            "The picture is %(width)d×%(height)d pixels; the limit is "
                            "%(limit)s megapixels."
                        )
                        % {"width": width, "height": height, "limit": f"{max_pixels / 1e6:g}"},
                        "image_too_many_pixels",
                    )
                # Decoded in full: a truncated file has a sound header and fails only
                # here (Pillow refuses truncated data while LOAD_TRUNCATED_IMAGES is False).
                picture.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _error(
            _("The picture has too many pixels to process safely."), "image_too_many_pixels"
        ) from None
    except Image.UnidentifiedImageError:
        raise _unreadable() from None
    except DECODING_ERRORS:
        raise _damaged() from None
    if image_format not in FORMATS or not width or not height:
        raise _unreadable()
    _check_container(data, image_format)
    if ACTIVE_CONTENT.search(data):
        raise _polyglot()
    return image_format


# Container walkers: where the picture's own data ends. Anything after that end is
# another file riding along (the classic polyglot), refused.


def _check_container(data, image_format):
    end = {
        "JPEG": _jpeg_end,
        "MPO": _jpeg_end,
        "PNG": _png_end,
        "GIF": _gif_end,
        "WEBP": _riff_end,
        "AVIF": _isobmff_end,
    }[image_format](data, 0)
    if end is None:
        raise _damaged()
    if image_format in ("JPEG", "MPO"):
        # Phones append further complete JPEGs (MPF: depth maps, gain maps), and some
        # tools pad with zero bytes; anything else after the end is refused.
        while data.startswith(b"\xff\xd8", end):
            end = _jpeg_end(data, end)
            if end is None:
                raise _damaged()
        if data[end:].strip(b"\x00"):
            raise _polyglot()
    elif end != len(data):
        raise _polyglot()


def _jpeg_end(data, start):
    """Offset just past the EOI marker of the JPEG starting at ``start``, or None."""
    if not data.startswith(b"\xff\xd8", start):
        return None
    i, size = start + 2, len(data)
    while i + 1 < size:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0xD9:
            return i + 2
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            i += 2
            continue
        if i + 4 > size:
            return None
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
        if marker == 0xDA:
            # Entropy-coded data: it ends at the first 0xFF not followed by a stuffed
            # zero, a restart marker or another fill byte.
            while True:
                i = data.find(b"\xff", i)
                if i < 0 or i + 1 >= size:
                    return None
                following = data[i + 1]
                if following == 0 or 0xD0 <= following <= 0xD7:
                    i += 2
                elif following == 0xFF:
                    i += 1
                else:
                    break
    return None


def _png_end(data, start):
    i, size = start + 8, len(data)
    while i + 12 <= size:
        length = int.from_bytes(data[i : i + 4], "big")
        kind = data[i + 4 : i + 8]
        i += 12 + length
        if kind == b"IEND":
            return i if i <= size else None
    return None


def _gif_end(data, start):
    size = len(data)
    if size < start + 13:
        return None
    flags = data[start + 10]
    i = start + 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)

    def skip_sub_blocks(i):
        while i < size:
            length = data[i]
            i += 1 + length
            if length == 0:
                return i
        return None

    while i is not None and i < size:
        block = data[i]
        if block == 0x3B:  # trailer
            return i + 1
        if block == 0x21:  # extension: label, then data sub-blocks
            i = skip_sub_blocks(i + 2)
        elif block == 0x2C:  # image: descriptor, local colours, LZW code size, data
            if i + 10 > size:
                return None
            flags = data[i + 9]
            i += 10 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
            i = skip_sub_blocks(i + 1)
        else:
            return None
    return None


def _riff_end(data, start):
    if data[start : start + 4] != b"RIFF" or len(data) < start + 12:
        return None
    length = int.from_bytes(data[start + 4 : start + 8], "little")
    return start + 8 + length + (length & 1)


def _isobmff_end(data, start):
    i, size = start, len(data)
    while i + 8 <= size:
        length = int.from_bytes(data[i : i + 4], "big")
        if length == 1:  # 64-bit size follows the type
            if i + 16 > size:
                return None
            length = int.from_bytes(data[i + 8 : i + 16], "big")
        elif length == 0:  # the box runs to the end of the file
            return size
        if length < 8:
            return None
        i += length
    return i if i == size else None


# Normalising: only decoded pixels are written back.

SRGB = ImageCms.createProfile("sRGB")


def normalise(data: bytes) -> tuple[bytes, str, tuple[int, int]]:
    """The picture re-encoded upright, in sRGB, with no metadata: ``(bytes, extension,
    (width, height))``.

    Pictures with transparency, and those from lossless formats (PNG, GIF), are stored
    as PNG; photographs (JPEG, WebP, AVIF) as a high-quality JPEG.
    """
    with Image.open(io.BytesIO(data), formats=OPENERS) as source:
        source.seek(0)  # an animation's first frame
        image_format = source.format
        icc = source.info.get("icc_profile")
        picture = ImageOps.exif_transpose(source)
    alpha = picture.mode in ("RGBA", "LA", "PA") or (
        picture.mode == "P" and "transparency" in picture.info
    )
    mode = "RGBA" if alpha else "RGB"
    picture = _to_srgb(picture, icc, mode)
    # A fresh image holding the pixels alone: no EXIF, XMP, ICC, comment or text chunk
    # of the upload can follow it into the file we write.
    clean = Image.frombytes(mode, picture.size, picture.tobytes())
    buffer = io.BytesIO()
    if alpha or image_format in ("PNG", "GIF"):
        clean.save(buffer, "PNG", optimize=True)
        return buffer.getvalue(), "png", clean.size
    clean.save(buffer, "JPEG", quality=92, subsampling=0)
    return buffer.getvalue(), "jpg", clean.size


def _to_srgb(picture, icc, mode):
    if picture.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        picture = picture.point(lambda value: value / 256).convert("L")
    if icc:
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            if picture.mode not in ("RGB", "RGBA", "CMYK", "L"):
                picture = picture.convert(mode)
            converted = ImageCms.profileToProfile(
                picture, profile, SRGB, outputMode="RGBA" if picture.mode == "RGBA" else "RGB"
            )
            if converted.mode != mode:
                converted = converted.convert(mode)
            return converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            # A profile lcms cannot use: the colours are taken as sRGB, as browsers do.
            logger.warning("Unusable colour profile in an upload; colours taken as sRGB")
    return picture.convert(mode)


def _file_name(name, digest, extension):
    stem = slugify(Path(name or "").stem)[:60].strip("-") or "picture"
    return f"{stem}-{digest[:10]}.{extension}"


def accept(
    file,
    *,
    title,
    alt_text,
    by=None,
    caption="",
    credit="",
    usage_note="",
    tags=(),
    focal=(0.5, 0.5),
) -> Picture:
    """Take an upload into the library and return its ``Picture``, renditions made.

    The same file uploaded again returns the picture already made from it, unchanged.
    Atomic: when anything fails, no picture row and no stored file is left behind.
    """
    data = read_bytes(file)
    image_format = check(data)
    digest = hashlib.sha256(data).hexdigest()
    existing = Picture.objects.filter(sha256=digest).order_by("pk").first()
    if existing is not None:
        return existing
    focal_x, focal_y = (float(value) for value in focal)
    if not (0 <= focal_x <= 1 and 0 <= focal_y <= 1):
        raise _error(
            _("The focal point must lie inside the picture (0 to 1 across and down)."),
            "focal_point_outside",
        )
    # Credentials are read from the bytes as they came: normalising drops the manifest.
    credentials, credentials_summary = provenance.read(data, FORMATS[image_format])
    normalised, extension, (width, height) = normalise(data)
    picture = Picture(
        title=title,
        alt_text=alt_text,
        caption=caption,
        credit=credit,
        usage_note=usage_note,
        focal_x=focal_x,
        focal_y=focal_y,
        credentials=credentials,
        credentials_summary=credentials_summary,
        sha256=digest,
        uploaded_by=by,
    )
    # A bulk upload brings files before their descriptions: alt text may come later
    # (the library marks pictures still without it; the forms require it).
    picture.full_clean(exclude=["file", "tags", *([] if alt_text else ["alt_text"])])
    stored = None
    try:
        with transaction.atomic():
            picture.file.save(
                _file_name(getattr(file, "name", ""), digest, extension),
                ContentFile(normalised),
                save=False,
            )
            stored = picture.file.name
            # Known already: no need for the field to read the stored file back.
            picture.width, picture.height = width, height
            picture.save()
            if tags:
                picture.tags.set(list(tags))
            renditions.ensure(picture)
    except BaseException:
        if stored:
            renditions._delete_files([stored])
        raise
    return picture
