"""What every page and endpoint shares: security headers, bounded ids in URLs."""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from campus.core.schemas import MAX_SAFE_INTEGER

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:{media}; media-src 'self' blob:{media}; "
    "style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self' {{websocket}}; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def content_security_policy(media_sources: list[str]) -> str:
    """The pages' policy; `media_sources` are other origins images and media load from (an
    object store's presigned URLs, `CSP_MEDIA_SOURCES`)."""
    return CONTENT_SECURITY_POLICY.format(media="".join(f" {source}" for source in media_sources))


def websocket_origin() -> str:
    """The page's own origin as a WebSocket URL (`ws://host` or `wss://host`): `connect-src`
    allows the chat's socket there and nowhere else ('self' covers it only in CSP 3 browsers)."""
    return f"{'wss' if request.scheme == 'https' else 'ws'}://{request.host}"


# Headers every answer carries, pages and Engine.IO's own HTTP answers alike.
BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
# Engine.IO's long-polling answers (text and JSON, never a page): nothing in them may load or run.
ENGINEIO_HEADERS = {
    **BASE_HEADERS,
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Cache-Control": "no-store",
}


def with_engineio_headers(wsgi_app, path: str):
    """WSGI middleware adding `ENGINEIO_HEADERS` to the answers under the Socket.IO `path`, which
    engine.io writes itself (Flask's after-request hooks never see them)."""
    prefix = "/" + path.strip("/")

    def middleware(environ, start_response):
        if not environ.get("PATH_INFO", "").startswith(prefix):
            return wsgi_app(environ, start_response)

        def start_with_headers(status, headers, exc_info=None):
            present = {name.lower() for name, _value in headers}
            headers = list(headers) + [(k, v) for k, v in ENGINEIO_HEADERS.items() if k.lower() not in present]
            return start_response(status, headers, exc_info)

        return wsgi_app(environ, start_with_headers)

    return middleware


def register_web_hooks(app: Flask) -> None:
    policy = content_security_policy(app.config.get("CSP_MEDIA_SOURCES", []))

    @app.after_request
    def security_headers(response):
        for name, value in BASE_HEADERS.items():
            response.headers.setdefault(name, value)
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", policy.format(websocket=websocket_origin()))
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
