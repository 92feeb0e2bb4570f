"""Importing students: checking a file's rows, then adding them all in one commit, or none.

The command line (`flask students import`) and the import page share every rule here: a row is
what the API's `StudentWriteSchema` accepts, plus the checks across rows and against the
directory (unknown major or account, an email or account used twice in the file, an account
linked to another student). A row whose email is already a record's updates that record (only
the columns the file has; an empty account never unlinks one); an identical row is unchanged.
Reading the file is `import_files` (docs/directory.md#import).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from marshmallow import ValidationError as SchemaError
from sqlalchemy import insert, select, update

from campus.audit import services as audit
from campus.core.database import commit_or_conflict
from campus.core.errors import Conflict, ValidationError
from campus.core.models import utcnow
from campus.extensions import db
from campus.majors.models import Major
from campus.students.import_files import UnreadableFile, read_upload
from campus.students.models import Student
from campus.students.schemas import StudentWriteSchema
from campus.students.signals import announce_membership_change
from campus.users.models import User

__all__ = [
    "ImportCheck",
    "ImportCounts",
    "ImportRejected",
    "ImportStale",
    "RowUpdate",
    "UnreadableFile",
    "check_rows",
    "import_students",
    "read_rows",
]
PAUSE_EVERY = 50  # rows between yields to the event loop while checking
FIELDS = tuple(StudentWriteSchema().fields)
MEMBERSHIP_FIELDS = {"user_id", "major_id", "enrollment_year"}  # `Student.membership`


def read_rows(path: Path, file_format: str | None = None) -> list[Any]:
    """The records of a JSON, CSV or XLSX file (format from `file_format` or the extension);
    `UnreadableFile` when the file as a whole can't be read."""
    return read_upload(path.read_bytes(), path.name, file_format)


@dataclass
class RowUpdate:
    """Row `number` changes record `student_id`: `before` → `after`, the changed fields only."""

    number: int
    student_id: int
    before: dict[str, Any]
    after: dict[str, Any]
    record: dict[str, Any]  # the whole record as checked, with `updated_at`


@dataclass
class ImportCheck:
    """What an import would do: the rows to create `(number, values)`, the records to update,
    the rows identical to their record, and every problem `(number, field, text)`; rows are
    numbered from 1 (the first record, whatever the format)."""

    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    updates: list[RowUpdate] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    problems: list[tuple[int, str, str]] = field(default_factory=list)
    total: int = 0

    @property
    def problem_lines(self) -> list[str]:
        return [f"row {number}: {name}: {text}" for number, name, text in self.problems]

    @property
    def fingerprint(self) -> str:
        """A digest of the plan and of the records it touches (their `updated_at`): the preview
        hands it to the commit, which refuses if the directory now gives another plan."""
        plan = {
            "create": [number for number, _values in self.rows],
            "update": [(u.number, u.student_id, u.record["updated_at"], u.after) for u in self.updates],
            "unchanged": self.unchanged,
        }
        return hashlib.sha256(json.dumps(plan, default=str, sort_keys=True).encode()).hexdigest()[:40]


@dataclass
class ImportCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


class ImportStale(Conflict):
    """The directory changed since the preview: the same file would now do something else."""

    code = "import_stale"


class ImportRejected(ValidationError):
    """Some rows are bad; `problems` lists them all as `row N: field: problem`."""

    code = "import_rejected"

    def __init__(self, problems: list[str]):
        super().__init__(_("%(count)d problem(s); nothing was imported.", count=len(problems)))
        self.problems = problems


def check_rows(
    rows: Iterable[Any], *, pause: Callable[[], None] = lambda: None, allow_updates: bool = True
) -> ImportCheck:
    """Check every row and the rows against each other and the directory; writes nothing.

    With `allow_updates=False` an email already in the directory is a problem (create only).

    `pause` is called every few hundred rows (a page passes `cooperative_pause()`, so checking
    10,000 rows never holds the event loop for long)."""
    schema = StudentWriteSchema()
    check = ImportCheck()
    majors_by_name = {name.casefold(): major_id for major_id, name in db.session.execute(select(Major.id, Major.name))}
    columns: dict[int, set[str]] = {}
    for number, row in enumerate(rows, start=1):
        check.total = number
        if number % PAUSE_EVERY == 0:
            pause()
        if isinstance(row, dict):
            row = dict(row)
            before = len(check.problems)
            if not _resolve_major(row, majors_by_name):
                check.problems.append((number, "major", _("No such major.")))
            formulas = [key for key, value in row.items() if isinstance(value, str) and value.startswith("=")]
            check.problems.extend((number, key, _("A formula, not a value.")) for key in formulas)
            if len(check.problems) > before:
                continue
            columns[number] = set(row)
        try:
            check.rows.append((number, schema.load(row)))
        except SchemaError as error:
            messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
            check.problems.extend(_row_problems(number, messages))
    pause()
    _check_across(check, set(majors_by_name.values()), columns, allow_updates)
    check.problems.sort(key=lambda problem: problem[0])
    return check


def _resolve_major(row: dict[str, Any], majors_by_name: dict[str, int]) -> bool:
    """A `major` column (the name, as exports write it) stands for `major_id` when that is
    absent; False when it names no major."""
    name = row.pop("major", None)
    if "major_id" in row or not isinstance(name, str) or not name.strip():
        return True
    major_id = majors_by_name.get(name.strip().casefold())
    if major_id is None:
        return False
    row["major_id"] = major_id
    return True


