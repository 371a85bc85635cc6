"""Renditions: every picture resized, cropped and encoded ahead of any reader.

Each picture has four shapes: the original (inside its optional crop box) at each width
of ``WIDTHS`` up to its own (never upscaled) in AVIF, WebP and JPEG, and 16:9, 4:3 and 1:1
crops placed around its focal point at ``CROP_WIDTHS`` in WebP and JPEG (for cards and
structured data; AVIF is by far the slowest to encode, and all are made while the editor
waits). They are made by
``ensure()`` when a picture is accepted and whenever it, its crop or its focal point
change (each change raises ``Picture.version``; renditions of older versions are
deleted), never on a reader's request. Templates get ``srcset`` strings from
``sources()``, story JSON-LD its crops from ``structured_data()``.
"""

import io
import logging

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from PIL import Image

from . import provenance
from .models import Picture, Rendition

logger = logging.getLogger(__name__)

WIDTHS = [320, 480, 640, 800, 1024, 1280, 1600]
# The cropped shapes serve cards and structured data: fewer widths, and no AVIF (the
# slowest to encode by far: every rendition is made while the editor waits).
CROP_WIDTHS = [480, 800, 1200]
Shape = Rendition.Shape
Format = Rendition.Format
# Width over height of each cropped shape; the original keeps its own.
RATIOS = {Shape.WIDE: 16 / 9, Shape.STANDARD: 4 / 3, Shape.SQUARE: 1.0}
SHAPES = [Shape.ORIGINAL, *RATIOS]
# Smallest first in srcset order; browsers take the first format they can show.
FORMATS = [Format.AVIF, Format.WEBP, Format.JPEG]
EXTENSIONS = {Format.AVIF: "avif", Format.WEBP: "webp", Format.JPEG: "jpg"}
# Settings chosen for photographs on news pages: small files, no visible artefacts at
# the sizes shown. AVIF at speed 8 costs well under 0.1 s for a 1600 px picture.
ENCODERS = {
    Format.AVIF: ("AVIF", {"quality": 60, "speed": 8}),
    Format.WEBP: ("WEBP", {"quality": 80, "method": 4}),
    Format.JPEG: ("JPEG", {"quality": 82, "optimize": True, "progressive": True}),
}
FALLBACK_WIDTH = 800  # the <img src> for browsers without srcset: the largest up to this
# Google asks for structured-data images of at least 50,000 pixels (width × height).
STRUCTURED_DATA_MIN_PIXELS = 50_000
STRUCTURED_DATA_SHAPES = [Shape.WIDE, Shape.STANDARD, Shape.SQUARE]


def crop_box(picture) -> tuple[int, int, int, int]:
    """The part of the original renditions are made from: its crop, or all of it."""
    box = (picture.crop_left, picture.crop_top, picture.crop_right, picture.crop_bottom)
    if None in box:
        return (0, 0, picture.width, picture.height)
    return box


def shape_box(picture, shape) -> tuple[int, int, int, int]:
    """The largest box of ``shape`` inside the crop, centred on the focal point as far
    as the edges allow (left, top, right, bottom in the original's pixels)."""
    left, top, right, bottom = crop_box(picture)
    if shape == Shape.ORIGINAL:
        return (left, top, right, bottom)
    ratio = RATIOS[shape]
    available_width, available_height = right - left, bottom - top
    if available_width / available_height > ratio:
        width, height = max(1, round(available_height * ratio)), available_height
    else:
        width, height = available_width, max(1, round(available_width / ratio))
    x = picture.focal_x * picture.width - width / 2
    y = picture.focal_y * picture.height - height / 2
    x = round(min(max(x, left), right - width))
    y = round(min(max(y, top), bottom - height))
    return (x, y, x + width, y + height)


def formats_for(shape) -> list:
    """The original's shape in every format; the crops in WebP and JPEG."""
    return FORMATS if shape == Shape.ORIGINAL else [Format.WEBP, Format.JPEG]


def sizes(box, widths=WIDTHS) -> list[tuple[int, int]]:
    """(width, height) of each rendition of a box: the widths up to its own, or just
    its own width when it is narrower than the smallest."""
    box_width, box_height = box[2] - box[0], box[3] - box[1]
    widths = [width for width in widths if width <= box_width] or [box_width]
    return [(width, max(1, round(width * box_height / box_width))) for width in widths]


def plan(picture) -> list[tuple[str, tuple, int, int]]:
    """Every rendition the picture's current version should have, without formats:
    (shape, box, width, height)."""
    return [
        (shape, box, width, height)
        for shape in SHAPES
        for box in [shape_box(picture, shape)]
        for width, height in sizes(box, WIDTHS if shape == Shape.ORIGINAL else CROP_WIDTHS)
    ]


def _encode(image, rendition_format, xmp):
    name, options = ENCODERS[rendition_format]
    if rendition_format == Format.JPEG and image.mode != "RGB":
        # JPEG has no transparency: what shows through is the page's white.
        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(image, mask=image.getchannel("A") if "A" in image.mode else None)
        image = flat
    if xmp:
        options = {**options, "xmp": xmp}
    buffer = io.BytesIO()
    image.save(buffer, name, **options)
    return buffer.getvalue()


