"""Major services: one unit of work each, domain errors only."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, tuple_
from sqlalchemy.orm import undefer

from campus.audit import services as audit
from campus.core.api import decode_cursor, page
from campus.core.database import commit_or_conflict
from campus.core.errors import Conflict, NotFound
from campus.extensions import db
from campus.majors.models import Major
from campus.majors.signals import announce_rename


def _name_taken(name: str, exclude_id: int | None = None) -> bool:
    query = select(Major.id).where(Major.name_key == Major.key_for(name))
    if exclude_id is not None:
        query = query.where(Major.id != exclude_id)
    return db.session.scalar(query) is not None


def _commit() -> None:
    commit_or_conflict(db.session, _("A major with this name already exists."), fields={"name": [_("Already in use.")]})


def get_major(major_id: int, *, with_count: bool = True) -> Major:
    """The major with this id, with its student count unless `with_count=False` (404 otherwise)."""
    query = select(Major).where(Major.id == major_id)
    if with_count:
        query = query.options(undefer(Major.student_count))
    major = db.session.scalar(query)
    if major is None:
        raise NotFound(_("No such major."))
    return major


def all_majors() -> list[Major]:
    """Every major by name (for choices in forms and filters)."""
    return list(db.session.scalars(select(Major).order_by(Major.name_key, Major.id)))


def list_majors(*, limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
    """A page of majors by name, each with its student count."""
    query = select(Major).options(undefer(Major.student_count)).order_by(Major.name_key, Major.id)
    after = decode_cursor(cursor, (str, int))
    if after is not None:
        query = query.where(tuple_(Major.name_key, Major.id) > tuple_(*after))
    rows = db.session.scalars(query.limit(limit + 1))
    return page(rows, limit, key=lambda major: (major.name_key, major.id))


def create_major(actor_id: int | None, *, name: str, description: str = "") -> Major:
    """Add a major (admins); a name already taken, in any case, is a 409. Audited."""
    if _name_taken(name):
        raise Conflict(_("A major with this name already exists."), fields={"name": [_("Already in use.")]})
    major = Major(name=name, name_key=Major.key_for(name), description=description)
    db.session.add(major)
    db.session.flush()
    audit.record(actor_id, "major.created", "major", major.id, None, {"name": name, "description": description})
    _commit()
    return get_major(major.id)


def update_major(actor_id: int | None, major: Major, changes: dict[str, Any]) -> Major:
    """Change a major's name or description; audited, and a rename is announced after the commit."""
    if "name" in changes and _name_taken(changes["name"], exclude_id=major.id):
        raise Conflict(_("A major with this name already exists."), fields={"name": [_("Already in use.")]})
    old, new = {}, {}
    for field, value in changes.items():
        if getattr(major, field) != value:
            old[field], new[field] = getattr(major, field), value
            setattr(major, field, value)
    if "name" in new:
        major.name_key = Major.key_for(new["name"])
    if new:
        audit.record(actor_id, "major.updated", "major", major.id, old, new)
        _commit()
        if "name" in new:
            announce_rename(major.id, new["name"])
    return get_major(major.id)


def delete_major(actor_id: int | None, major: Major) -> None:
    """Delete a major that has no students (409 otherwise)."""
    if get_major(major.id).student_count:
        raise Conflict(_("This major still has students; move or delete them first."), code="major_has_students")
    audit.record(actor_id, "major.deleted", "major", major.id, {"name": major.name}, None)
    db.session.delete(major)
    # A student added meanwhile: the foreign key refuses.
    commit_or_conflict(
        db.session, _("This major still has students; move or delete them first."), code="major_has_students"
    )
