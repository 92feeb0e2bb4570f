"""Images: checked by content, bounded in bytes and pixels, re-encoded without metadata, thumbnailed.

Re-encoding from raw pixels drops everything but the picture: EXIF (GPS position, camera),
ICC profiles, comments and any payload smuggled after the image data.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from campus.core.errors import TooLarge, UnsupportedMediaType, ValidationError
from campus.media import storage
from campus.media.sniff import IMAGE_TYPES, sniff

PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/gif": "GIF"}
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
# An animated GIF is bounded by its frames' pixels all together (a bomb may hide in the count).
MAX_GIF_FRAMES = 500
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
    return next(mime for mime, (canonical, _names) in {**IMAGE_TYPES, **GIF_TYPE}.items() if canonical == ext)


GIF_TYPE = {"image/gif": ("gif", frozenset({"gif"}))}


def _clean_copy(image: Image.Image, mime: str) -> Image.Image:
    """Pixels only (no info, no EXIF), in a mode the target format can hold."""
    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if mime == "image/jpeg":
        mode = "L" if image.mode in ("1", "L") else "RGB"
    elif mime == "image/gif":
        mode = "RGBA"
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
    elif mime == "image/gif":
        image.save(out, "GIF", optimize=True)
    else:
        image.save(out, "WEBP", quality=85)
    return out.getvalue()


def _gif_frames(image: Image.Image, max_side: int) -> tuple[list[Image.Image], list[int]]:
    """Every frame of a GIF as clean pixels (no comments, no extensions), and their durations."""
    frames, durations = [], []
    for frame in ImageSequence.Iterator(image):
        clean = _clean_copy(frame.convert("RGBA"), "image/gif")
        if max(clean.size) > max_side:
            clean.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        frames.append(clean)
        durations.append(int(frame.info.get("duration", 100)) or 100)
    return frames, durations


def _encode_gif(frames: list[Image.Image], durations: list[int]) -> bytes:
    out = io.BytesIO()
    if len(frames) == 1:
        frames[0].save(out, "GIF", optimize=True)
    else:
        frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0, disposal=2)
    return out.getvalue()


@dataclass(frozen=True)
class CleanImage:
    """An image re-encoded from its pixels, and its thumbnail, not stored yet."""

    mime: str
    ext: str
    data: bytes
    thumb: bytes
    width: int
    height: int


def clean_image(
    data: bytes,
    filename: str | None,
    *,
    max_side: int = 2048,
    thumb_side: int = 256,
    types: dict[str, tuple[str, frozenset[str]]] = IMAGE_TYPES,
    max_bytes: int | None = None,
    field: str = "photo",
) -> CleanImage:
    """Check and re-encode an uploaded image, and make its thumbnail (CPU only: no storage).

    413 over `max_bytes` (default MEDIA_IMAGE_MAX_BYTES) or MEDIA_IMAGE_MAX_PIXELS, 415 for a
    type not in `types` (JPEG/PNG/WebP by default; GIF too with `GIF_TYPE`), by content and
    extension, 422 (on `field`) for a file that does not decode.
    """
    config = current_app.config
    if len(data) > (max_bytes or config.get("MEDIA_IMAGE_MAX_BYTES", DEFAULT_MAX_BYTES)):
        raise TooLarge(_("The image is too large."))
    mime = sniff(data, filename, types)
    max_pixels = config.get("MEDIA_IMAGE_MAX_PIXELS", DEFAULT_MAX_PIXELS)
    frames: list[Image.Image] = []
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its own pixel limit; ours is checked right after.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[PIL_FORMATS[mime]])
        with image:
            if image.width * image.height > max_pixels:
                raise TooLarge(_("The image has too many pixels."))
            count = getattr(image, "n_frames", 1)
            if mime == "image/gif" and (count > MAX_GIF_FRAMES or count * image.width * image.height > max_pixels):
                raise TooLarge(_("The image has too many pixels."))
            # A JPEG decodes straight at 1/2…1/8 scale when that still covers max_side: a 40 Mpx
            # photo then needs a few MB of pixels instead of 120 MB (a no-op for other formats).
            image.draft(None, (max_side, max_side))
            if mime == "image/gif":
                frames, durations = _gif_frames(image, max_side)
                clean = frames[0]
            else:
                image.load()
                clean = _clean_copy(image, mime)
    except Image.DecompressionBombError:
        raise TooLarge(_("The image has too many pixels.")) from None
    except UnidentifiedImageError:
        raise UnsupportedMediaType(_("This type of file is not accepted."), code="unsupported_type") from None
    except (OSError, SyntaxError, ValueError):
        raise ValidationError(_("The image is damaged."), fields={field: [_("The image is damaged.")]}) from None
    if max(clean.size) > max_side:
        clean.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    thumb = clean.copy()
    thumb.thumbnail((thumb_side, thumb_side), Image.Resampling.LANCZOS)
    full_bytes = _encode_gif(frames, durations) if frames else _encode(clean, mime)
    return CleanImage(
        mime=mime,
        ext=types[mime][0],
        data=full_bytes,
        thumb=_encode(thumb, mime),
        width=clean.width,
        height=clean.height,
    )


def write_image(image: CleanImage, *, area: str) -> StoredImage:
    """Store a cleaned image and its thumbnail under a new key (both or neither)."""
    key = storage.new_key(image.ext)
    storage.write(area, key, image.data, image.mime)
    try:
        storage.write(area, storage.variant_key(key, THUMB), image.thumb, image.mime)
    except Exception:
        storage.delete(area, key)
        raise
    return StoredImage(key=key, mime=image.mime, width=image.width, height=image.height, size=len(image.data))


def store_image(data: bytes, filename: str | None, *, area: str, **options) -> StoredImage:
    """Check, re-encode and store an uploaded image and its thumbnail (`clean_image`'s options);
    returns the new key."""
    return write_image(clean_image(data, filename, **options), area=area)


def delete_image(area: str, key: str) -> None:
    """Remove a stored image and its thumbnail (a missing file is no error)."""
    storage.delete(area, key)
    storage.delete(area, storage.variant_key(key, THUMB))
