"""Base marshmallow schemas and fields that close the stack's known holes (docs/design.md#strict-input).

marshmallow alone accepts NUL bytes, lone surrogates, 2**70 and "12" for an Integer, 1 or "yes"
for a Boolean; these fields do not. Every schema rejects unknown fields (`role` at registration is
a 422).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import ClassVar

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

MAX_SAFE_INTEGER = 2**53 - 1  # what a JavaScript client can hold exactly
# What `Text` accepts, for the OpenAPI document (ECMA-262 regexes): no NUL; with a minimum
# length, something besides whitespace (the value is stripped before its length is checked).
NO_NUL = r"^[^\u0000]*$"
NOT_BLANK = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"


class Text(fields.String):
    """A string without NUL bytes or lone surrogates, stripped of surrounding whitespace."""

    default_error_messages: ClassVar[dict[str, str]] = {
        "nul": "Must not contain NUL characters.",
        "surrogate": "Must be valid Unicode text.",
    }

    def __init__(self, *args, strip: bool = True, **kwargs):
        self.strip = strip
        super().__init__(*args, **kwargs)
        if "openapi" not in self.metadata:
            self.metadata = {**self.metadata, "openapi": {"pattern": NOT_BLANK if self._needs_text() else NO_NUL}}

    def _needs_text(self) -> bool:
        """Stripped with a minimum length, which whitespace alone can't meet once stripped."""
        return self.strip and any(isinstance(rule, validate.Length) and (rule.min or 0) > 0 for rule in self.validators)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise self.make_error("nul")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise self.make_error("surrogate") from None
        return text.strip() if self.strip else text


class Int(fields.Integer):
    """A strict integer (no "12", no 12.0, no booleans) within JavaScript's safe range."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("strict", True)
        validators = list(kwargs.pop("validate", None) or [])
        if not isinstance(validators, list):
            validators = [validators]
        validators.insert(0, validate.Range(min=-MAX_SAFE_INTEGER, max=MAX_SAFE_INTEGER))
        super().__init__(*args, validate=validators, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Id(Int):
    """A positive database id."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validate", [validate.Range(min=1)])
        super().__init__(*args, **kwargs)


class Bool(fields.Boolean):
    """JSON true or false only: marshmallow alone also takes 1, 0, "yes", "off" and the like."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class UTCDateTimeField(fields.DateTime):
    """ISO 8601 in UTC with a trailing Z."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class StrictSchema(Schema):
    """Rejects unknown fields; a non-object body is a validation error, not a crash."""

    class Meta:
        unknown = RAISE
        ordered = True

    @pre_load
    def require_object(self, data, **kwargs):
        if not isinstance(data, Mapping):
            raise ValidationError("Expected a JSON object.", field_name="_schema")
        return data


def load_or_raise(schema: Schema, data) -> dict:
    """Load `data`, turning marshmallow's error into Campus's 422 `ValidationError`."""
    from campus.core.errors import ValidationError as CampusValidationError
    from campus.core.errors import field_messages

    try:
        return schema.load(data)
    except ValidationError as error:
        raise CampusValidationError(fields=field_messages(error.messages)) from None


def dump_time(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
