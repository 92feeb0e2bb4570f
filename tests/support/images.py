"""Image files for upload tests, made in memory."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def image_bytes(fmt: str = "JPEG", size=(64, 48), color=(200, 30, 30), exif: bool = False) -> bytes:
    """A small, valid image file (JPEG unless `fmt` says otherwise), optionally with EXIF data
    that gives away a camera maker and a GPS position."""
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    options = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "SpyCam Inc."  # Make
        data[0x8825] = {2: (55.0, 45.0, 0.0)}  # GPS info
        options["exif"] = data.tobytes()
    image.save(out, fmt, **options)
    return out.getvalue()


def png_bomb(width: int, height: int) -> bytes:
    """A tiny, valid PNG header declaring a huge 1-bit image (the pixels are never all there)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 65536, 9)  # a few rows; decoding would want them all
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
