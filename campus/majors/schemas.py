"""JSON shapes of majors (docs/api.md): `{id, name, description, student_count}`."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from campus.core.api import list_schema
from campus.core.schemas import StrictSchema, Text

NAME_RULES = validate.Length(min=2, max=100)
DESCRIPTION_RULES = validate.Length(max=1000)


class MajorSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    description = fields.String()
    student_count = fields.Integer()


class MajorCreateSchema(StrictSchema):
    name = Text(required=True, validate=NAME_RULES)
    description = Text(load_default="", validate=DESCRIPTION_RULES)


class MajorUpdateSchema(StrictSchema):
    name = Text(validate=NAME_RULES)
    description = Text(validate=DESCRIPTION_RULES)


MajorListSchema = list_schema(MajorSchema, "MajorListSchema")
