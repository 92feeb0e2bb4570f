"""What a file really is: magic bytes (`filetype`) and the name's extension must both agree."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import BinaryIO

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


# --- chat attachments -------------------------------------------------------------------------

IMAGE, AUDIO, VIDEO, FILE = "image", "audio", "video", "file"
# Containers that hold sound or pictures (WebM, MP4): the streams found by probing decide.
MEDIA = "media"


@dataclass(frozen=True)
class FileType:
    """An accepted type: its kind, the mime type it is served as, its canonical extension and
    the extensions a file name may have for it."""

    kind: str
    mime: str
    ext: str
    names: frozenset[str]


def _type(kind: str, mime: str, ext: str, *names: str) -> FileType:
    return FileType(kind, mime, ext, frozenset({ext, *names}))


# Magic bytes (`filetype`'s mime) → what Campus accepts it as. Everything else is a 415.
ATTACHMENT_TYPES: dict[str, FileType] = {
    "image/jpeg": _type(IMAGE, "image/jpeg", "jpg", "jpeg"),
    "image/png": _type(IMAGE, "image/png", "png"),
    "image/webp": _type(IMAGE, "image/webp", "webp"),
    "image/gif": _type(IMAGE, "image/gif", "gif"),
    "audio/mpeg": _type(AUDIO, "audio/mpeg", "mp3"),
    "audio/mp4": _type(AUDIO, "audio/mp4", "m4a", "mp4", "aac"),
    "audio/ogg": _type(AUDIO, "audio/ogg", "ogg", "oga", "opus"),
    "audio/x-wav": _type(AUDIO, "audio/wav", "wav"),
    "video/webm": _type(MEDIA, "video/webm", "webm", "weba"),
    "video/mp4": _type(MEDIA, "video/mp4", "mp4", "m4v", "m4a"),
    "application/pdf": _type(FILE, "application/pdf", "pdf"),
    "application/msword": _type(FILE, "application/msword", "doc"),
    "application/vnd.ms-excel": _type(FILE, "application/vnd.ms-excel", "xls"),
    "application/vnd.ms-powerpoint": _type(FILE, "application/vnd.ms-powerpoint", "ppt"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _type(
        FILE, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _type(
        FILE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
    ),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": _type(
        FILE, "application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"
    ),
    "application/vnd.oasis.opendocument.text": _type(FILE, "application/vnd.oasis.opendocument.text", "odt"),
    "application/vnd.oasis.opendocument.spreadsheet": _type(
        FILE, "application/vnd.oasis.opendocument.spreadsheet", "ods"
    ),
    "application/vnd.oasis.opendocument.presentation": _type(
        FILE, "application/vnd.oasis.opendocument.presentation", "odp"
    ),
    "application/rtf": _type(FILE, "application/rtf", "rtf"),
    "application/epub+zip": _type(FILE, "application/epub+zip", "epub"),
    "application/zip": _type(FILE, "application/zip", "zip"),
    "application/x-7z-compressed": _type(FILE, "application/x-7z-compressed", "7z"),
    "application/gzip": _type(FILE, "application/gzip", "gz", "tgz"),
}
# Formats that are ZIP archives themselves (a ZIP directory in them is no polyglot).
ZIP_BASED = frozenset(
    {
        "application/zip",
        "application/epub+zip",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
    }
)
# Text has no magic bytes: UTF-8 without control characters, under one of these names. Served
# as text/plain (UTF-8) and as a download, so a program's source is only ever shown as text.
TEXT = _type(
    FILE,
    "text/plain",
    "txt",
    "csv",
    "tsv",
    "md",
    "tex",
    "bib",
    "log",
    "json",
    "py",
    "ipynb",
    "java",
    "c",
    "h",
    "cpp",
    "hpp",
    "cs",
    "go",
    "rs",
    "js",
    "ts",
    "sql",
    "r",
    "m",
    "yaml",
    "yml",
)
# Text that a browser would run or render as a document: never accepted, whatever its name.
MARKUP_STARTS = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml", b"<iframe")
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _text_type(head: bytes, complete: bool) -> FileType | None:
    """TEXT when `head` reads as UTF-8 text (a cut multi-byte character at its end allowed)."""
    if not head or _CONTROL.search(head):
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if complete or error.start < len(head) - 3:
            return None
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(MARKUP_STARTS):
        return None
    return TEXT


def sniff_attachment(head: bytes, filename: str | None, *, complete: bool) -> FileType:
    """The accepted type of a file from its first bytes (`complete`: they are the whole file)
    and its name's extension, which must fit what the content is. `UnsupportedMediaType` (415)
    otherwise: an HTML page or a script renamed `.jpg`, an SVG, an executable, a PNG named `.pdf`.
    """
    kind = filetype.guess(head[:8192]) if head else None
    found = ATTACHMENT_TYPES.get(kind.mime) if kind is not None else None
    if found is None and kind is None:
        found = _text_type(head, complete)
    if found is None:
        raise UnsupportedMediaType(_("This type of file is not accepted."), code="unsupported_type")
    if extension_of(filename) not in found.names:
        raise UnsupportedMediaType(
            _("The file name's extension does not match its content."), code="extension_mismatch"
        )
    return found


def check_not_polyglot(source: BinaryIO, found: FileType) -> None:
    """Refuse a file that is also a ZIP archive (a JPEG + ZIP, a PDF + ZIP polyglot): one file,
    one meaning. ZIP readers find an archive by its directory at the end, wherever it starts."""
    if found.mime in ZIP_BASED:
        return
    position = source.tell()
    try:
        source.seek(0)
        polyglot = zipfile.is_zipfile(source)
    finally:
        source.seek(position)
    if polyglot:
        raise UnsupportedMediaType(_("The file is two files in one; send them apart."), code="polyglot")
