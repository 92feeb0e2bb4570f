"""JSON endpoints /api/v1/students (docs/api.md); who sees what: docs/directory.md#who-sees-and-changes-what."""

from __future__ import annotations

from flask import g, request

from campus.core.api import api_blueprint, multipart
from campus.core.errors import NotFound, UnsupportedMediaType, ValidationError
from campus.core.security import permission_required
from campus.media.images import THUMB, mime_of_key
from campus.media.serving import send_stored
from campus.media.storage import variant_key
from campus.students import services
from campus.students.schemas import (
    StudentListArgsSchema,
    StudentListSchema,
    StudentPublicSchema,
    StudentSchema,
    StudentUpdateSchema,
    StudentWriteSchema,
)

students_api = api_blueprint("students_api", __name__, "/students", "Student records and photos")

full_schema, public_schema = StudentSchema(), StudentPublicSchema()


def dump_for(viewer, student) -> dict:
    return (full_schema if services.may_see_full(viewer, student) else public_schema).dump(student)


@students_api.route("", methods=["GET"])
@permission_required("directory.read_public")
@students_api.arguments(StudentListArgsSchema, location="query")
@students_api.response(200, StudentListSchema)
def list_students(args):
    """Students, filtered and searched, a keyset page at a time.

    Users see public fields (id, names, major, course, photo); teachers and above whole records.
    `sort`: name or enrollment_year (teachers and above), ascending or with `-` descending.
    """
    viewer = g.current_user
    result = services.list_students(viewer, **args)
    schema = full_schema if viewer.can("directory.read_full") else public_schema
    return {"items": schema.dump(result["items"], many=True), "next_cursor": result["next_cursor"]}


@students_api.route("", methods=["POST"])
@permission_required("directory.write")
@students_api.arguments(StudentWriteSchema)
@students_api.response(201, StudentSchema)
def create_student(data):
    """Add a student record (admins).

    Rules the body's schema can't say, each a 422 on its field: `date_of_birth` gives an age of
    14–100 today; `course` is at most the years since `enrollment_year` + 1; `phone_number` is a
    number `phonenumbers` deems valid; `major_id` and `user_id` name existing rows. An email, or a
    user, that another record already has is a 409.
    """
    return services.create_student(g.current_user.id, data)


@students_api.route("/me", methods=["GET"])
@permission_required("students.own_record")
@students_api.response(200, StudentSchema)
def my_record():
    """The caller's own student record (404 when the account is not linked to one)."""
    student = services.student_of_user(g.current_user.id)
    if student is None:
        raise NotFound("Your account is not linked to a student record.")
    return student


@students_api.route("/<int:student_id>", methods=["GET"])
@permission_required("directory.read_public")
@students_api.response(200)
def get_student(student_id):
    """A record: whole for teachers and above and for its own student, public fields otherwise."""
    return dump_for(g.current_user, services.get_student(student_id))


@students_api.route("/<int:student_id>", methods=["PATCH"])
@permission_required("directory.read_public")
@students_api.arguments(StudentUpdateSchema(partial=True), required=False)
@students_api.response(200, StudentSchema)
def update_student(changes, student_id):
    """Admins change any field; a linked student may change only `phone_number` and `address` of
    their own record (anything else is a 403).

    The rules of `POST /students` hold for the record as changed (a 422 on the field).
    """
    viewer = g.current_user
    student = services.get_student(student_id)
    if viewer.can("directory.write"):
        return services.update_student(viewer.id, student, changes)
    return services.update_own_contacts(viewer, student, changes)


@students_api.route("/<int:student_id>", methods=["DELETE"])
@permission_required("directory.write")
@students_api.response(204)
def delete_student(student_id):
    services.delete_student(g.current_user.id, services.get_student(student_id))


PHOTO_UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["photo"],
                "properties": {"photo": {"type": "string", "format": "binary", "description": "JPEG, PNG or WebP"}},
            }
        }
    },
}


@students_api.route("/<int:student_id>/photo", methods=["POST"])
@multipart
@permission_required("directory.write")
@students_api.response(200, StudentSchema)
@students_api.doc(requestBody=PHOTO_UPLOAD_BODY)
@students_api.alt_response(404, response="NOT_FOUND")
@students_api.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
@students_api.alt_response(415, response="UNSUPPORTED_MEDIA_TYPE")
@students_api.alt_response(422, response="UNPROCESSABLE_ENTITY")
def upload_photo(student_id):
    """Replace the photo: multipart field `photo`, JPEG/PNG/WebP by content and extension."""
    student = services.get_student(student_id)
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType("Send the photo as multipart/form-data, in the field 'photo'.")
    upload = request.files.get("photo")
    if upload is None or not upload.filename:
        raise ValidationError(fields={"photo": ["Send the image as the multipart field 'photo'."]})
    return services.set_photo(g.current_user.id, student, upload.read(), upload.filename)


@students_api.route("/<int:student_id>/photo", methods=["DELETE"])
@permission_required("directory.write")
@students_api.response(204)
def delete_photo(student_id):
    services.remove_photo(g.current_user.id, services.get_student(student_id))


@students_api.route("/<int:student_id>/photo", methods=["GET"])
@permission_required("directory.read_public")
@students_api.doc(
    parameters=[
        {"in": "query", "name": "size", "schema": {"type": "string"}, "description": f"`{THUMB}` for the thumbnail"}
    ]
)
@students_api.alt_response(
    200, success=True, description="The image", content_type="image/*", schema={"type": "string", "format": "binary"}
)
@students_api.alt_response(304, success=True, description="Not modified since the ETag in If-None-Match")
@students_api.alt_response(404, response="NOT_FOUND")
def student_photo(student_id):
    """The photo (`?size=thumb` for the thumbnail), with ETag and private caching."""
    student = services.get_student(student_id)
    if not student.photo_key:
        raise NotFound("This student has no photo.")
    key = student.photo_key
    if request.args.get("size") == THUMB:
        key = variant_key(key, THUMB)
    return send_stored(services.PHOTO_AREA, key, mime_of_key(student.photo_key))
