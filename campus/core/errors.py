"""Domain errors and their mapping to JSON bodies, HTML pages and socket acks.

Services raise `CampusError` subclasses (never werkzeug exceptions: socket handlers call them
too). `register_error_handlers` answers JSON under `/api/` and to clients asking for JSON, and an
HTML page to browsers.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from flask import Flask, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

log = logging.getLogger(__name__)


class CampusError(Exception):
    """Base of every error a service may raise; `code` is the stable snake_case name."""

    status = 400
    code = "bad_request"
    message = "Bad request."

    def __init__(
        self, message: str | None = None, *, code: str | None = None, fields: dict[str, list[str]] | None = None
    ):
        super().__init__(message or self.message)
        self.message = message or self.message
        if code:
            self.code = code
        self.fields = fields

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields is not None:
            body["fields"] = self.fields
        return body


class ValidationError(CampusError):
    status = 422
    code = "validation_error"
    message = "Validation failed."


class AuthError(CampusError):
    """Missing, bad, expired or revoked credentials; `code` is one of the token codes of docs/design.md#tokens-and-sessions."""

    status = 401
    code = "token_invalid"
    message = "Authentication required."


class Forbidden(CampusError):
    status = 403
    code = "forbidden"
    message = "You may not do this."


class NotFound(CampusError):
    status = 404
    code = "not_found"
    message = "Not found."


class Conflict(CampusError):
    status = 409
    code = "conflict"
    message = "This conflicts with existing data."


class TooLarge(CampusError):
    status = 413
    code = "too_large"
    message = "Too large."


class UnsupportedMediaType(CampusError):
    status = 415
    code = "unsupported_media_type"
    message = "Unsupported content type."


class RateLimited(CampusError):
    status = 429
    code = "rate_limited"
    message = "Too many requests; slow down."

    def __init__(self, message: str | None = None, *, code: str | None = None, retry_after: int | None = None):
        super().__init__(message, code=code)
        self.retry_after = retry_after  # seconds, sent as Retry-After


class NotReady(CampusError):
    """The server lacks something it needs to answer (reference data, a backing service)."""

    status = 503
    code = "not_ready"
    message = "The service is not ready; try again later."


def field_messages(messages: Any, prefix: str | None = None) -> dict[str, list[str]]:
    """marshmallow's error messages as docs/design.md#error-shapes's `{"<field>": ["<problem>", …]}`.

    A list item's or a nested object's problems come nested (`{"member_ids": {0: [...]}}`); they
    are keyed by their dotted path instead (`"member_ids.0"`), so every value is a list of text.
    """
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            name = str(key) if prefix is None else f"{prefix}.{key}"
            for field, problems in field_messages(value, name).items():
                flat.setdefault(field, []).extend(problems)
        return flat
    if isinstance(messages, (list, tuple)):
        flat = {}
        for item in messages:
            for field, problems in field_messages(item, prefix).items():
                flat.setdefault(field, []).extend(problems)
        return flat
    return {prefix or "_schema": [str(messages)]}


HTTP_CODES = {
    400: "bad_request",
    401: "token_missing",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    416: "range_not_satisfiable",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "not_ready",
}


def wants_json() -> bool:
    """API paths and clients that prefer JSON get JSON errors; browsers get pages."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status: int, body: dict[str, Any]):
    if wants_json():
        return {"error": body}, status
    return render_template("errors/error.html", status=status, error=body), status


def handle_campus_error(error: CampusError):
    response = error_response(error.status, error.to_dict())
    retry_after = getattr(error, "retry_after", None)
    return (*response, {"Retry-After": str(retry_after)}) if retry_after else response


def handle_http_exception(error: HTTPException):
    status = error.code or 500
    body: dict[str, Any] = {"code": HTTP_CODES.get(status, "http_error"), "message": error.description}
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if status == 422 and messages is not None:
        # webargs nests messages by location ({"json": {...}}); clients want the fields alone.
        fields: dict[str, list[str]] = {}
        for location_messages in messages.values():
            fields.update(field_messages(location_messages))
        body = {"code": "validation_error", "message": "Validation failed.", "fields": fields}
    elif status == 429:
        body["message"] = retry_message(_seconds_to_wait())
    if isinstance(error, SecurityError):
        # A Host outside TRUSTED_HOSTS: no URL can be built for it, so no page either.
        return {"error": {"code": "untrusted_host", "message": "This host is not served here."}}, 400
    response = error_response(status, body)
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response = (*response, {"Allow": ", ".join(error.valid_methods)})
    elif status == 416 and getattr(error, "length", None) is not None:
        # The file's length, so a client can ask again (RFC 9110 §15.5.17).
        response = (*response, {"Content-Range": f"{getattr(error, 'units', 'bytes')} */{error.length}"})
    return response


def _seconds_to_wait() -> int | None:
    """Seconds until the limit that refused this request lets it through (as `Retry-After` says)."""
    limiter = current_app.extensions.get("limiter")
    limiter = next(iter(limiter), None) if isinstance(limiter, set) else limiter
    current = getattr(limiter, "current_limit", None)
    if current is None:
        return None
    return max(1, math.ceil(current.reset_at - time.time()))


def retry_message(seconds: int | None) -> str:
    """A 429's text: when to try again, in seconds or (from two minutes) minutes."""
    if seconds is None:
        return _("Too many requests; slow down.")
    if seconds < 120:
        return ngettext(
            "Too many requests; try again in %(num)d second.",
            "Too many requests; try again in %(num)d seconds.",
            seconds,
        )
    minutes = math.ceil(seconds / 60)
    return ngettext(
        "Too many requests; try again in %(num)d minute.", "Too many requests; try again in %(num)d minutes.", minutes
    )


def handle_csrf_error(error: CSRFError):
    """A form posted without its CSRF token (or with a stale one) is a 403 (docs/design.md#error-shapes)."""
    return error_response(
        403,
        {
            "code": "csrf_failed",
            "message": _("The form's security token is missing or expired; reload the page and try again."),
        },
    )


def handle_unexpected(error: Exception):
    log.exception("Unhandled error on %s %s", request.method, request.path)
    if current_app.testing and current_app.config.get("PROPAGATE_UNEXPECTED", True):
        raise error
    return error_response(500, {"code": "internal_error", "message": "Something went wrong on our side."})


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(CampusError, handle_campus_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
