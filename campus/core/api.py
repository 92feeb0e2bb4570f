"""What every JSON endpoint shares: body checks, the list envelope and keyset cursors.

The stack's holes this closes (docs/design.md#strict-input): deeply nested JSON (a RecursionError, so a 500,
in Flask), wrong content types (webargs would read them as an empty body), oversized bodies.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, ClassVar

import orjson
from apispec import BasePlugin
from flask import Response, current_app, jsonify, request
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from webargs.flaskparser import FlaskParser

from campus.core.errors import CampusError, TooLarge, UnsupportedMediaType, ValidationError

MAX_JSON_DEPTH = 32
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class BadJSON(CampusError):
    status = 400
    code = "malformed_json"
    message = "The body is not valid JSON."


def _json_depth_ok(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return True


def multipart(view: Callable) -> Callable:
    """Mark an endpoint that takes multipart/form-data instead of JSON."""
    view.campus_multipart = True
    return view


def json_response(payload: Any) -> Response:
    """A 200 JSON response of `payload`, already in its JSON shape (built by hand, not dumped by a
    schema), encoded once by orjson: the hot paths' answers (docs/design.md#hot-paths)."""
    try:
        body = orjson.dumps(payload)
    except TypeError:  # what orjson refuses (an integer beyond 64 bits, a lone surrogate), Flask's encoder takes
        return jsonify(payload)
    return current_app.response_class(body, mimetype="application/json")


def check_json_body() -> None:
    """`before_request` for API blueprints: JSON bodies only, bounded in size and depth."""
    if request.method not in BODY_METHODS:
        return
    view = current_app.view_functions.get(request.endpoint)
    if view is not None and getattr(view, "campus_multipart", False):
        return
    length = request.content_length
    has_body = bool(length) or request.headers.get("Transfer-Encoding", "").lower() == "chunked"
    if not has_body:
        return
    if not request.is_json:
        raise UnsupportedMediaType("Send JSON with Content-Type: application/json.")
    if length and length > current_app.config["MAX_JSON_LENGTH"]:
        raise TooLarge("The body is too large.")
    raw = request.get_data(cache=True)
    if len(raw) > current_app.config["MAX_JSON_LENGTH"]:
        raise TooLarge("The body is too large.")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise BadJSON() from None
    if not _json_depth_ok(body, MAX_JSON_DEPTH):
        raise BadJSON("The JSON body is nested too deeply.")


class StrictParser(FlaskParser):
    """Unknown query parameters are a 422, as unknown body fields are (webargs would drop them,
    so the server would be looser than its document)."""

    DEFAULT_UNKNOWN_BY_LOCATION: ClassVar[dict[str, str | None]] = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": None,
        "querystring": None,
    }


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = StrictParser()


def api_blueprint(name: str, import_name: str, url_prefix: str, description: str = "") -> Blueprint:
    """A flask-smorest blueprint under /api/v1 with the body checks installed."""
    blp = ApiBlueprint(name, import_name, url_prefix="/api/v1" + url_prefix, description=description)
    blp.before_request(check_json_body)
    return blp


# --- the OpenAPI document as strict as validation ----------------------------------------------


class DocumentRules(BasePlugin):
    """Says in the OpenAPI document what a schema's own code checks (docs/design.md#the-openapi-document).

    A schema class may carry `OPENAPI = {...}`: JSON Schema keys (`oneOf`, `anyOf`, `not`) merged
    into its component, for rules between fields that marshmallow checks in a `validates_schema`.
    """

    def schema_helper(self, name, definition, **kwargs):
        schema = kwargs.get("schema")
        rules = getattr(schema if isinstance(schema, type) else type(schema), "OPENAPI", None)
        return dict(rules) if rules else None


def field_rules(self, field: fields.Field, ret: dict, **kwargs) -> dict:
    """apispec attribute function: a field's `metadata["openapi"]` (a dict, or a callable giving
    one when the bound moves, like "this year") joins its property."""
    rules = field.metadata.get("openapi")
    if callable(rules):
        rules = rules()
    return dict(rules or {})


