"""JSON endpoints /api/v1/majors (docs/api.md)."""

from __future__ import annotations

from flask import g

from campus.core.api import PageArgsSchema, api_blueprint
from campus.core.security import permission_required
from campus.majors import services
from campus.majors.schemas import MajorCreateSchema, MajorListSchema, MajorSchema, MajorUpdateSchema

majors_api = api_blueprint("majors_api", __name__, "/majors", "Majors and their student counts")


@majors_api.route("", methods=["GET"])
@permission_required("directory.read_public")
@majors_api.arguments(PageArgsSchema, location="query")
@majors_api.response(200, MajorListSchema)
def list_majors(args):
    """Majors by name, each with `student_count`."""
    return services.list_majors(limit=args["limit"], cursor=args["cursor"])


@majors_api.route("", methods=["POST"])
@permission_required("directory.write")
@majors_api.arguments(MajorCreateSchema)
@majors_api.response(201, MajorSchema)
def create_major(data):
    """Create a major (admins); a duplicate name, in any case, is a 409."""
    return services.create_major(g.current_user.id, **data)


@majors_api.route("/<int:major_id>", methods=["GET"])
@permission_required("directory.read_public")
@majors_api.response(200, MajorSchema)
def get_major(major_id):
    return services.get_major(major_id)


@majors_api.route("/<int:major_id>", methods=["PATCH"])
@permission_required("directory.write")
@majors_api.arguments(MajorUpdateSchema, required=False)
@majors_api.response(200, MajorSchema)
def update_major(changes, major_id):
    return services.update_major(g.current_user.id, services.get_major(major_id), changes)


@majors_api.route("/<int:major_id>", methods=["DELETE"])
@permission_required("directory.write")
@majors_api.response(204)
def delete_major(major_id):
    """Delete a major; one that still has students is a 409 `major_has_students`."""
    services.delete_major(g.current_user.id, services.get_major(major_id))
