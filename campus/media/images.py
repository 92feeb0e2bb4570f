"""Images: checked by content, bounded in bytes and pixels, re-encoded without metadata, thumbnailed.

Re-encoding from raw pixels drops everything but the picture: EXIF (GPS position, camera),
ICC profiles, comments and any payload smuggled after the image data.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from campus.core.errors import TooLarge, UnsupportedMediaType, ValidationError
from campus.media import storage
from campus.media.sniff import IMAGE_TYPES, sniff

PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
THUMB = "thumb"


@dataclass(frozen=True)
class StoredImage:
    key: str
    mime: str
    width: int
    height: int
    size: int


def mime_of_key(key: str) -> str:
    """The mime type of a stored image, from its key's extension."""
    ext = key.rpartition(".")[2]
    return next(mime for mime, (canonical, _names) in IMAGE_TYPES.items() if canonical == ext)


def _clean_copy(image: Image.Image, mime: str) -> Image.Image:
    """Pixels only (no info, no EXIF), in a mode the target format can hold."""
    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if mime == "image/jpeg":
        mode = "L" if image.mode in ("1", "L") else "RGB"
    else:
        mode = "RGBA" if has_alpha else ("L" if image.mode in ("1", "L") else "RGB")
    converted = image.convert(mode)
    return Image.frombytes(converted.mode, converted.size, converted.tobytes())


def _encode(image: Image.Image, mime: str) -> bytes:
    out = io.BytesIO()
    if mime == "image/jpeg":
        image.save(out, "JPEG", quality=85, optimize=True)
    elif mime == "image/png":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=85)
    return out.getvalue()


def store_image(
    data: bytes, filename: str | None, *, area: str, max_side: int = 2048, thumb_side: int = 256
) -> StoredImage:
    """Check, re-encode and store an uploaded image and its thumbnail; returns the new key.

    413 over MEDIA_IMAGE_MAX_BYTES or MEDIA_IMAGE_MAX_PIXELS, 415 for a type that is not
    JPEG/PNG/WebP (by content and extension), 422 for a file that does not decode.
    """
    config = current_app.config
    if len(data) > config.get("MEDIA_IMAGE_MAX_BYTES", DEFAULT_MAX_BYTES):
        raise TooLarge(_("The image is too large."))
    mime = sniff(data, filename, IMAGE_TYPES)
    try:
        with Image.open(io.BytesIO(data), formats=[PIL_FORMATS[mime]]) as image:
            if image.width * image.height > config.get("MEDIA_IMAGE_MAX_PIXELS", DEFAULT_MAX_PIXELS):
                raise TooLarge(_("The image has too many pixels."))
            # A JPEG decodes straight at 1/2…1/8 scale when that still covers max_side: a 40 Mpx
            # photo then needs a few MB of pixels instead of 120 MB (a no-op for other formats).
            image.draft(None, (max_side, max_side))
            image.load()
            clean = _clean_copy(image, mime)
    except Image.DecompressionBombError:
        raise TooLarge(_("The image has too many pixels.")) from None
    except UnidentifiedImageError:
        raise UnsupportedMediaType(_("This type of file is not accepted."), code="unsupported_type") from None
    except (OSError, SyntaxError, ValueError):
        raise ValidationError(_("The image is damaged."), fields={"photo": [_("The image is damaged.")]}) from None
    if max(clean.size) > max_side:
        clean.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    thumb = clean.copy()
    thumb.thumbnail((thumb_side, thumb_side), Image.Resampling.LANCZOS)
    full_bytes = _encode(clean, mime)
    key = storage.new_key(IMAGE_TYPES[mime][0])
    storage.write(area, key, full_bytes)
    storage.write(area, storage.variant_key(key, THUMB), _encode(thumb, mime))
    return StoredImage(key=key, mime=mime, width=clean.width, height=clean.height, size=len(full_bytes))


def delete_image(area: str, key: str) -> None:
    """Remove a stored image and its thumbnail (a missing file is no error)."""
    storage.delete(area, key)
    storage.delete(area, storage.variant_key(key, THUMB))
