"""The audit log as people read it: each entry's change as before → after per field, with names
instead of ids, and a link to what it changed (docs/design.md#the-audit-log).

Entries store their old and new values as text (JSON for records). Turning a page of them into
rows takes one query per kind of id they name (users, majors, students), never one per entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from campus.admin.labels import action_label, target_label, value_label
from campus.audit.models import AuditEntry
from campus.extensions import db
from campus.majors.models import Major
from campus.roles.labels import role_label
from campus.students.models import Student
from campus.users.models import User

FIELD_LABELS = {
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "name": _l("Name"),
    "description": _l("Description"),
    "date_of_birth": _l("Date of birth"),
    "email": _l("Email"),
    "phone_number": _l("Phone"),
    "address": _l("Address"),
    "enrollment_year": _l("Enrollment year"),
    "course": _l("Course"),
    "major_id": _l("Major"),
    "special_notes": _l("Special notes"),
    "user_id": _l("Account"),
    "photo_key": _l("Photo"),
    "count": _l("Students added"),  # `students.imported` before updates were counted apart
    "created": _l("Students added"),
    "updated": _l("Students updated"),
}
HIDDEN = "…"  # what the log keeps of special notes (they are not copied into it)


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class Row:
    """One entry ready for the page and the CSV."""

    entry: AuditEntry
    actor: User | None
    action: str
    target: str
    target_url: str | None
    changes: list[Change] = field(default_factory=list)


def _decode(value: str | None) -> Any:
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return value


class _Names:
    """The users, majors and students a page of entries names, loaded at once."""

    def __init__(self, entries: list[AuditEntry]):
        user_ids, major_ids, student_ids = set(), set(), set()
        for entry in entries:
            if entry.actor_id:
                user_ids.add(entry.actor_id)
            ids = {"user": user_ids, "major": major_ids, "student": student_ids}.get(entry.target_type)
            if ids is not None and entry.target_id:
                ids.add(entry.target_id)
            for value in (_decode(entry.old_value), _decode(entry.new_value)):
                if isinstance(value, dict):
                    if isinstance(value.get("major_id"), int):
                        major_ids.add(value["major_id"])
                    if isinstance(value.get("user_id"), int):
                        user_ids.add(value["user_id"])
        self.users = _by_id(User, user_ids)
        self.majors = _by_id(Major, major_ids)
        self.students = _by_id(Student, student_ids)


def _by_id(model, ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)))}


def readable(entries: list[AuditEntry]) -> list[Row]:
    """The entries as rows: names, links and per-field changes."""
    names = _Names(entries)
    return [_row(entry, names) for entry in entries]


def _row(entry: AuditEntry, names: _Names) -> Row:
    target, url = _target(entry, names)
    return Row(
        entry=entry,
        actor=names.users.get(entry.actor_id) if entry.actor_id else None,
        action=action_label(entry.action),
        target=target,
        target_url=url,
        changes=_changes(entry, names),
    )


def _target(entry: AuditEntry, names: _Names) -> tuple[str, str | None]:
    kind, target_id = entry.target_type, entry.target_id
    label = target_label(kind)
    if target_id is None:
        return label, None
    if kind == "user" and (user := names.users.get(target_id)):
        return user.full_name, url_for("admin.user_detail", user_id=user.id)
    if kind == "student" and (student := names.students.get(target_id)):
        return f"{label}: {student.full_name}", url_for("students.detail", student_id=student.id)
    if kind == "major" and (major := names.majors.get(target_id)):
        return f"{label}: {major.name}", url_for("majors.edit", major_id=major.id)
    old = _decode(entry.old_value)
    if isinstance(old, dict) and old.get("name"):  # deleted: the log kept its name
        return f"{label}: {old['name']} (#{target_id})", None
    return f"{label} #{target_id}", None


def _changes(entry: AuditEntry, names: _Names) -> list[Change]:
    old, new = _decode(entry.old_value), _decode(entry.new_value)
    if isinstance(old, dict) or isinstance(new, dict):
        old, new = old if isinstance(old, dict) else {}, new if isinstance(new, dict) else {}
        return [
            Change(str(FIELD_LABELS.get(key, key)), _show(key, old.get(key), names), _show(key, new.get(key), names))
            for key in dict.fromkeys([*old, *new])
            if old.get(key) != new.get(key) or key not in old or key not in new
        ]
    if entry.action in ("student.photo_changed", "student.photo_removed"):
        return [Change(str(FIELD_LABELS["photo_key"]), _photo(entry.old_value), _photo(entry.new_value))]
    return [Change("", value_label(entry.action, entry.old_value), value_label(entry.action, entry.new_value))]


def _photo(key: str | None) -> str:
    return str(_l("a photo")) if key else "—"


def _show(key: str, value: Any, names: _Names) -> str:
    if value is None or value == "":
        return "—"
    if key == "major_id" and isinstance(value, int):
        major = names.majors.get(value)
        return major.name if major else f"#{value}"
    if key == "user_id" and isinstance(value, int):
        user = names.users.get(value)
        return user.full_name if user else f"#{value}"
    if key == "role":
        return role_label(str(value))
    if key == "photo_key":
        return _photo(value)
    if key == "special_notes" and value == HIDDEN:
        return str(_l("(not kept in the log)"))
    return str(value)
