"""Picture files built in the tests with Pillow and bytes (no binary fixtures)."""

import io
import struct
import zipfile
import zlib
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

RED, GREEN, BLUE, GREY, MAGENTA = (
    (220, 20, 20),
    (20, 200, 40),
    (20, 40, 220),
    (128, 128, 128),
    (255, 0, 255),
)


def encode(image, fmt, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def photo(size=(640, 480), fmt="JPEG", **options) -> bytes:
    """Noise: compresses badly, like a photograph, so the data is far from tiny."""
    return encode(Image.effect_noise(size, 60).convert("RGB"), fmt, **options)


def gradient(size=(640, 480), fmt="JPEG", **options) -> bytes:
    """Smooth colours: quick to encode in every format, unlike noise."""
    across = Image.linear_gradient("L").resize(size)
    down = Image.linear_gradient("L").rotate(90).resize(size)
    return encode(Image.merge("RGB", (across, down, across.transpose(0))), fmt, **options)


def solid(size=(400, 300), colour=RED, fmt="JPEG", **options) -> bytes:
    return encode(Image.new("RGB", size, colour), fmt, **options)


def upload(data, name="picture.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def zip_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.js", "alert('zip payload')")
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width, height) -> bytes:
    """A PNG whose header claims ``width``×``height`` pixels with almost no data: the
    decompression bomb's opening move."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + png_chunk(b"IEND", b"")
    )


def png_with_text(text: bytes, size=(120, 90)) -> bytes:
    """A PNG with a tEXt chunk before its image data."""
    data = solid(size, BLUE, "PNG")
    return data[:33] + png_chunk(b"tEXt", b"Comment\x00" + text) + data[33:]


def gif_with_comment(comment: bytes, size=(120, 90)) -> bytes:
    """A GIF with a comment extension (0x21 0xFE) right after its colour table."""
    data = solid(size, GREEN, "GIF")
    flags = data[10]
    start = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    blocks = b"".join(
        bytes([len(comment[i : i + 255])]) + comment[i : i + 255]
        for i in range(0, len(comment), 255)
    )
    return data[:start] + b"\x21\xfe" + blocks + b"\x00" + data[start:]


def jpeg_with_comment(comment: bytes, image=None) -> bytes:
    """A JPEG with a COM segment just after SOI."""
    data = encode(image or Image.new("RGB", (160, 120), RED), "JPEG")
    segment = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
    return data[:2] + segment + data[2:]


def _s15(value):
    return struct.pack(">i", round(value * 65536))


def icc_profile_swapping_red_and_green() -> bytes:
    """An RGB matrix/TRC ICC profile (linear) whose red primary is sRGB's green and whose
    green is sRGB's red: pixels saved as pure red *mean* green."""
    d50 = (0.9642, 1.0, 0.8249)
    srgb_red, srgb_green, srgb_blue = (
        (0.4361, 0.2225, 0.0139),
        (0.3851, 0.7169, 0.0971),
        (0.1431, 0.0606, 0.7141),
    )

    def xyz(values):
        return b"XYZ \x00\x00\x00\x00" + b"".join(_s15(v) for v in values)

    description = b"swapped primaries\x00"
    tags = [
        (
            b"desc",
            b"desc\x00\x00\x00\x00"
            + struct.pack(">I", len(description))
            + description
            + b"\x00" * 4
            + b"\x00" * 4
            + b"\x00" * 3
            + b"\x00" * 67,
        ),
        (b"wtpt", xyz(d50)),
        (b"rXYZ", xyz(srgb_green)),
        (b"gXYZ", xyz(srgb_red)),
        (b"bXYZ", xyz(srgb_blue)),
        (b"rTRC", b"curv\x00\x00\x00\x00\x00\x00\x00\x00"),
        (b"gTRC", b"curv\x00\x00\x00\x00\x00\x00\x00\x00"),
        (b"bTRC", b"curv\x00\x00\x00\x00\x00\x00\x00\x00"),
        (b"cprt", b"text\x00\x00\x00\x00none\x00"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, data in tags:
        while (offset + len(body)) % 4:
            body += b"\x00"
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data
    content = struct.pack(">I", len(tags)) + table + body
    header = (
        struct.pack(">I", 128 + len(content))
        + b"\x00" * 4
        + b"\x02\x10\x00\x00"
        + b"mntrRGB XYZ "
        + b"\x00" * 12
        + b"acsp"
        + b"\x00" * 24
        + b"\x00" * 4
        + b"".join(_s15(v) for v in d50)
        + b"\x00" * 4
        + b"\x00" * 16
        + b"\x00" * 28
    )
    assert len(header) == 128
    return header + content


def stored_files():
    media = Path(settings.MEDIA_ROOT)
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


def near(pixel, colour, tolerance=40):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))