def _check_across(check: ImportCheck, major_ids: set[int], columns: dict[int, set[str]], allow_updates: bool) -> None:
    loaded, check.rows = check.rows, []
    user_ids = {values["user_id"] for _n, values in loaded if values["user_id"] is not None}
    known_users = _existing(User.id, user_ids)
    records = _records_by_email({values["email"] for _n, values in loaded})
    linked_users = dict(_existing_pairs(Student.user_id, Student.id, user_ids))
    seen_emails: dict[str, int] = {}
    seen_users: dict[int, int] = {}
    problems = check.problems
    for number, values in loaded:
        before = len(problems)
        if values["major_id"] not in major_ids:
            problems.append((number, "major_id", _("No such major.")))
        email = values["email"]
        record = records.get(email)
        own_id = record["id"] if record else None
        if email in seen_emails:
            problems.append((number, "email", _("Same as row %(row)d.", row=seen_emails[email])))
        elif record is not None and not allow_updates:
            problems.append((number, "email", _("Already used by another student.")))
        seen_emails.setdefault(email, number)
        user_id = values["user_id"]
        if user_id is not None:
            if user_id not in known_users:
                problems.append((number, "user_id", _("No such user.")))
            elif linked_users.get(user_id, own_id) != own_id:
                problems.append((number, "user_id", _("Already used by another student.")))
            elif user_id in seen_users:
                problems.append((number, "user_id", _("Same as row %(row)d.", row=seen_users[user_id])))
            seen_users.setdefault(user_id, number)
        if len(problems) > before:
            continue
        if record is None:
            check.rows.append((number, values))
            continue
        # Only the file's columns count, and an empty account never unlinks one.
        after = {
            key: values[key]
            for key in FIELDS
            if key in columns.get(number, ()) and values[key] != record[key]
            if not (key == "user_id" and values[key] is None)
        }
        if after:
            before_values = {key: record[key] for key in after}
            check.updates.append(RowUpdate(number, record["id"], before_values, after, record))
        else:
            check.unchanged.append(number)


def _records_by_email(emails: set[str]) -> dict[str, dict[str, Any]]:
    """The records with these (lower-cased) emails, as dicts of their fields, id and updated_at."""
    wanted = [Student.id, Student.updated_at, *(getattr(Student, key) for key in FIELDS)]
    found: dict[str, dict[str, Any]] = {}
    ordered = list(emails)
    for start in range(0, len(ordered), 5000):
        chunk = ordered[start : start + 5000]
        for row in db.session.execute(select(*wanted).where(Student.email.in_(chunk))):
            found[row.email] = dict(row._mapping)
    return found


def _existing(column, values: set) -> set:
    """Which of `values` the column holds (in chunks: SQLite limits a statement's parameters)."""
    return {value for value, _other in _existing_pairs(column, column, values)}


def _existing_pairs(column, other, values: set) -> list[tuple[Any, Any]]:
    """`(value, other)` for the rows whose column holds one of `values`, in chunks."""
    found: list[tuple[Any, Any]] = []
    ordered = list(values)
    for start in range(0, len(ordered), 5000):
        chunk = ordered[start : start + 5000]
        found.extend((value, of) for value, of in db.session.execute(select(column, other).where(column.in_(chunk))))
    return found


def import_students(
    rows: Iterable[Any] | ImportCheck, *, actor_id: int | None = None, expected: str | None = None
) -> ImportCounts:
    """Check every row, then create and update them all in one audited commit — or nothing
    (`ImportRejected`; `ImportStale` when `expected`, the preview's fingerprint, no longer holds)."""
    check = rows if isinstance(rows, ImportCheck) else check_rows(rows)
    if check.problems:
        raise ImportRejected(check.problem_lines)
    if expected is not None and expected != check.fingerprint:
        raise ImportStale(_("The directory changed since the preview; check the new preview and commit again."))
    # One multi-row INSERT (the ORM's per-object bookkeeping took most of a 10,000-row commit);
    # `search_name` is filled here, as the model's insert hook would.
    now = utcnow()
    records = [
        {
            **values,
            "search_name": Student.search_name_for(values["first_name"], values["last_name"]),
            "created_at": now,
            "updated_at": now,
        }
        for _n, values in check.rows
    ]
    if records:
        db.session.execute(insert(Student), records)
    moved = [record["user_id"] for record in records]
    if check.updates:
        db.session.execute(update(Student), [_update_values(change, now) for change in check.updates])
    for change in check.updates:
        # The same entry as an edit on the record's page (`services.update_student`).
        audit.record(
            actor_id, "student.updated", "student", change.student_id, _audit(change.before), _audit(change.after)
        )
        if MEMBERSHIP_FIELDS & set(change.after):
            moved += [change.record["user_id"], change.after.get("user_id", change.record["user_id"])]
    counts = ImportCounts(len(records), len(check.updates), len(check.unchanged))
    audit.record(
        actor_id, "students.imported", "student", None, None, {"created": counts.created, "updated": counts.updated}
    )
    commit_or_conflict(db.session, _("Another student already has this email or account."))
    announce_membership_change(moved)
    return counts


def _update_values(change: RowUpdate, now) -> dict[str, Any]:
    values = {"id": change.student_id, **change.after, "updated_at": now}
    if {"first_name", "last_name"} & set(change.after):
        merged = change.record | change.after
        values["search_name"] = Student.search_name_for(merged["first_name"], merged["last_name"])
    return values


def _audit(values: dict[str, Any]) -> dict[str, Any]:
    """As `services._audit_values`: notes are private, the entry says only that they changed."""
    return {key: value for key, value in values.items() if key != "special_notes"} | (
        {"special_notes": "…"} if values.get("special_notes") else {}
    )


def _row_problems(number: int, messages: dict[str, Any]) -> list[tuple[int, str, str]]:
    result = []
    for name, problems in messages.items():
        for problem in problems if isinstance(problems, list) else [problems]:
            result.append((number, name, problem if isinstance(problem, str) else str(problem)))
    return result
