"""A file's original name, kept for display and downloads only: never part of a path.

Unicode stays (a Russian file name is a Russian file name), normalised to NFC with runs of
spaces made one. A name that would mislead a reader or a program saving the download is refused
(422) rather than quietly changed, so the sender sees what is wrong: a path (`../../etc/passwd`),
control characters, bidirectional overrides (`invoice‮fdp.exe` shows as `invoiceexe.pdf`), a
name Windows reserves for a device (`con.txt`), more than 255 characters.
"""

from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext as _

from campus.core.errors import ValidationError

MAX_NAME = 255  # what common file systems allow
# Windows refuses these as file names, whatever the extension.
RESERVED = frozenset(
    {"con", "prn", "aux", "nul", "conin$", "conout$", *(f"com{n}" for n in range(10)), *(f"lpt{n}" for n in range(10))}
)
_FORBIDDEN = re.compile(r'[\\/:*?"<>|]')
_SPACES = re.compile(r"\s+")


def _bad(message: str) -> ValidationError:
    return ValidationError(message, code="bad_file_name", fields={"file": [message]})


def display_name(filename: str | None) -> str:
    """The name to show for an uploaded file, or a 422 `bad_file_name` saying what is wrong."""
    name = _SPACES.sub(" ", unicodedata.normalize("NFC", filename or "")).strip()
    if not name:
        raise _bad(_("The file has no name."))
    if len(name) > MAX_NAME:
        raise _bad(_("The file name is longer than %(count)d characters.", count=MAX_NAME))
    # Cc: control characters; Cf: format characters, the bidirectional overrides among them.
    if any(unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn") for char in name):
        raise _bad(_("The file name has invisible or direction-changing characters."))
    if _FORBIDDEN.search(name) or name.startswith(".") or name.endswith("."):
        raise _bad(_('The file name may not contain a path or any of \\ / : * ? " < > |.'))
    if name.split(".")[0].strip().lower() in RESERVED:
        raise _bad(_("“%(name)s” is a name Windows reserves for a device; rename the file.", name=name))
    return name
