"""The major form (admins); rules are the JSON schema's (`MajorCreateSchema`)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class MajorForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(min=2, max=100)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=1000)])
