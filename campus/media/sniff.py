"""What a file really is: magic bytes (`filetype`) and the name's extension must both agree."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath

import filetype
from flask_babel import gettext as _

from campus.core.errors import UnsupportedMediaType

# mime → (canonical extension, extensions accepted in a file name)
IMAGE_TYPES: dict[str, tuple[str, frozenset[str]]] = {
    "image/jpeg": ("jpg", frozenset({"jpg", "jpeg"})),
    "image/png": ("png", frozenset({"png"})),
    "image/webp": ("webp", frozenset({"webp"})),
}


def extension_of(filename: str | None) -> str:
    """A file name's extension, lower case, without the dot ('' for none)."""
    return PurePath(filename or "").suffix.lower().lstrip(".")


def sniff(data: bytes, filename: str | None, allowed: Mapping[str, tuple[str, frozenset[str]]]) -> str:
    """The file's mime type, if its content is one of `allowed` and its extension fits that type.

    Raises `UnsupportedMediaType` (415) otherwise: a script renamed `.jpg` fails the content
    check, a real PNG named `.jpg` fails the extension check.
    """
    kind = filetype.guess(data[:8192])
    if kind is None or kind.mime not in allowed:
        raise UnsupportedMediaType(_("This type of file is not accepted."), code="unsupported_type")
    if extension_of(filename) not in allowed[kind.mime][1]:
        raise UnsupportedMediaType(
            _("The file name's extension does not match its content."), code="extension_mismatch"
        )
    return kind.mime
