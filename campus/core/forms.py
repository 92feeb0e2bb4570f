"""What every domain's HTML forms share: errors on the form, the CSRF-only form, text validators.

Pages validate with the API's marshmallow schemas and the services' domain errors; these helpers
put those messages next to the form's fields, so a page and the API never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from marshmallow import Schema, validate
from marshmallow import ValidationError as SchemaError
from wtforms.validators import ValidationError

from campus.core.errors import CampusError


class ConfirmForm(FlaskForm):
    """A POST with only the CSRF token: a button that deletes or signs out."""


def add_field_errors(form: FlaskForm, fields: Mapping[str, Any]) -> None:
    """Put each `{field: [problem, …]}` next to its field; names the form lacks go on top."""
    for name, problems in fields.items():
        texts = [str(problem) for problem in (problems if isinstance(problems, list | tuple) else [problems])]
        if name in form:
            field = form[name]
            field.errors = [*field.errors, *texts]
        else:
            form.form_errors.extend(texts)


def show_error(form: FlaskForm, error: CampusError, *, field: str | None = None) -> None:
    """A service's refusal on the form: its field errors next to their fields; an error that names
    no field goes on `field`, or on top of the form."""
    add_field_errors(form, error.fields or {field or "": [error.message]})


def schema_errors(form: FlaskForm, schema: Schema, data: Mapping[str, Any]) -> dict | None:
    """Load `data` with `schema`; on failure put each message on its form field and return None."""
    try:
        return schema.load(data)
    except SchemaError as error:
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        add_field_errors(form, messages)
        return None


def plain_text(form: FlaskForm, field: Any) -> None:
    """No NUL or other control characters (the databases and the pages don't want them)."""
    if field.data and any(ord(char) < 32 or ord(char) == 127 for char in field.data):
        raise ValidationError(_l("Must not contain control characters."))


def email_address(form: FlaskForm, field: Any) -> None:
    """The API's email rule (marshmallow's), so a page accepts exactly what the API accepts."""
    try:
        validate.Email()(field.data or "")
    except SchemaError:
        raise ValidationError(_l("Not a valid email address.")) from None
