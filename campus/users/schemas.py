"""JSON shapes of accounts (docs/api.md)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from campus.core.api import list_schema
from campus.core.phones import PHONE_DOCUMENT, normalize_phone
from campus.core.schemas import Bool, StrictSchema, Text, UTCDateTimeField
from campus.users.passwords import is_common

LANGUAGES = ("en", "ru")


def not_common(password: str) -> None:
    if is_common(password):
        raise ValidationError("This password is one of the most common ones; choose another.")


PASSWORD_RULES = [validate.Length(min=8, max=128), not_common]


class PhoneField(Text):
    """A phone number in any common form, loaded as E.164; an empty one is none."""

    def __init__(self, *args, **kwargs):
        optional = {**PHONE_DOCUMENT, "pattern": "^$|" + PHONE_DOCUMENT["pattern"]}
        kwargs.setdefault("metadata", {"openapi": optional, "description": PHONE_DOCUMENT["description"]})
        super().__init__(*args, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not text:
            return None
        try:
            return normalize_phone(text)
        except ValueError:
            raise ValidationError("Not a valid phone number.") from None


class Email(Text):
    """An address, compared and stored in lower case."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validate", [validate.Email(), validate.Length(max=254)])
        kwargs.setdefault("metadata", {"openapi": {"format": "email"}})
        super().__init__(*args, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).lower()


class RegisterSchema(StrictSchema):
    email = Email(required=True)
    password = Text(required=True, strip=False, validate=PASSWORD_RULES, load_only=True)
    first_name = Text(required=True, validate=validate.Length(min=1, max=100))
    last_name = Text(required=True, validate=validate.Length(min=1, max=100))
    phone = PhoneField(load_default=None, allow_none=True)
    invitation = Text(
        validate=validate.Length(max=1000),
        metadata={"description": "The token of an administrator's invitation (the mailed link's `invitation`)."},
    )


class InvitationSchema(StrictSchema):
    email = Email(required=True)


class TokenRequestSchema(StrictSchema):
    email = Text(required=True, validate=validate.Length(max=254))
    password = Text(required=True, strip=False, validate=validate.Length(max=128), load_only=True)


class TokenPairSchema(Schema):
    access_token = fields.String(required=True)
    refresh_token = fields.String()


class LogoutSchema(StrictSchema):
    everywhere = Bool(load_default=False)


class UserSchema(Schema):
    """The caller's own account; never a password or its hash."""

    id = fields.Integer()
    email = fields.String()
    first_name = fields.String()
    last_name = fields.String()
    phone = fields.String(allow_none=True)
    role = fields.Function(lambda user: user.role.name)
    language = fields.String(allow_none=True)
    is_active = fields.Boolean()
    email_verified = fields.Boolean(
        metadata={"description": "Whether the owner opened the mailed verification link; until then a guest."}
    )
    external_id = fields.String(allow_none=True)
    created_at = UTCDateTimeField()
    updated_at = UTCDateTimeField()


class PublicUserSchema(Schema):
    """What any user may see of another (to start a chat)."""

    id = fields.Integer()
    first_name = fields.String()
    last_name = fields.String()
    last_seen_at = UTCDateTimeField(allow_none=True)


class ProfileUpdateSchema(StrictSchema):
    first_name = Text(validate=validate.Length(min=1, max=100))
    last_name = Text(validate=validate.Length(min=1, max=100))
    phone = PhoneField(allow_none=True)
    language = Text(allow_none=True, validate=validate.OneOf(LANGUAGES))


class PasswordChangeSchema(StrictSchema):
    current_password = Text(required=True, strip=False, validate=validate.Length(max=128))
    new_password = Text(required=True, strip=False, validate=PASSWORD_RULES)


class UserSearchArgsSchema(StrictSchema):
    q = Text(required=True, validate=validate.Length(min=1, max=100))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=50))


UserListSchema = list_schema(PublicUserSchema, "UserListSchema")