def _delete_files(names):
    """Delete stored files, logging (never raising) what storage refuses: this runs
    after a commit, or while another error is on its way up and must not be hidden."""
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:  # noqa: BLE001 - any storage backend's failure
            logger.warning("Could not delete the stored file %s", name, exc_info=True)


def forget(picture):
    """Drop the renditions remembered on this instance (after they changed)."""
    picture.__dict__.pop("_current_renditions", None)
    getattr(picture, "_prefetched_objects_cache", {}).pop("renditions", None)


def ensure(picture) -> int:
    """Make every missing rendition of the picture's current version; the number made.

    Idempotent. Renditions of older versions are deleted (their files once the
    transaction commits, so a rollback never leaves rows without files). The picture's
    row is locked meanwhile, so two processes never make the same rendition twice.
    """
    saved = []
    try:
        with transaction.atomic():
            current = (
                Picture.objects.select_for_update()
                .filter(pk=picture.pk)
                .values_list("version", flat=True)
                .get()
            )
            picture.version = current
            forget(picture)
            stale = Rendition.objects.filter(picture=picture).exclude(picture_version=current)
            stale_files = list(stale.values_list("file", flat=True))
            if stale_files:
                stale.delete()
                transaction.on_commit(lambda: _delete_files(stale_files))
            have = set(
                Rendition.objects.filter(picture=picture, picture_version=current).values_list(
                    "shape", "format", "width"
                )
            )
            missing = [
                (shape, box, width, height, rendition_format)
                for shape, box, width, height in plan(picture)
                for rendition_format in formats_for(shape)
                if (shape, rendition_format, width) not in have
            ]
            if not missing:
                return 0
            xmp = provenance.rendition_xmp(picture)
            made = []
            with (
                default_storage.open(picture.file.name, "rb") as stored,
                Image.open(stored) as source,
            ):
                source.load()
                original = source if source.mode in ("RGB", "RGBA") else source.convert("RGB")
                resized = {}
                for shape, box, width, height, rendition_format in missing:
                    # ``missing`` is in shape and width order: each size is resized
                    # once for all its formats.
                    if resized.get("key") != (shape, width):
                        resized = {
                            "key": (shape, width),
                            "image": original.crop(box).resize(
                                (width, height), Image.Resampling.LANCZOS, reducing_gap=3.0
                            ),
                        }
                    data = _encode(resized["image"], rendition_format, xmp)
                    rendition = Rendition(
                        picture=picture,
                        picture_version=current,
                        shape=shape,
                        format=rendition_format,
                        width=width,
                        height=height,
                    )
                    stem = (picture.sha256 or "picture")[:10]
                    rendition.file.save(
                        f"{picture.pk}/{stem}-v{current}-{shape}-{width}.{EXTENSIONS[rendition_format]}",
                        ContentFile(data),
                        save=False,
                    )
                    saved.append(rendition.file.name)
                    made.append(rendition)
            Rendition.objects.bulk_create(made)
            return len(made)
    except BaseException:
        _delete_files(saved)
        raise


def remake(picture) -> int:
    """Make all the picture's renditions anew (after the encoders' settings changed):
    a new version, so caches holding the old files by URL fetch the new ones."""
    Picture.objects.filter(pk=picture.pk).update(version=F("version") + 1)
    picture.refresh_from_db(fields=["version"])
    return ensure(picture)


def check_focal_point(picture, x, y, *, crop=None) -> tuple[float, float, tuple | None]:
    """The one place for the rules of a focal point and crop box: ``(x, y, crop)``
    parsed (fractions; four whole pixels or None), or ``ValidationError``.

    ``crop`` is ``(left, top, right, bottom)``; None, or four blanks (None or ""), is
    no crop. Refused: a point or box outside the picture, a box with only some of its
    sides, sides that are not whole numbers, and a point outside the box.
    """
    try:
        x, y = float(x), float(y)
    except (TypeError, ValueError):
        raise ValidationError(
            _("The focal point must be two numbers."), code="focal_point_invalid"
        ) from None
    if not (0 <= x <= 1 and 0 <= y <= 1):
        raise ValidationError(
            _("The focal point must lie inside the picture (0 to 1 across and down)."),
            code="focal_point_outside",
        )
    if crop is None:
        return x, y, None
    crop = tuple(crop)
    blank = [value is None or (isinstance(value, str) and not value.strip()) for value in crop]
    if len(crop) == 4 and all(blank):
        return x, y, None
    if len(crop) == 4 and any(blank):
        raise ValidationError(
            _("The crop needs all four sides (left, top, right, bottom), or none of them."),
            code="crop_incomplete",
        )
    try:
        if len(crop) != 4 or any(
            isinstance(value, float) and not value.is_integer() for value in crop
        ):
            raise ValueError
        left, top, right, bottom = (int(value) for value in crop)
    except (TypeError, ValueError):
        raise ValidationError(
            _("The crop must be four whole numbers: left, top, right, bottom."),
            code="crop_invalid",
        ) from None
    if not (0 <= left < right <= picture.width and 0 <= top < bottom <= picture.height):
        raise ValidationError(
            _("The crop must lie inside the picture (%(width)d×%(height)d pixels).")
            % {"width": picture.width, "height": picture.height},
            code="crop_outside",
        )
    if not (left <= x * picture.width <= right and top <= y * picture.height <= bottom):
        raise ValidationError(
            _("The focal point must lie inside the crop."), code="focal_point_outside_crop"
        )
    return x, y, (left, top, right, bottom)


