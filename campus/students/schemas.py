"""JSON shapes of students (docs/api.md) and the list's query string; the rules live in `rules`."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from campus.core.api import PageArgsSchema, list_schema
from campus.core.phones import PHONE_DOCUMENT, normalize_phone
from campus.core.schemas import MAX_SAFE_INTEGER, Id, Int, StrictSchema, Text
from campus.students import rules
from campus.users.schemas import Email

NAME = validate.Length(min=1, max=rules.NAME_LENGTH)
ADDRESS = validate.Length(min=rules.ADDRESS_LENGTH[0], max=rules.ADDRESS_LENGTH[1])
NOTES = validate.Length(max=rules.NOTES_LENGTH)
SORTS = ("name", "-name", "enrollment_year", "-enrollment_year")


class PhoneNumber(Text):
    """A required phone number in any common form, loaded as E.164 (`+79123456789`)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("metadata", {"openapi": PHONE_DOCUMENT, "description": PHONE_DOCUMENT["description"]})
        super().__init__(*args, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalize_phone(text)
        except ValueError:
            raise ValidationError(_("Not a valid phone number.")) from None


class StrictDate(fields.Date):
    """An ISO date given as a string (marshmallow would also take a datetime object)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or len(value) > 10:
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class StudentWriteSchema(StrictSchema):
    """A whole record (POST, import rows); with `partial=True` the PATCH body."""

    first_name = Text(required=True, validate=NAME)
    last_name = Text(required=True, validate=NAME)
    date_of_birth = StrictDate(
        required=True,
        metadata={"description": f"In the past; an age of {rules.MIN_AGE} to {rules.MAX_AGE} years today."},
    )
    email = Email(required=True)
    phone_number = PhoneNumber(required=True)
    address = Text(required=True, validate=ADDRESS)
    enrollment_year = Int(
        required=True,
        metadata={
            "description": f"{rules.FIRST_ENROLLMENT_YEAR} to the current year.",
            "openapi": lambda: {"minimum": rules.FIRST_ENROLLMENT_YEAR, "maximum": rules.today().year},
        },
    )
    course = Int(
        required=True,
        validate=[validate.Range(min=rules.MIN_COURSE, max=rules.MAX_COURSE)],
        metadata={"description": "At most the years since `enrollment_year` + 1."},
    )
    major_id = Id(required=True)
    special_notes = Text(load_default="", validate=NOTES)
    user_id = Id(load_default=None, allow_none=True)

    @validates("date_of_birth")
    def check_date_of_birth(self, value, **kwargs):
        if problem := rules.date_of_birth_problem(value):
            raise ValidationError(problem)

    @validates("enrollment_year")
    def check_enrollment_year(self, value, **kwargs):
        if problem := rules.enrollment_year_problem(value):
            raise ValidationError(problem)

    @validates_schema(skip_on_field_errors=True)
    def check_course(self, data, **kwargs):
        if "course" in data and (problem := rules.course_problem(data["course"], data.get("enrollment_year"))):
            raise ValidationError(problem, field_name="course")


class StudentUpdateSchema(StudentWriteSchema):
    """The PATCH body: any subset of the record's fields (load with `partial=True`)."""


class StudentContactSchema(StrictSchema):
    """What a linked student may correct on their own record (`rules.CONTACT_FIELDS`)."""

    phone_number = PhoneNumber()
    address = Text(validate=ADDRESS)


def photo_url(student, size: str | None = None) -> str | None:
    if not student.photo_key:
        return None
    version = student.photo_key.partition(".")[0][:12]
    return url_for("students_api.student_photo", student_id=student.id, v=version, size=size)


class StudentPublicSchema(Schema):
    """What every user may see (docs/directory.md#who-sees-and-changes-what): name, photo, major, course."""

    id = fields.Integer()
    first_name = fields.String()
    last_name = fields.String()
    major_id = fields.Integer()
    major = fields.Function(lambda student: student.major.name)
    course = fields.Integer()
    photo_url = fields.Function(photo_url)


class StudentSchema(StudentPublicSchema):
    """The whole record: teachers and above, and the student it belongs to."""

    date_of_birth = fields.Date()
    email = fields.String()
    phone_number = fields.String()
    address = fields.String()
    enrollment_year = fields.Integer()
    special_notes = fields.String()
    user_id = fields.Integer(allow_none=True)


class StudentListArgsSchema(PageArgsSchema):
    """`GET /students`: filters, text search, sort (query strings carry numbers as text)."""

    major_id = fields.Integer(validate=validate.Range(min=1, max=MAX_SAFE_INTEGER))
    course = fields.Integer(validate=validate.Range(min=rules.MIN_COURSE, max=rules.MAX_COURSE))
    enrollment_year = fields.Integer(validate=validate.Range(min=1900, max=9999))
    q = Text(validate=validate.Length(max=100))
    sort = fields.String(load_default="name", validate=validate.OneOf(SORTS))


StudentListSchema = list_schema(fields.Raw(), "StudentListSchema")
