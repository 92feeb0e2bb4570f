"""The directory for tests: majors and students (one at a time or thousands at once) and valid
bodies for the API and the admin form."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from sqlalchemy import insert

from campus.extensions import db

_numbers = itertools.count(1)


def student_payload(major_id: int, **changes) -> dict:
    """A valid POST /students body; `changes` override fields (None removes one)."""
    n = next(_numbers)
    payload = {
        "first_name": "Иван",
        "last_name": "Петров",
        "date_of_birth": "2004-05-17",
        "email": f"student{n}@example.test",
        "phone_number": "+7 912 345-67-89",
        "address": "Москва, ул. Ленина, д. 1",
        "enrollment_year": date.today().year - 1,
        "course": 1,
        "major_id": major_id,
        "special_notes": "",
    }
    payload.update(changes)
    return {key: value for key, value in payload.items() if value is not None}


def form_data(major_id: int, **changes) -> dict:
    """A valid body of the admin's student form (without its CSRF token)."""
    payload = student_payload(major_id, **changes)
    payload["account_email"] = ""
    return payload


@pytest.fixture
def make_major(app):
    """`make_major(name=...)` → id."""
    from campus.majors.services import create_major

    def make(name: str | None = None, description: str = "") -> int:
        with app.app_context():
            return create_major(None, name=name or f"Major {next(_numbers)}", description=description).id

    return make


@pytest.fixture
def make_student(app, make_major):
    """`make_student(major_id=..., **fields)` → id (a major is made when none is given)."""
    from campus.students.schemas import StudentWriteSchema
    from campus.students.services import create_student

    def make(major_id: int | None = None, **changes) -> int:
        major_id = major_id or make_major()
        with app.app_context():
            values = StudentWriteSchema().load(student_payload(major_id, **changes))
            return create_student(None, values).id

    return make


@pytest.fixture
def bulk_students(app):
    """`bulk_students(rows)`: insert many rows at once (no per-row ORM work); returns nothing.

    Each row needs first_name, last_name, major_id; the rest is filled in.
    """
    from campus.core.models import utcnow
    from campus.students.models import Student

    def insert_rows(rows: list[dict]) -> None:
        now = utcnow()
        full = []
        for row in rows:
            n = next(_numbers)
            values = {
                "date_of_birth": date(2003, 1, 1),
                "email": f"bulk{n}@example.test",
                "phone_number": "+79123456789",
                "address": "Somewhere 1, Some city",
                "enrollment_year": 2024,
                "course": 1,
                "special_notes": "",
                "photo_key": None,
                "user_id": None,
                "created_at": now,
                "updated_at": now,
                **row,
            }
            values["search_name"] = Student.search_name_for(values["first_name"], values["last_name"])
            full.append(values)
        with app.app_context():
            db.session.execute(insert(Student), full)
            db.session.commit()

    return insert_rows
