"""Importing students: checking a file's rows, then adding them all in one commit, or none.

The command line (`flask students import`) and the import page share every rule here: a row is
what the API's `StudentWriteSchema` accepts, plus the checks across rows and against the
directory (unknown major or account, an email or account used twice). Reading the file is
`import_files` (docs/directory.md#import).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from marshmallow import ValidationError as SchemaError
from sqlalchemy import insert, select

from campus.audit import services as audit
from campus.core.database import commit_or_conflict
from campus.core.errors import ValidationError
from campus.core.models import utcnow
from campus.extensions import db
from campus.majors.models import Major
from campus.students.import_files import UnreadableFile, read_upload
from campus.students.models import Student
from campus.students.schemas import StudentWriteSchema
from campus.students.signals import announce_membership_change
from campus.users.models import User

__all__ = ["ImportCheck", "ImportRejected", "UnreadableFile", "check_rows", "import_students", "read_rows"]
PAUSE_EVERY = 50  # rows between yields to the event loop while checking


def read_rows(path: Path, file_format: str | None = None) -> list[Any]:
    """The records of a JSON, CSV or XLSX file (format from `file_format` or the extension);
    `UnreadableFile` when the file as a whole can't be read."""
    return read_upload(path.read_bytes(), path.name, file_format)


@dataclass
class ImportCheck:
    """What an import would do: the loaded rows `(number, values)` and every problem
    `(number, field, text)`, rows numbered from 1 (the first record, whatever the format)."""

    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    problems: list[tuple[int, str, str]] = field(default_factory=list)
    total: int = 0

    @property
    def problem_lines(self) -> list[str]:
        return [f"row {number}: {name}: {text}" for number, name, text in self.problems]


class ImportRejected(ValidationError):
    """Some rows are bad; `problems` lists them all as `row N: field: problem`."""

    code = "import_rejected"

    def __init__(self, problems: list[str]):
        super().__init__(_("%(count)d problem(s); nothing was imported.", count=len(problems)))
        self.problems = problems


def check_rows(rows: Iterable[Any], *, pause: Callable[[], None] = lambda: None) -> ImportCheck:
    """Check every row and the rows against each other and the directory; writes nothing.

    `pause` is called every few hundred rows (a page passes `cooperative_pause()`, so checking
    10,000 rows never holds the event loop for long)."""
    schema = StudentWriteSchema()
    check = ImportCheck()
    majors_by_name = {name.casefold(): major_id for major_id, name in db.session.execute(select(Major.id, Major.name))}
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
        try:
            check.rows.append((number, schema.load(row)))
        except SchemaError as error:
            messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
            check.problems.extend(_row_problems(number, messages))
    pause()
    _check_across(check, set(majors_by_name.values()))
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


def _check_across(check: ImportCheck, major_ids: set[int]) -> None:
    loaded = check.rows
    user_ids = {values["user_id"] for _n, values in loaded if values["user_id"] is not None}
    known_users = _existing(User.id, user_ids)
    taken_emails = _existing(Student.email, {values["email"] for _n, values in loaded})
    linked_users = _existing(Student.user_id, user_ids)
    seen_emails: dict[str, int] = {}
    seen_users: dict[int, int] = {}
    problems = check.problems
    for number, values in loaded:
        if values["major_id"] not in major_ids:
            problems.append((number, "major_id", _("No such major.")))
        email = values["email"]
        if email in taken_emails:
            problems.append((number, "email", _("Already used by another student.")))
        elif email in seen_emails:
            problems.append((number, "email", _("Same as row %(row)d.", row=seen_emails[email])))
        seen_emails.setdefault(email, number)
        user_id = values["user_id"]
        if user_id is not None:
            if user_id not in known_users:
                problems.append((number, "user_id", _("No such user.")))
            elif user_id in linked_users:
                problems.append((number, "user_id", _("Already used by another student.")))
            elif user_id in seen_users:
                problems.append((number, "user_id", _("Same as row %(row)d.", row=seen_users[user_id])))
            seen_users.setdefault(user_id, number)


def _existing(column, values: set) -> set:
    """Which of `values` the column holds (in chunks: SQLite limits a statement's parameters)."""
    found: set = set()
    ordered = list(values)
    for start in range(0, len(ordered), 5000):
        found.update(db.session.scalars(select(column).where(column.in_(ordered[start : start + 5000]))))
    return found


def import_students(rows: Iterable[Any] | ImportCheck, *, actor_id: int | None = None) -> int:
    """Check every row, then add them all in one audited commit — or nothing (`ImportRejected`)."""
    check = rows if isinstance(rows, ImportCheck) else check_rows(rows)
    if check.problems:
        raise ImportRejected(check.problem_lines)
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
    audit.record(actor_id, "students.imported", "student", None, None, {"count": len(records)})
    commit_or_conflict(db.session, _("Another student already has this email or account."))
    announce_membership_change(record["user_id"] for record in records)
    return len(records)


def _row_problems(number: int, messages: dict[str, Any]) -> list[tuple[int, str, str]]:
    result = []
    for name, problems in messages.items():
        for problem in problems if isinstance(problems, list) else [problems]:
            result.append((number, name, problem if isinstance(problem, str) else str(problem)))
    return result
