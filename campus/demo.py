"""Demo data for development: one account per role, majors and a few hundred students."""
from __future__ import annotations

from typing import Iterator

from flask import current_app

from campus.roles.services import ROLE_NAMES, seed_roles
from campus.users.services import find_by_email, register_user

DEMO_PASSWORD = "campus-demo"


def demo_email(role: str) -> str:
    return f"{role.replace('_', '-')}@campus.local"


def seed_demo() -> Iterator[str]:
    """Idempotent: existing demo accounts are left as they are."""
    if not current_app.config.get("DEMO_DATA"):
        raise RuntimeError("Demo data is for development only (CAMPUS_CONFIG=development).")
    seed_roles()
    yield "Roles and permissions are up to date."
    for role in ROLE_NAMES:
        email = demo_email(role)
        if find_by_email(email) is None:
            register_user(email=email, password=DEMO_PASSWORD, first_name=role.replace("_", " ").title(),
                          last_name="Demo", role_name=role, language="en")
        yield f"demo account {email} / {DEMO_PASSWORD} ({role})"
    yield from seed_directory()


DEMO_STUDENTS = 300


def seed_directory(count: int = DEMO_STUDENTS, seed: int = 2024) -> Iterator[str]:
    """The sample majors, then `count` deterministic students (only into an empty directory).

    The first student is linked to the student demo account, so "my record" has something to show.
    """
    from sqlalchemy import func, select

    from campus.extensions import db
    from campus.majors.models import Major
    from campus.majors.services import create_major
    from campus.students.models import Student
    from campus.students.sample import MAJORS, SampleStudents
    from campus.students.services import import_students

    for name, description in MAJORS:
        if db.session.scalar(select(Major.id).where(Major.name_key == Major.key_for(name))) is None:
            create_major(None, name=name, description=description)
    yield f"{len(MAJORS)} majors"
    if db.session.scalar(select(func.count(Student.id))):
        yield "students already present; left as they are"
        return
    major_ids = list(db.session.scalars(select(Major.id).order_by(Major.id)))
    sample = SampleStudents(seed)
    rows = [row | {"major_id": sample.random.choice(major_ids)} for row in sample.rows(count)]
    demo_student = find_by_email(demo_email("student"))
    if demo_student is not None:
        rows[0]["user_id"] = demo_student.id
    imported = import_students(rows)
    yield f"{imported} students" + (f" ({demo_student.email} is linked to the first)" if demo_student else "")
