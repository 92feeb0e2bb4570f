"""Files under MEDIA_ROOT, outside the static folder, under generated names only.

A key is `<32 hex digits>.<ext>` (a variant such as a thumbnail adds `.thumb`); nothing a client
sends ever becomes part of a path. Files live in `MEDIA_ROOT/<area>/<first two digits>/<key>`.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from flask import current_app

KEY_PATTERN = re.compile(r"^[0-9a-f]{32}(\.[a-z]+)?\.[a-z0-9]{1,8}$")
AREA_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


def new_key(ext: str) -> str:
    """A fresh, unguessable file name with the given extension."""
    return f"{secrets.token_hex(16)}.{ext}"


def variant_key(key: str, variant: str) -> str:
    """`abc….jpg` → `abc….thumb.jpg`."""
    stem, _, ext = key.rpartition(".")
    return f"{stem}.{variant}.{ext}"


def path_for(area: str, key: str) -> Path:
    """Where a key's file lives; a malformed area or key is a programming error (ValueError)."""
    if not AREA_PATTERN.match(area) or not KEY_PATTERN.match(key):
        raise ValueError(f"not a media key: {area}/{key}")
    return Path(current_app.config["MEDIA_ROOT"]) / area / key[:2] / key


def write(area: str, key: str, data: bytes) -> Path:
    """Write atomically: readers see the whole file or none of it."""
    path = path_for(area, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    os.replace(partial, path)
    return path


def delete(area: str, key: str) -> None:
    """Remove a stored file; one that is already gone is no error."""
    path_for(area, key).unlink(missing_ok=True)
