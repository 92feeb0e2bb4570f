"""What every page and endpoint shares: security headers, bounded ids in URLs."""

from __future__ import annotations

from flask import Flask
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from campus.core.schemas import MAX_SAFE_INTEGER

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:{media}; media-src 'self' blob:{media}; "
    "style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self' ws: wss:; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def content_security_policy(media_sources: list[str]) -> str:
    """The pages' policy; `media_sources` are other origins images and media load from (an
    object store's presigned URLs, `CSP_MEDIA_SOURCES`)."""
    return CONTENT_SECURITY_POLICY.format(media="".join(f" {source}" for source in media_sources))


def register_web_hooks(app: Flask) -> None:
    policy = content_security_policy(app.config.get("CSP_MEDIA_SOURCES", []))

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", policy)
        return response


class SafeIntConverter(IntegerConverter):
    """`<int:...>` that stops at 2**53 - 1: a larger id is a 404 instead of overflowing the
    database driver (SQLite and PostgreSQL raise on 2**63 and up: a 500).

    Not a `max` on the converter: a rule whose converter refuses the value makes werkzeug answer
    the other methods of that path with 405, so PATCH /majors/<huge> would be "method not allowed".
    """

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > MAX_SAFE_INTEGER:
            raise NotFound()
        return number


def register_url_converters(app: Flask) -> None:
    """Before any route is added."""
    app.url_map.converters["int"] = SafeIntConverter
