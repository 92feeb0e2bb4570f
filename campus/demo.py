"""Demo data for development: one account per role, majors, a few hundred students, a chat."""

from __future__ import annotations

from collections.abc import Iterator

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
            register_user(
                email=email,
                password=DEMO_PASSWORD,
                first_name=role.replace("_", " ").title(),
                last_name="Demo",
                role_name=role,
                language="en",
                verified=True,
            )
        yield f"demo account {email} / {DEMO_PASSWORD} ({role})"
    yield from seed_directory()
    yield from seed_chat()


DEMO_STUDENTS = 300


def seed_directory(count: int = DEMO_STUDENTS, seed: int = 2024) -> Iterator[str]:
    """The sample majors, then `count` deterministic students (only into an empty directory).

    The first student is linked to the student demo account, so "my record" has something to show.
    """
    from sqlalchemy import func, select

    from campus.extensions import db
    from campus.majors.models import Major
    from campus.majors.services import create_major
    from campus.students.importing import import_students
    from campus.students.models import Student
    from campus.students.sample import MAJORS, SampleStudents

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
    yield f"{imported.created} students" + (f" ({demo_student.email} is linked to the first)" if demo_student else "")


DEMO_CHAT_TITLE = "Welcome to Campus"
DEMO_CHAT_MEMBERS = ("teacher", "student", "admin", "user")
DEMO_CHAT_LINES = (
    ("teacher", "Welcome to Campus! This group is here to try the chat: write something."),
    ("student", "Hello! Will the timetable for next week be out soon?"),
    ("admin", "On Friday, as usual. Ask here if anything is unclear."),
)


def seed_chat() -> Iterator[str]:
    """A group of demo accounts with a few messages, so the chat page has something to show.

    Idempotent: the group is found by its title and owner, and the messages by their client_id.
    """
    from sqlalchemy import select

    from campus.chat.access import load_actor
    from campus.chat.chats import create_group_chat
    from campus.chat.messages import send_message
    from campus.chat.models import GROUP, Chat
    from campus.extensions import db

    accounts = {role: find_by_email(demo_email(role)) for role in DEMO_CHAT_MEMBERS}
    owner = load_actor(accounts["teacher"].id)
    chat_id = db.session.scalar(
        select(Chat.id).where(Chat.type == GROUP, Chat.title == DEMO_CHAT_TITLE, Chat.created_by_id == owner.id)
    )
    if chat_id is None:
        chat_id = create_group_chat(owner, DEMO_CHAT_TITLE, [user.id for user in accounts.values()])["id"]
    for number, (role, body) in enumerate(DEMO_CHAT_LINES, start=1):
        send_message(load_actor(accounts[role].id), chat_id, client_id=f"demo-{number}", body=body)
    yield f'group chat "{DEMO_CHAT_TITLE}" with {len(DEMO_CHAT_LINES)} messages'