def install_document_rules(api) -> None:
    """After `api.init_app`: the per-field rules above (the schema-level ones are a plugin)."""
    api.ma_plugin.converter.add_attribute_function(field_rules)


class ErrorDetailSchema(Schema):
    code = fields.String(required=True, metadata={"description": "snake_case error code, e.g. token_expired"})
    message = fields.String(required=True, metadata={"description": "Human-readable explanation"})
    fields_ = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        data_key="fields",
        metadata={"description": "Problems per field: on 422, and on a 409 naming the field already in use"},
    )


class ErrorSchema(Schema):
    """Every error body (docs/design.md#error-shapes); the OpenAPI document's error responses use it."""

    error = fields.Nested(ErrorDetailSchema, required=True)


# --- keyset pagination --------------------------------------------------------------------


def cursor_field(max_length: int = 500) -> fields.String:
    """The `cursor` query parameter: opaque, base64url as `encode_cursor` writes it."""
    return fields.String(
        load_default=None,
        validate=validate.Length(max=max_length),
        metadata={
            "openapi": {"pattern": "^[A-Za-z0-9_-]*$"},
            "description": "The `next_cursor` of the previous page, unchanged; any other value is a 422.",
        },
    )


class PageArgsSchema(Schema):
    """`limit` (default 50, max 100) and an opaque `cursor`."""

    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))
    cursor = cursor_field()


def list_schema(items: type[Schema] | fields.Field, name: str) -> type[Schema]:
    """The schema of a list answer `{"items": [...], "next_cursor": "<opaque>" | null}` of `items`
    (a schema, or a field for each item); `name` names it in the OpenAPI document."""
    item = items if isinstance(items, fields.Field) else fields.Nested(items)
    return Schema.from_dict({"items": fields.List(item), "next_cursor": fields.String(allow_none=True)}, name=name)


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps(list(values), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# What `decode_cursor` expects at each place of a cursor: `int`, `str`, `float`, `bool`,
# `datetime` (written as ISO 8601 text), or a collection of the literal values allowed there.
CursorType = type | Collection[str | int]


def decode_cursor(cursor: str | None, types: Sequence[CursorType]) -> list[Any] | None:
    """The key values a cursor carries, one per entry of `types` and of that type, or a 422
    `{"cursor": ["Not a valid cursor."]}` when it was not made by `encode_cursor` for this list.

    No cursor (the first page) is None. Checking the types here matters: a forged value of
    another type would otherwise reach the database (PostgreSQL refuses comparing an integer
    column with text: a 500).
    """
    if not cursor:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, RecursionError):
        values = None
    if not isinstance(values, list) or len(values) != len(types) or not all(map(_storable, values)):
        raise _bad_cursor()
    return [_typed(value, expected) for value, expected in zip(values, types, strict=True)]


def _bad_cursor() -> ValidationError:
    return ValidationError(fields={"cursor": [_("Not a valid cursor.")]})


def _typed(value: Any, expected: CursorType) -> Any:
    if expected is datetime:
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                pass
        raise _bad_cursor()
    if expected is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif isinstance(expected, type):
        ok = type(value) is expected  # an int is no bool, a bool no int
    else:
        ok = isinstance(value, str | int) and not isinstance(value, bool) and value in expected
    if not ok:
        raise _bad_cursor()
    return value


def _storable(value: Any) -> bool:
    """A key value a database driver can bind (a forged one would be a driver error, a 500):
    a 64-bit integer, a finite number, text without NUL or lone surrogates, a boolean or null."""
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return "\x00" not in value
    return False


def page(items: Iterable[Any], limit: int, key: Callable[[Any], Sequence[Any]]) -> dict[str, Any]:
    """The list envelope from `limit + 1` fetched rows: `{"items", "next_cursor"}`."""
    rows = list(items)
    next_cursor = encode_cursor(key(rows[limit - 1])) if len(rows) > limit else None
    return {"items": rows[:limit], "next_cursor": next_cursor}
