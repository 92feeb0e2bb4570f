"""Admin forms: filters (GET, no CSRF needed) and the role / activation changes (POST, CSRF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional, ValidationError

from campus.admin.labels import action_label, target_label
from campus.core.forms import email_address
from campus.core.schemas import MAX_SAFE_INTEGER
from campus.roles.labels import role_label


def _no_control_characters(form, field) -> None:
    value = field.data or ""
    if "\x00" in value:
        raise ValidationError(_l("Must not contain NUL characters."))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(_l("Must be valid Unicode text.")) from None


class FilterForm(FlaskForm):
    """Filters travel in the query string: reading a list changes nothing, so no CSRF token."""

    class Meta:
        csrf = False

    cursor = HiddenField()
    size = SelectField(
        _l("Per page"),
        choices=[SelectChoice("", "50"), SelectChoice("20", "20"), SelectChoice("100", "100")],
        validators=[Optional()],
    )

    def page_size(self) -> int | None:
        return int(self.size.data) if self.size.data else None


class UserFilterForm(FilterForm):
    q = StringField(_l("Name or email"), validators=[Optional(), Length(max=100), _no_control_characters])
    role = SelectField(_l("Role"), choices=[], validators=[Optional()])

    def __init__(self, *args, role_names: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [SelectChoice("", _l("Any role"))] + [
            SelectChoice(name, role_label(name)) for name in role_names
        ]


class AuditFilterForm(FilterForm):
    action = SelectField(_l("Action"), choices=[], validators=[Optional()])
    actor = StringField(_l("Actor (email)"), validators=[Optional(), Length(max=254), _no_control_characters])
    target_type = SelectField(_l("Target"), choices=[], validators=[Optional()])
    target_id = IntegerField(_l("Target id"), validators=[Optional(), NumberRange(min=1, max=MAX_SAFE_INTEGER)])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To (inclusive)"), validators=[Optional()])

    def __init__(self, *args, actions: list[str], target_types: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.action.choices = [SelectChoice("", _l("Any action"))] + [
            SelectChoice(name, action_label(name)) for name in actions
        ]
        self.target_type.choices = [SelectChoice("", _l("Anything"))] + [
            SelectChoice(name, target_label(name)) for name in target_types
        ]

    def validate_until(self, field) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("Must not be before the start date."))


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[], validators=[DataRequired()])

    def __init__(self, *args, role_names: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [SelectChoice(name, role_label(name)) for name in role_names]


class ActiveForm(FlaskForm):
    """Activate or deactivate; the wanted state is in the form so a replay can't flip it back."""

    active = HiddenField(validators=[DataRequired(), AnyOf(["0", "1"])])


class InviteForm(FlaskForm):
    """An invitation to create an account (the way in when registration is closed)."""

    email = StringField(
        _l("Invite by email"), validators=[DataRequired(), Length(max=254), _no_control_characters, email_address]
    )
