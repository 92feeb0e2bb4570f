"""What every page and endpoint shares: security headers, bounded ids in URLs, trusted hosts,
links built from the public URL."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, request
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


def public_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of `endpoint` under the configured `PUBLIC_URL`, never the request's host
    (a forged `Host` must not put an attacker's host into a mailed link); works outside requests."""
    base = urlsplit(current_app.config["PUBLIC_URL"] or "")
    if not base.scheme or not base.netloc:
        raise RuntimeError("PUBLIC_URL is not set: mailed links need it.")
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def default_trusted_hosts(app: Flask) -> None:
    """In production (neither debug nor testing), accept only `PUBLIC_URL`'s host unless
    `TRUSTED_HOSTS` names others: Flask answers any other `Host` with a 400."""
    if app.config.get("TRUSTED_HOSTS") is None and not (app.debug or app.testing):
        hostname = urlsplit(app.config.get("PUBLIC_URL") or "").hostname
        if hostname:
            app.config["TRUSTED_HOSTS"] = [hostname]


def register_web_hooks(app: Flask) -> None:
    default_trusted_hosts(app)
    policy = content_security_policy(app.config.get("CSP_MEDIA_SOURCES", []))

    hsts = app.config.get("HSTS_SECONDS", 0)
    credential_cookies = (app.config.get("JWT_ACCESS_COOKIE_NAME"), app.config.get("JWT_REFRESH_COOKIE_NAME"))

    @app.after_request
    def security_headers(response):
        for name, value in BASE_HEADERS.items():
            response.headers.setdefault(name, value)
        if hsts and request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", f"max-age={hsts}")
        # What a signed-in user sees stays out of shared and browser caches; a response that
        # chose its own caching (private files with ETags) keeps it.
        if "Cache-Control" not in response.headers and (
            request.authorization is not None or any(request.cookies.get(name) for name in credential_cookies if name)
        ):
            response.headers["Cache-Control"] = "no-store"
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
