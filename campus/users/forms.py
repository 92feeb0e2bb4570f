"""HTML forms of the account pages (Flask-WTF: every form carries a CSRF token).

The rules match the JSON schemas in `schemas.py` (same lengths, same phone normalisation), so
a page and the API accept and refuse the same input.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from campus.core.forms import email_address, plain_text
from campus.core.phones import normalize_phone
from campus.users.passwords import is_common

PASSWORD_MIN, PASSWORD_MAX = 8, 128
NAME_MAX = 100
EMAIL_MAX = 254


def strip(value):
    return value.strip() if isinstance(value, str) else value


class PhoneField(StringField):
    """A phone number in any common form; `data` is E.164 (or None when left empty)."""

    def pre_validate(self, form) -> None:
        if not self.data:
            self.data = None
            return
        try:
            self.data = normalize_phone(self.data)
        except ValueError:
            raise ValidationError(_l("Not a valid phone number.")) from None


def name_field(label):
    return StringField(label, filters=[strip], validators=[DataRequired(), Length(max=NAME_MAX), plain_text])


def not_common(form, field) -> None:
    if field.data and is_common(field.data):
        raise ValidationError(_l("This password is one of the most common ones; choose another."))


def new_password_fields(label):
    """A password and its confirmation."""
    password = PasswordField(
        label,
        validators=[
            DataRequired(),
            Length(min=PASSWORD_MIN, max=PASSWORD_MAX, message=_l("Use at least 8 and at most 128 characters.")),
            not_common,
        ],
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )
    return password, confirm


class RegisterForm(FlaskForm):
    email = EmailField(
        _l("Email"), filters=[strip], validators=[DataRequired(), Length(max=EMAIL_MAX), plain_text, email_address]
    )
    first_name = name_field(_l("First name"))
    last_name = name_field(_l("Last name"))
    phone = PhoneField(_l("Phone (optional)"), filters=[strip], validators=[Optional(), Length(max=40), plain_text])
    password, confirm = new_password_fields(_l("Password"))
    invitation = HiddenField()


class LoginForm(FlaskForm):
    # No format check: whatever is wrong, the answer is the same generic error.
    email = EmailField(_l("Email"), filters=[strip], validators=[DataRequired(), Length(max=EMAIL_MAX), plain_text])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    next = HiddenField()


class ProfileForm(FlaskForm):
    first_name = name_field(_l("First name"))
    last_name = name_field(_l("Last name"))
    phone = PhoneField(_l("Phone (optional)"), filters=[strip], validators=[Optional(), Length(max=40), plain_text])
    language = SelectField(
        _l("Language"),
        choices=[
            SelectChoice("", _l("As my browser says")),
            SelectChoice("en", "English"),
            SelectChoice("ru", "Русский"),
        ],
    )


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    password, confirm = new_password_fields(_l("New password"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), filters=[strip], validators=[DataRequired(), Length(max=EMAIL_MAX), plain_text])


class ResetPasswordForm(FlaskForm):
    password, confirm = new_password_fields(_l("New password"))


class LanguageForm(FlaskForm):
    language = SelectField(_l("Language"), choices=[SelectChoice("en", "English"), SelectChoice("ru", "Русский")])
    next = HiddenField()
