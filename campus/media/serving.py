"""Sending stored files: conditional (ETag, 304), cacheable privately, never sniffed by browsers."""

from __future__ import annotations

from flask import send_file

from campus.core.errors import NotFound
from campus.media import storage


def send_stored(area: str, key: str, mime: str, *, max_age: int = 86400, inline: bool = True):
    """A response for a stored file; the caller has already checked who may see it."""
    path = storage.path_for(area, key)
    if not path.is_file():
        raise NotFound()
    response = send_file(
        path, mimetype=mime, conditional=True, etag=True, max_age=max_age, as_attachment=not inline, download_name=key
    )
    # Behind authentication: browsers may keep it, shared caches may not.
    response.cache_control.public = False
    response.cache_control.private = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    if inline:
        response.headers["Content-Disposition"] = "inline"
    return response
