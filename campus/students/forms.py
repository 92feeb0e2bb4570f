"""Student forms. The rules are the JSON schema's: `campus.core.forms.schema_errors` runs the same
marshmallow schema over the form's data and puts its messages on the fields, so a page and the
API never disagree."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from campus.core.forms import email_address, plain_text
from campus.students import rules

PHOTO_EXTENSIONS = ["jpg", "jpeg", "png", "webp"]
PAGE_SIZES = (12, 24, 48, 96)
SORT_CHOICES = [SelectChoice("name", _l("Name, A→Z")), SelectChoice("-name", _l("Name, Z→A"))]
FULL_SORT_CHOICES = [
    *SORT_CHOICES,
    SelectChoice("enrollment_year", _l("Enrollment year, oldest first")),
    SelectChoice("-enrollment_year", _l("Enrollment year, newest first")),
]


def course_choices(blank: str | None = None) -> list[SelectChoice]:
    courses = [SelectChoice(str(n), str(n)) for n in range(rules.MIN_COURSE, rules.MAX_COURSE + 1)]
    return ([SelectChoice("", blank)] if blank is not None else []) + courses


class StudentFilterForm(FlaskForm):
    """The list's filters, in the query string (reading changes nothing: no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(_l("Name"), validators=[Optional(), Length(max=100), plain_text])
    major_id = SelectField(_l("Major"), choices=[], validators=[Optional()])
    course = SelectField(_l("Course"), choices=[], validators=[Optional()])
    enrollment_year = IntegerField(_l("Enrollment year"), validators=[Optional(), NumberRange(1900, 9999)])
    sort = SelectField(_l("Sort by"), choices=SORT_CHOICES, default="name", validators=[Optional()])
    size = SelectField(
        _l("Per page"),
        choices=[SelectChoice(str(n), str(n)) for n in PAGE_SIZES],
        default="24",
        validators=[Optional()],
    )
    cursor = HiddenField()

    def __init__(self, *args, majors, full: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.major_id.choices = [SelectChoice("", _l("All majors"))] + [SelectChoice(str(m.id), m.name) for m in majors]
        self.course.choices = course_choices(_l("All courses"))
        self.full = full
        if full:
            self.sort.choices = FULL_SORT_CHOICES
        else:
            del self.enrollment_year

    def page_size(self) -> int:
        return int(self.size.data or PAGE_SIZES[1])

    def filters(self) -> dict:
        """The arguments of `services.list_students`."""
        values = {
            "q": (self.q.data or "").strip() or None,
            "sort": self.sort.data or "name",
            "cursor": self.cursor.data or None,
            "major_id": int(self.major_id.data) if self.major_id.data else None,
            "course": int(self.course.data) if self.course.data else None,
        }
        if self.full:
            values["enrollment_year"] = self.enrollment_year.data
        return values


class StudentForm(FlaskForm):
    """An admin's create/edit form; the account link is chosen by the account's email."""

    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=rules.NAME_LENGTH)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=rules.NAME_LENGTH)])
    date_of_birth = DateField(_l("Date of birth"), validators=[InputRequired()])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    phone_number = TelField(
        _l("Phone"), validators=[DataRequired(), Length(max=40)], description=_l("For example +7 912 345-67-89")
    )
    address = TextAreaField(_l("Address"), validators=[DataRequired(), Length(max=rules.ADDRESS_LENGTH[1])])
    enrollment_year = IntegerField(_l("Enrollment year"), validators=[InputRequired()])
    course = SelectField(_l("Course"), choices=course_choices(), validators=[InputRequired()])
    major_id = SelectField(_l("Major"), choices=[], validators=[InputRequired()])
    special_notes = TextAreaField(_l("Special notes"), validators=[Optional(), Length(max=rules.NOTES_LENGTH)])
    account_email = EmailField(
        _l("Linked account (email)"),
        validators=[Optional(), Length(max=254), plain_text, email_address],
        description=_l("Leave empty for no account."),
    )
    photo = FileField(
        _l("Photo"),
        validators=[FileAllowed(PHOTO_EXTENSIONS, _l("JPEG, PNG or WebP only."))],
        description=_l("JPEG, PNG or WebP."),
    )
    remove_photo = BooleanField(_l("Remove the photo"))

    def __init__(self, *args, majors, **kwargs):
        super().__init__(*args, **kwargs)
        self.major_id.choices = [SelectChoice(str(m.id), m.name) for m in majors]
        self.enrollment_year.render_kw = {"min": rules.FIRST_ENROLLMENT_YEAR, "max": date.today().year}

    def record(self) -> dict:
        """The form's values in the JSON schema's shape (without the account link)."""
        return {
            "first_name": self.first_name.data or "",
            "last_name": self.last_name.data or "",
            "date_of_birth": self.date_of_birth.data.isoformat() if self.date_of_birth.data else "",
            "email": self.email.data or "",
            "phone_number": self.phone_number.data or "",
            "address": self.address.data or "",
            "enrollment_year": self.enrollment_year.data,
            "course": int(self.course.data),
            "major_id": int(self.major_id.data),
            "special_notes": self.special_notes.data or "",
        }


class ContactForm(FlaskForm):
    """What a linked student may correct on "my record"."""

    phone_number = TelField(
        _l("Phone"), validators=[DataRequired(), Length(max=40)], description=_l("For example +7 912 345-67-89")
    )
    address = TextAreaField(_l("Address"), validators=[DataRequired(), Length(max=rules.ADDRESS_LENGTH[1])])


IMPORT_EXTENSIONS = ["csv", "xlsx", "json"]


class ImportForm(FlaskForm):
    """The file of students to preview (CSV, XLSX or JSON)."""

    file = FileField(
        _l("File of students"),
        validators=[DataRequired(), FileAllowed(IMPORT_EXTENSIONS, _l("Choose a .csv, .xlsx or .json file."))],
        description=_l("CSV (commas or semicolons, UTF-8 or Windows-1251), XLSX or JSON; one student a row."),
    )


class ImportDecisionForm(FlaskForm):
    """Commit or cancel a previewed import: the file's token travels with the CSRF token."""

    token = HiddenField(validators=[DataRequired(), Length(max=80)])
