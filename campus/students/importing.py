"""Importing students: reading a file's rows and adding them all in one commit, or none.

Files are JSON (a list of objects) or CSV (a header row). CSV cells are text, so whole numbers in
the numeric columns become integers and an empty `user_id` means no account; everything else is
left for `StudentWriteSchema` to judge, exactly as if the row had come through the API.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from marshmallow import ValidationError as SchemaError
from sqlalchemy import select

from campus.audit import services as audit
from campus.core.database import commit_or_conflict
from campus.core.errors import ValidationError
from campus.extensions import db
from campus.majors.models import Major
from campus.students.models import Student
from campus.students.schemas import StudentWriteSchema
from campus.students.signals import announce_membership_change
from campus.users.models import User

INTEGER_COLUMNS = ("enrollment_year", "course", "major_id", "user_id")
WHOLE_NUMBER = re.compile(r"^[+-]?\d{1,16}$")


class UnreadableFile(ValueError):
    """The file as a whole can't be read (not JSON, not a list, unknown format)."""


def read_rows(path: Path, file_format: str | None = None) -> list[Any]:
    """The records of a JSON or CSV file (format from `file_format` or the extension);
    `UnreadableFile` when the file as a whole can't be read."""
    file_format = (file_format or path.suffix.lstrip(".")).lower()
    text = path.read_text(encoding="utf-8-sig")
    if file_format == "json":
        return _json_rows(text)
    if file_format == "csv":
        return _csv_rows(text)
    raise UnreadableFile(f"unknown format {file_format!r}: use a .json or .csv file, or --format")


def _json_rows(text: str) -> list[Any]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise UnreadableFile(f"not valid JSON: {error}") from None
    if isinstance(data, dict) and isinstance(data.get("students"), list):
        data = data["students"]
    if not isinstance(data, list):
        raise UnreadableFile('the JSON must be a list of student objects (or {"students": [...]})')
    return data


def _csv_rows(text: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise UnreadableFile("the CSV has no header row")
    rows = []
    for record in reader:
        row: dict[str, Any] = {}
        for column, value in record.items():
            if column is None:  # more cells than header columns
                row["_extra"] = value
                continue
            value = (value or "").strip()
            if column in INTEGER_COLUMNS:
                if value == "":
                    if column == "user_id":
                        row[column] = None
                    continue
                if WHOLE_NUMBER.match(value):
                    row[column] = int(value)
                    continue
            row[column] = value
        rows.append(row)
    return rows


class ImportRejected(ValidationError):
    """Some rows are bad; `problems` lists them all as `row N: field: problem`."""

    code = "import_rejected"

    def __init__(self, problems: list[str]):
        super().__init__(_("%(count)d problem(s); nothing was imported.", count=len(problems)))
        self.problems = problems


def import_students(rows: Iterable[Any], *, actor_id: int | None = None) -> int:
    """Validate every row, then add them all in one commit — or nothing (raises `ImportRejected`).

    Rows are numbered from 1 (the first record, whatever the file format).
    """
    schema = StudentWriteSchema()
    problems: list[str] = []
    loaded: list[tuple[int, dict[str, Any]]] = []
    for number, row in enumerate(rows, start=1):
        try:
            loaded.append((number, schema.load(row)))
        except SchemaError as error:
            messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
            problems.extend(_row_problems(number, messages))
    major_ids = set(db.session.scalars(select(Major.id)))
    user_ids = {values["user_id"] for _n, values in loaded if values["user_id"] is not None}
    known_users = set(db.session.scalars(select(User.id).where(User.id.in_(user_ids)))) if user_ids else set()
    emails = [values["email"] for _n, values in loaded]
    taken_emails = set(db.session.scalars(select(Student.email).where(Student.email.in_(emails)))) if emails else set()
    linked_users = (
        set(db.session.scalars(select(Student.user_id).where(Student.user_id.in_(user_ids)))) if user_ids else set()
    )
    seen_emails: dict[str, int] = {}
    seen_users: dict[int, int] = {}
    for number, values in loaded:
        if values["major_id"] not in major_ids:
            problems.append(f"row {number}: major_id: {_('No such major.')}")
        email = values["email"]
        if email in taken_emails:
            problems.append(f"row {number}: email: {_('Already used by another student.')}")
        elif email in seen_emails:
            problems.append(f"row {number}: email: " + _("Same as row %(row)d.", row=seen_emails[email]))
        seen_emails.setdefault(email, number)
        user_id = values["user_id"]
        if user_id is not None:
            if user_id not in known_users:
                problems.append(f"row {number}: user_id: {_('No such user.')}")
            elif user_id in linked_users:
                problems.append(f"row {number}: user_id: {_('Already used by another student.')}")
            elif user_id in seen_users:
                problems.append(f"row {number}: user_id: " + _("Same as row %(row)d.", row=seen_users[user_id]))
            seen_users.setdefault(user_id, number)
    if problems:
        problems.sort(key=lambda line: int(line.split(":", 1)[0].split()[1]))
        raise ImportRejected(problems)
    students = [Student(**values) for _n, values in loaded]
    db.session.add_all(students)
    audit.record(actor_id, "students.imported", "student", None, None, {"count": len(students)})
    commit_or_conflict(db.session, _("Another student already has this email or account."))
    announce_membership_change(student.user_id for student in students)
    return len(students)


def _row_problems(number: int, messages: dict[str, Any]) -> list[str]:
    lines = []
    for field, problems in messages.items():
        for problem in problems if isinstance(problems, list) else [problems]:
            text = problem if isinstance(problem, str) else str(problem)
            lines.append(f"row {number}: {field}: {text}")
    return lines
