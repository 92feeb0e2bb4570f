"""What the home page shows each role: the queries behind its panels (docs/design.md#home-by-role).

Each function answers plain values for the template; none writes. Counts are single grouped
queries, so the office's home costs the same with 10 or 100,000 students.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from campus.audit.models import AuditEntry
from campus.chat.chats import list_chats
from campus.chat.models import Chat, ChatMember
from campus.extensions import db
from campus.majors.models import Major
from campus.roles.models import Role
from campus.students.models import Student
from campus.students.services import student_of_user
from campus.users.models import User

CHATS_SHOWN = 8
AUDIT_SHOWN = 8
WAITING_ROLE = "guest"  # an account waiting for approval (docs/design.md#roles-and-permissions)


def my_chats(user: User) -> list[dict[str, Any]]:
    """The user's most recent chats with their unread counts; a private chat is named after the other person."""
    chats = list_chats(user, limit=CHATS_SHOWN)["items"]
    return [{**chat, "name": chat.get("title") or _other_member(chat, user.id)} for chat in chats]


def _other_member(chat: dict[str, Any], user_id: int) -> str:
    others = [m for m in chat["members"] if m["user_id"] != user_id] or chat["members"]
    return " ".join(filter(None, (others[0].get("first_name"), others[0].get("last_name")))) if others else ""


def student_panel(user: User) -> dict[str, Any]:
    """A linked student's record and the campus chats of their major and cohort."""
    student = student_of_user(user.id)
    campus = []
    if student is not None:
        campus = list(
            db.session.scalars(
                select(Chat)
                .join(ChatMember, (ChatMember.chat_id == Chat.id) & (ChatMember.user_id == user.id))
                .where(Chat.kind.is_not(None))
                .order_by(Chat.enrollment_year.is_not(None), Chat.id)
            )
        )
    return {"student": student, "campus_chats": campus}


def teacher_panel(user: User) -> list[dict[str, Any]]:
    """The major and cohort chats the teacher has joined, each with its students' count."""
    chats = list(
        db.session.scalars(
            select(Chat)
            .join(ChatMember, (ChatMember.chat_id == Chat.id) & (ChatMember.user_id == user.id))
            .where(Chat.kind.is_not(None))
            .order_by(Chat.major_id, Chat.enrollment_year.is_not(None), Chat.enrollment_year)
        )
    )
    counts = _students_per_major_and_year()
    result = []
    for chat in chats:
        if chat.enrollment_year is None:
            count = sum(n for (major, _year), n in counts.items() if major == chat.major_id)
        else:
            count = counts.get((chat.major_id, chat.enrollment_year), 0)
        result.append({"chat": chat, "students": count})
    return result


def _students_per_major_and_year() -> dict[tuple[int, int], int]:
    query = select(Student.major_id, Student.enrollment_year, func.count()).group_by(
        Student.major_id, Student.enrollment_year
    )
    return {(major, year): count for major, year, count in db.session.execute(query)}


def office_panel() -> dict[str, Any]:
    """The dean's office's figures: students per major and course, accounts by role, waiting accounts."""
    per_course = db.session.execute(
        select(Major.id, Major.name, Student.course, func.count(Student.id))
        .outerjoin(Student, Student.major_id == Major.id)
        .group_by(Major.id, Major.name, Student.course)
        .order_by(Major.name_key, Major.id)
    )
    majors: dict[int, dict[str, Any]] = {}
    courses: set[int] = set()
    for major_id, name, course, count in per_course:
        row = majors.setdefault(major_id, {"id": major_id, "name": name, "courses": {}, "total": 0})
        if course is not None:
            row["courses"][course] = count
            row["total"] += count
            courses.add(course)
    roles = db.session.execute(
        select(Role.name, func.count(User.id))
        .outerjoin(User, User.role_id == Role.id)
        .group_by(Role.id, Role.name)
        .order_by(Role.rank)
    ).all()
    waiting = dict(roles).get(WAITING_ROLE, 0)
    return {
        "majors": list(majors.values()),
        "courses": sorted(courses),
        "roles": roles,
        "waiting": waiting,
        "students": sum(row["total"] for row in majors.values()),
    }


def recent_audit() -> tuple[list[AuditEntry], dict[int, User]]:
    """The newest audit entries and their actors by id."""
    entries = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(AUDIT_SHOWN)))
    ids = {entry.actor_id for entry in entries if entry.actor_id}
    people = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return entries, people
