"""Student services: one unit of work each, domain errors only (pages, API and CLI share them).

Every admin write is audited in the same commit; `student_membership_changed` goes out after it.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select, tuple_

from campus.audit import services as audit
from campus.core.api import decode_cursor, encode_cursor
from campus.core.concurrency import offload_in_request
from campus.core.database import commit_or_conflict, contains
from campus.core.errors import Conflict, Forbidden, NotFound, ValidationError
from campus.extensions import db
from campus.majors.models import Major
from campus.media import images
from campus.students import rules
from campus.students.models import Student, search_key
from campus.students.signals import announce_membership_change
from campus.users.models import User

PHOTO_AREA = "photos"
PHOTO_MAX_SIDE, THUMB_SIDE = 1024, 256
RECORD_FIELDS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "email",
    "phone_number",
    "address",
    "enrollment_year",
    "course",
    "major_id",
    "special_notes",
    "user_id",
)
# Sort name → the columns of its keyset (each ends in `id`, so the order is total).
SORT_KEYS: dict[str, tuple[str, ...]] = {
    "name": ("last_name", "first_name", "id"),
    "enrollment_year": ("enrollment_year", "last_name", "first_name", "id"),
}
KEY_TYPES = {"last_name": str, "first_name": str, "id": int, "enrollment_year": int, "course": int}
# Filters and sorts on fields outside the public view need the full view.
FULL_VIEW_FILTERS = ("enrollment_year",)
BACK = "<"  # marks a cursor to the page before it


# --- reading ----------------------------------------------------------------------------------


def get_student(student_id: int) -> Student:
    """The student record with this id (404 otherwise)."""
    student = db.session.get(Student, student_id)
    if student is None:
        raise NotFound(_("No such student."))
    return student


def student_of_user(user_id: int) -> Student | None:
    """The record linked to this account, if any."""
    return db.session.scalar(select(Student).where(Student.user_id == user_id))


def may_see_full(viewer: User, student: Student) -> bool:
    """Teachers and above see whole records; a linked student sees their own (docs/design.md#roles-and-permissions)."""
    if viewer.can("directory.read_full"):
        return True
    return student.user_id == viewer.id and viewer.can("students.own_record")


def list_students(
    viewer: User,
    *,
    major_id: int | None = None,
    course: int | None = None,
    enrollment_year: int | None = None,
    q: str | None = None,
    sort: str = "name",
    limit: int = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    """A keyset page `{items, next_cursor, prev_cursor}` of students matching the filters.

    `q` matches names (any case, Cyrillic too, `е` finds `ё`) and, for viewers of full records,
    the email. Viewers of public fields may not filter or sort by other fields (403).
    """
    full = viewer.can("directory.read_full")
    descending = sort.startswith("-")
    sort_name = sort.lstrip("-")
    if sort_name not in SORT_KEYS:
        raise ValidationError(fields={"sort": [_("Unknown sort order.")]})
    if not full and (enrollment_year is not None or sort_name == "enrollment_year"):
        raise Forbidden(_("Only teachers and administrators may filter or sort by enrollment year."))
    keys = SORT_KEYS[sort_name]
    columns = [getattr(Student, key) for key in keys]
    query = select(Student)
    if major_id is not None:
        query = query.where(Student.major_id == major_id)
    if course is not None:
        query = query.where(Student.course == course)
    if enrollment_year is not None:
        query = query.where(Student.enrollment_year == enrollment_year)
    needle = search_key(q.strip()) if q else ""
    if needle:
        condition = contains(Student.search_name, needle)
        if full:
            condition = or_(condition, contains(Student.email, needle))
        query = query.where(condition)
    # The cursor names its sort (with BACK in front for the page before), then its key's values.
    after = decode_cursor(cursor, [(sort, BACK + sort), *(KEY_TYPES[key] for key in keys)])
    backward = after is not None and after[0].startswith(BACK)
    reverse = descending != backward
    if after is not None:
        position, values = tuple_(*columns), tuple_(*after[1:])
        query = query.where(position < values if reverse else position > values)
    query = query.order_by(*(column.desc() if reverse else column.asc() for column in columns))
    rows = list(db.session.scalars(query.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    if backward:
        rows.reverse()

    def cursor_at(student: Student, prefix: str = "") -> str:
        return encode_cursor([prefix + sort, *(getattr(student, key) for key in keys)])

    # Forward: a next page if more rows came, a previous one if this is not the first page.
    # Backward: a previous page if more rows came, and always the next (the page we came from).
    has_next, has_prev = (True, more) if backward else (more, after is not None)
    return {
        "items": rows,
        "next_cursor": cursor_at(rows[-1]) if rows and has_next else None,
        "prev_cursor": cursor_at(rows[0], BACK) if rows and has_prev else None,
    }


# --- checks shared by the writes -------------------------------------------------------------


def _check_references(values: dict[str, Any], *, student_id: int | None = None) -> None:
    """Major exists (422), email and linked account not taken by another record (409)."""
    if "major_id" in values and db.session.get(Major, values["major_id"]) is None:
        raise ValidationError(fields={"major_id": [_("No such major.")]})
    if values.get("user_id") is not None:
        account = db.session.get(User, values["user_id"])
        if account is None:
            raise ValidationError(fields={"user_id": [_("No such user.")]})
        # An unproven address may be a squatter's: the record would hand them the student's chats.
        if not account.email_verified:
            raise ValidationError(fields={"user_id": [_("This account's email address is not verified yet.")]})
    taken: dict[str, list[str]] = {}
    for field in ("email", "user_id"):
        if values.get(field) is None:
            continue
        query = select(Student.id).where(getattr(Student, field) == values[field])
        if student_id is not None:
            query = query.where(Student.id != student_id)
        if db.session.scalar(query) is not None:
            taken[field] = [_("Already used by another student.")]
    if taken:
        raise Conflict(_("Another student already has this."), fields=taken)


def _check_record(values: dict[str, Any]) -> None:
    problems = rules.record_problems(values)
    if problems:
        raise ValidationError(fields=problems)


def _commit() -> None:
    commit_or_conflict(db.session, _("Another student already has this email or account."))


def _audit_values(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if key != "special_notes"} | (
        {"special_notes": "…"} if values.get("special_notes") else {}
    )


# --- writes -------------------------------------------------------------------------------------

Photo = tuple[bytes, str | None]  # an upload's bytes and file name


def _store_photo(photo: Photo | None):
    """Check and store an upload before anything is written, so a refused photo changes nothing."""
    if photo is None:
        return None
    data, filename = photo
    # Decoding and re-encoding (~0.75 s for 40 Mpx) runs in a thread, like argon2; the write stays
    # on the event loop (storage may talk to S3).
    cleaned = offload_in_request(
        lambda: images.clean_image(data, filename, max_side=PHOTO_MAX_SIDE, thumb_side=THUMB_SIDE)
    )
    return images.write_image(cleaned, area=PHOTO_AREA)


def _commit_with_photo(stored, replaced_key: str | None) -> None:
    """Commit; the new photo's files go if the commit fails, the replaced ones once it succeeded."""
    try:
        _commit()
    except Exception:
        if stored is not None:
            images.delete_image(PHOTO_AREA, stored.key)
        raise
    if replaced_key:
        images.delete_image(PHOTO_AREA, replaced_key)


def create_student(actor_id: int | None, values: dict[str, Any], *, photo: Photo | None = None) -> Student:
    """Add a record (admins); values as loaded by `StudentWriteSchema`, optionally with a photo."""
    values = {key: values[key] for key in RECORD_FIELDS if key in values}
    _check_record(values)
    _check_references(values)
    stored = _store_photo(photo)
    student = Student(**values, photo_key=stored.key if stored else None)
    db.session.add(student)
    db.session.flush()
    audit.record(
        actor_id,
        "student.created",
        "student",
        student.id,
        None,
        _audit_values(values) | ({"photo_key": stored.key} if stored else {}),
    )
    _commit_with_photo(stored, None)
    announce_membership_change([student.user_id])
    return student


def update_student(
    actor_id: int | None,
    student: Student,
    changes: dict[str, Any],
    *,
    photo: Photo | None = None,
    remove_photo: bool = False,
) -> Student:
    """Change any fields of a record (admins); rules are checked on the merged record.

    A new `photo` replaces the old one, `remove_photo` drops it — in the same unit of work.
    """
    changes = {key: value for key, value in changes.items() if key in RECORD_FIELDS}
    merged = {key: getattr(student, key) for key in RECORD_FIELDS} | changes
    _check_record(merged)
    _check_references(changes, student_id=student.id)
    stored = _store_photo(photo)
    if stored is not None or (remove_photo and student.photo_key):
        changes["photo_key"] = stored.key if stored else None
    replaced = student.photo_key if "photo_key" in changes else None
    try:
        return _apply(actor_id, student, changes, action="student.updated", replaced_photo=replaced)
    except Exception:
        if stored is not None:
            images.delete_image(PHOTO_AREA, stored.key)
        raise


def update_own_contacts(user: User, student: Student, changes: dict[str, Any]) -> Student:
    """A linked student corrects their own contact fields (`rules.CONTACT_FIELDS`)."""
    if student.user_id != user.id or not user.can("students.own_record"):
        raise Forbidden()
    other = sorted(set(changes) - set(rules.CONTACT_FIELDS))
    if other:
        raise Forbidden(_("You may change only your phone number and address."))
    return _apply(user.id, student, changes, action="student.contacts_updated")


def _apply(
    actor_id: int | None, student: Student, changes: dict[str, Any], *, action: str, replaced_photo: str | None = None
) -> Student:
    before = student.membership
    old, new = {}, {}
    for field, value in changes.items():
        if getattr(student, field) != value:
            old[field], new[field] = getattr(student, field), value
            setattr(student, field, value)
    if not new:
        return student
    audit.record(actor_id, action, "student", student.id, _audit_values(old), _audit_values(new))
    _commit_with_photo(None, replaced_photo)
    if student.membership != before:
        announce_membership_change([before[0], student.user_id])
    return student


def delete_student(actor_id: int | None, student: Student) -> None:
    """Delete a record and its photo; audited, its account's chat memberships follow."""
    user_id, photo_key = student.user_id, student.photo_key
    audit.record(
        actor_id, "student.deleted", "student", student.id, {"name": student.full_name, "email": student.email}, None
    )
    db.session.delete(student)
    _commit()
    if photo_key:
        images.delete_image(PHOTO_AREA, photo_key)
    announce_membership_change([user_id])


def set_photo(actor_id: int | None, student: Student, data: bytes, filename: str | None) -> Student:
    """Check, re-encode and store a new photo; the old one is removed once the change is committed."""
    stored = _store_photo((data, filename))
    old_key = student.photo_key
    student.photo_key = stored.key
    audit.record(actor_id, "student.photo_changed", "student", student.id, old_key, stored.key)
    _commit_with_photo(stored, old_key)
    return student


def remove_photo(actor_id: int | None, student: Student) -> Student:
    """Drop a record's photo (its files go once the change is committed); audited."""
    old_key = student.photo_key
    if old_key is None:
        return student
    student.photo_key = None
    audit.record(actor_id, "student.photo_removed", "student", student.id, old_key, None)
    _commit_with_photo(None, old_key)
    return student