def set_focal_point(picture, x, y, *, crop=None, by=None) -> Picture:
    """Move the focal point (fractions across and down) and set the crop box
    (``(left, top, right, bottom)`` in pixels; None uses the whole picture), then make
    the renditions of the new version. Raises ``ValidationError`` as
    ``check_focal_point`` does."""
    x, y, crop = check_focal_point(picture, x, y, crop=crop)
    crop = crop or (None, None, None, None)
    before = (picture.focal_x, picture.focal_y, *crop_fields(picture))
    after = (x, y, *crop)
    if before != after:
        with transaction.atomic():
            picture.focal_x, picture.focal_y = x, y
            picture.crop_left, picture.crop_top, picture.crop_right, picture.crop_bottom = crop
            picture.version = F("version") + 1
            picture.save(
                update_fields=[
                    "focal_x",
                    "focal_y",
                    "crop_left",
                    "crop_top",
                    "crop_right",
                    "crop_bottom",
                    "version",
                    "updated_at",
                ]
            )
            picture.refresh_from_db(fields=["version"])
            logger.info("Focal point of picture %s set by %s", picture.pk, by or "the system")
            ensure(picture)
    else:
        ensure(picture)
    return picture


def crop_fields(picture):
    return (picture.crop_left, picture.crop_top, picture.crop_right, picture.crop_bottom)


# Reading renditions for pages.


def _current(picture) -> list[Rendition]:
    """The picture's renditions of its current version, by width: one query the first
    time for an instance, none after (nor after ``prefetch``)."""
    remembered = picture.__dict__.get("_current_renditions")
    if remembered is not None and remembered[0] == picture.version:
        return remembered[1]
    rows = getattr(picture, "_prefetched_objects_cache", {}).get("renditions")
    if picture.pk is None:
        rows = []
    elif rows is None:
        rows = picture.renditions.filter(picture_version=picture.version)
    current = sorted(
        (row for row in rows if row.picture_version == picture.version),
        key=lambda row: row.width,
    )
    picture.__dict__["_current_renditions"] = (picture.version, current)
    return current


def prefetch(pictures):
    """Load the renditions of many pictures (None entries allowed) in one query, for
    list pages; returns the pictures given."""
    pictures = list(pictures)
    waiting = [
        picture
        for picture in pictures
        if picture is not None
        and picture.__dict__.get("_current_renditions", (None,))[0] != picture.version
    ]
    if waiting:
        by_picture = {}
        for row in Rendition.objects.filter(picture_id__in={p.pk for p in waiting}).order_by(
            "width"
        ):
            by_picture.setdefault(row.picture_id, []).append(row)
        for picture in waiting:
            rows = by_picture.get(picture.pk, [])
            picture.__dict__["_current_renditions"] = (
                picture.version,
                [row for row in rows if row.picture_version == picture.version],
            )
    return pictures


def sources(picture, shape="original") -> dict:
    """What a ``<picture>`` element needs for one shape: ``width`` and ``height`` of
    the largest rendition, ``avif``/``webp``/``jpeg`` srcset strings and ``fallback``
    (the URL of a mid-size JPEG). Empty (falsy) while the picture has no renditions."""
    rows = [row for row in _current(picture) if row.shape == shape]
    jpegs = [row for row in rows if row.format == Format.JPEG]
    if not jpegs:
        return {}
    largest = jpegs[-1]
    fallback = [row for row in jpegs if row.width <= FALLBACK_WIDTH][-1:] or jpegs[:1]
    found = {"width": largest.width, "height": largest.height, "fallback": fallback[0].file.url}
    for rendition_format in FORMATS:
        found[rendition_format.value] = ", ".join(
            f"{row.file.url} {row.width}w" for row in rows if row.format == rendition_format
        )
    return found


def structured_data(picture) -> list[str]:
    """URLs of the largest 16:9, 4:3 and 1:1 JPEG crops (as ``MEDIA_URL`` makes them,
    e.g. ``/media/...``), for a story's JSON-LD ``image``; crops under Google's 50,000
    pixels are left out."""
    urls = []
    current = _current(picture)
    for shape in STRUCTURED_DATA_SHAPES:
        jpegs = [row for row in current if row.shape == shape and row.format == Format.JPEG]
        if jpegs and jpegs[-1].width * jpegs[-1].height >= STRUCTURED_DATA_MIN_PIXELS:
            urls.append(jpegs[-1].file.url)
    return urls
