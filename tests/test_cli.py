"""The command line: `flask seed roles|demo` and `flask users create-admin EMAIL`."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from campus.audit.models import AuditEntry
from campus.extensions import db
from campus.roles.models import Permission, Role
from campus.users.models import User

PASSWORD = "a long password 1"


def role_table(app) -> list[tuple]:
    with app.app_context():
        return [
            (role.id, role.name, role.rank, tuple(sorted(role.permission_names)))
            for role in db.session.scalars(select(Role).order_by(Role.id))
        ]


def permission_rows(app) -> list[tuple]:
    with app.app_context():
        return [(p.id, p.name) for p in db.session.scalars(select(Permission).order_by(Permission.id))]


def user_by_email(app, email: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            db.session.expunge(user)
        return user


def role_name(app, email: str) -> str:
    with app.app_context():
        return db.session.scalar(select(User).where(User.email == email)).role.name


# --- seed roles -----------------------------------------------------------------------------


def test_seed_roles_is_idempotent(app, runner):
    before_roles, before_permissions = role_table(app), permission_rows(app)
    for _ in range(2):
        result = runner.invoke(args=["seed", "roles"])
        assert result.exit_code == 0, result.output
        assert role_table(app) == before_roles
        assert permission_rows(app) == before_permissions


def test_seed_roles_repairs_a_changed_role(app, runner):
    expected = role_table(app)
    with app.app_context():
        role = db.session.scalar(select(Role).where(Role.name == "admin"))
        role.permissions = []
        db.session.commit()
    assert runner.invoke(args=["seed", "roles"]).exit_code == 0
    assert role_table(app) == expected


def test_seeded_roles_follow_design_table(app):
    roles = {name: set(permissions) for _, name, _, permissions in role_table(app)}
    assert [name for _, name, _, _ in role_table(app)] == [
        "guest",
        "user",
        "student",
        "teacher",
        "moderator",
        "admin",
        "super_admin",
    ]
    assert roles["guest"] == {"profile.edit"}
    order = ["user", "student", "teacher", "moderator", "admin", "super_admin"]
    for lower, higher in itertools.pairwise(order):
        assert roles[lower] < roles[higher], (lower, higher)
    assert "users.manage" in roles["admin"] and "users.manage_admins" not in roles["admin"]
    assert "users.manage_admins" in roles["super_admin"]


# --- seed demo ------------------------------------------------------------------------------


def test_seed_demo_refuses_outside_development(app, runner):
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code != 0
    assert "development" in result.output
    with app.app_context():
        assert db.session.scalar(select(User)) is None


def test_seed_demo_in_development_creates_one_account_per_role_once(dev_app):
    runner = dev_app.test_cli_runner()
    first = runner.invoke(args=["seed", "demo"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["seed", "demo"])
    assert second.exit_code == 0, second.output
    with dev_app.app_context():
        users = db.session.scalars(select(User).order_by(User.id)).all()
        assert sorted(user.role.name for user in users) == sorted(
            ["guest", "user", "student", "teacher", "moderator", "admin", "super_admin"]
        )


# --- users create-admin ---------------------------------------------------------------------


def test_create_admin_with_password_option(app, runner, client):
    result = runner.invoke(args=["users", "create-admin", "Root@Example.test", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert role_name(app, "root@example.test") == "super_admin"
    token = client.post("/api/v1/auth/token", json={"email": "root@example.test", "password": PASSWORD})
    assert token.status_code == 200
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry))
        assert (entry.action, entry.actor_id, entry.new_value) == ("user.created_admin", None, "super_admin")


def test_create_admin_asks_for_the_password_twice(app, runner, client):
    result = runner.invoke(args=["users", "create-admin", "root@example.test"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Password" in result.output and PASSWORD not in result.output
    assert (
        client.post("/api/v1/auth/token", json={"email": "root@example.test", "password": PASSWORD}).status_code == 200
    )


def test_create_admin_with_admin_role(app, runner):
    result = runner.invoke(args=["users", "create-admin", "a@example.test", "--password", PASSWORD, "--role", "admin"])
    assert result.exit_code == 0, result.output
    assert role_name(app, "a@example.test") == "admin"


def test_create_admin_promotes_an_existing_account(app, runner, make_user):
    make_user("user", email="known@example.test")
    result = runner.invoke(args=["users", "create-admin", "known@example.test", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert role_name(app, "known@example.test") == "super_admin"
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry))
        assert (entry.action, entry.old_value, entry.new_value) == ("user.role_changed", "user", "super_admin")


def test_create_admin_may_not_demote_the_last_super_admin(app, runner, make_user):
    make_user("super_admin", email="only@example.test")
    result = runner.invoke(
        args=["users", "create-admin", "only@example.test", "--password", PASSWORD, "--role", "admin"]
    )
    assert result.exit_code != 0
    assert "last super admin" in result.output
    assert role_name(app, "only@example.test") == "super_admin"


@pytest.mark.parametrize(
    "args, input_text",
    [
        (["not-an-email", "--password", PASSWORD], None),
        (["@example.test", "--password", PASSWORD], None),
        (["ok@example.test", "--password", "short"], None),
        (["ok@example.test", "--password", PASSWORD, "--role", "pope"], None),
        (["ok@example.test"], f"{PASSWORD}\nsomething else\n"),
        ([], None),
    ],
)
def test_create_admin_refuses_bad_input(app, runner, args, input_text):
    result = runner.invoke(args=["users", "create-admin", *args], input=input_text)
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)
    with app.app_context():
        assert db.session.scalar(select(User)) is None
