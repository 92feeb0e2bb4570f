"""Roles and permissions exactly as the role table of docs/design.md#roles-and-permissions, as seeded in the database (spelled out
here by hand, not derived from the code's own table), and read from the database on every call."""

from __future__ import annotations

from sqlalchemy import select

from campus.extensions import db
from campus.roles.models import Role
from campus.roles.services import seed_roles
from campus.users.models import User

GUEST = {"profile.edit"}
USER = {"profile.edit", "chat.use", "directory.read_public", "users.search"}
STUDENT = USER | {"students.own_record"}
TEACHER = STUDENT | {"directory.read_full", "chat.join_campus", "chat.post_announcements"}
MODERATOR = TEACHER | {"chat.moderate"}
ADMIN = MODERATOR | {"directory.write", "users.manage", "audit.read"}
SUPER_ADMIN = ADMIN | {"users.manage_admins"}

DESIGN_TABLE = [
    ("guest", GUEST),
    ("user", USER),
    ("student", STUDENT),
    ("teacher", TEACHER),
    ("moderator", MODERATOR),
    ("admin", ADMIN),
    ("super_admin", SUPER_ADMIN),
]


def seeded(app) -> list[tuple[str, set[str]]]:
    with app.app_context():
        return [
            (role.name, set(role.permission_names)) for role in db.session.scalars(select(Role).order_by(Role.rank))
        ]


def test_the_seeded_roles_are_design_sections_table(app):
    assert seeded(app) == DESIGN_TABLE


def test_seeding_again_changes_nothing(app):
    with app.app_context():
        ids = {role.name: role.id for role in db.session.scalars(select(Role))}
        seed_roles()
        seed_roles()
        assert {role.name: role.id for role in db.session.scalars(select(Role))} == ids
    assert seeded(app) == DESIGN_TABLE


def test_a_user_may_do_what_their_role_may_now_and_nothing_when_deactivated(app, make_user):
    user_id = make_user("teacher")
    with app.app_context():
        user = db.session.get(User, user_id)
        assert all(user.can(permission) for permission in TEACHER)
        assert not user.can("directory.write") and not user.can("users.manage")
        user.role = db.session.scalar(select(Role).where(Role.name == "guest"))
        db.session.commit()
        assert user.can("profile.edit") and not user.can("chat.use")
        user.is_active = False
        db.session.commit()
        assert not any(user.can(permission) for permission in SUPER_ADMIN)
