"""Sending stored files once the caller has checked who may see them (docs/design.md#uploads).

Whatever the backend, a file goes out with its stored type, `X-Content-Type-Options: nosniff`,
`inline` only for the types a browser shows safely (the caller says which) and `attachment`
otherwise, a Content Security Policy that lets the file run nothing, and private caching:

- local files are streamed by the app in chunks, yielding to the event loop between chunks, with
  ETag / 304, single byte ranges (206, `If-Range`) and 416 for a malformed, overlapping or
  unsatisfiable `Range` (werkzeug's conditional responses);
- with `MEDIA_ACCEL_REDIRECT` set (nginx in front), the app answers with `X-Accel-Redirect` and
  nginx sends the bytes (docs/deployment.md);
- on S3, a 302 to a presigned URL that expires within `MEDIA_S3_URL_SECONDS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from urllib.parse import quote

from flask import Response, current_app, redirect, send_file

from campus.core.concurrency import cooperative_pause
from campus.core.errors import NotFound
from campus.media import storage

# Files are data, never documents: nothing in them runs, even when opened in a tab.
FILE_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox"
)
STREAM_CHUNK = 256 * 1024


def content_disposition(inline: bool, name: str | None) -> str:
    """`inline` / `attachment` with the name in both forms (RFC 6266: ASCII and UTF-8)."""
    kind = "inline" if inline else "attachment"
    if not name:
        return kind
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_").replace("\\", "_")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def _protect(response: Response, max_age: int) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = FILE_CONTENT_SECURITY_POLICY
    # Other sites may not embed it (with the visitor's cookies).
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    # Behind authentication: browsers may keep it, shared caches may not.
    response.cache_control.public = False
    response.cache_control.private = True
    response.cache_control.max_age = max_age
    return response


class _Cooperative:
    """The body in chunks, yielding to the event loop after each: a fast reader of a 100 MB
    video would otherwise keep the hub for the whole file (socket writes that never block never
    yield), holding up every other connection of the worker. Closing it closes the file, read
    or not (WSGI servers call `close`)."""

    def __init__(self, body: Iterable[bytes], pause: Callable[[], None]):
        self.body, self.pause = body, pause

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.body:
            yield chunk
            self.pause()

    def close(self) -> None:
        close = getattr(self.body, "close", None)
        if close is not None:
            close()


def send_stored(
    area: str,
    key: str,
    mime: str,
    *,
    max_age: int = 86400,
    inline: bool = True,
    download_name: str | None = None,
):
    """A response for a stored file; the caller has already checked who may see it."""
    store = storage.backend()
    if isinstance(store, storage.S3Storage):
        url = store.presigned_url(area, key, mime=mime, disposition=content_disposition(inline, download_name))
        response = redirect(url, 302)
        response.headers["Cache-Control"] = "no-store"  # the URL expires; ask Campus again
        return response
    path = storage.path_for(area, key)
    if not path.is_file():
        raise NotFound()
    accel = current_app.config.get("MEDIA_ACCEL_REDIRECT")
    if accel:
        response = Response(status=200, mimetype=mime)
        response.headers["X-Accel-Redirect"] = accel.rstrip("/") + "/" + storage.relative_path(area, key)
        response.headers["Content-Disposition"] = content_disposition(inline, download_name)
        return _protect(response, max_age)
    response = send_file(path, mimetype=mime, conditional=True, etag=True, max_age=max_age)
    response.headers["Content-Disposition"] = content_disposition(inline, download_name)
    body = response.response
    if hasattr(body, "buffer_size"):  # werkzeug's FileWrapper (also inside a range)
        body.buffer_size = STREAM_CHUNK
    elif hasattr(getattr(body, "iterable", None), "buffer_size"):
        body.iterable.buffer_size = STREAM_CHUNK
    if response.status_code in (200, 206):
        response.response = _Cooperative(body, cooperative_pause())
    return _protect(response, max_age)
