"""`flask db upgrade` alone gives a working database: the migrations seed the role table (the
code's `ROLE_GRANTS`, so the two cannot drift apart), `flask seed roles` still runs and changes
nothing, and a database without its roles is refused at start-up and answers 503, never 500."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from campus import create_app
from campus.extensions import db
from campus.ops.health import startup_problems
from campus.roles.models import Permission, Role, role_permissions
from campus.roles.services import PERMISSIONS, seed_roles
from campus.roles.services import role_permissions as code_role_permissions
from campus.serving import main
from tests.support.app import app_for, config_for
from tests.support.database import MIGRATIONS


def run_db(app, *args: str) -> None:
    result = app.test_cli_runner().invoke(args=["db", *args, "--directory", MIGRATIONS])
    assert result.exit_code == 0, result.output + repr(result.exception)


def role_table(app) -> dict[str, set[str]]:
    with app.app_context():
        return {role.name: set(role.permission_names) for role in db.session.scalars(select(Role))}


@pytest.fixture
def empty_app(tmp_path):
    """An app on an empty SQLite database: nothing migrated."""
    with app_for(config_for(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path)) as app:
        yield app


def test_upgrade_alone_seeds_the_code_role_table(empty_app):
    run_db(empty_app, "upgrade")
    assert role_table(empty_app) == code_role_permissions()
    with empty_app.app_context():
        assert {p.name: p.description for p in db.session.scalars(select(Permission))} == PERMISSIONS


def test_upgrade_keeps_roles_seeded_before_it(empty_app):
    """A database that ran `flask seed roles` before the seeding migration keeps its rows."""
    run_db(empty_app, "upgrade", "0040_uploads")
    with empty_app.app_context():
        seed_roles()
        ids = dict(db.session.execute(select(Role.name, Role.id)).all())
    run_db(empty_app, "upgrade")
    with empty_app.app_context():
        assert dict(db.session.execute(select(Role.name, Role.id)).all()) == ids
    assert role_table(empty_app) == code_role_permissions()


def test_seed_roles_after_upgrade_changes_nothing(empty_app):
    run_db(empty_app, "upgrade")
    before = role_table(empty_app)
    result = empty_app.test_cli_runner().invoke(args=["seed", "roles"])
    assert result.exit_code == 0, result.output
    assert role_table(empty_app) == before


def test_registration_works_on_an_upgraded_database(empty_app):
    run_db(empty_app, "upgrade")
    response = empty_app.test_client().post(
        "/api/v1/auth/register",
        json={"email": "first@example.test", "password": "a long password 1", "first_name": "Ann", "last_name": "Lee"},
    )
    assert response.status_code == 201, response.get_json()


@pytest.fixture
def roles_dropped(app):
    """The role table emptied for one test, seeded again after it (PostgreSQL keeps it between tests)."""
    with app.app_context():
        db.session.execute(delete(role_permissions))
        db.session.execute(delete(Role))
        db.session.commit()
    yield
    with app.app_context():
        seed_roles()


def test_missing_roles_answer_503_not_500(app, roles_dropped):
    response = app.test_client().post(
        "/api/v1/auth/register",
        json={"email": "late@example.test", "password": "a long password 1", "first_name": "Ann", "last_name": "Lee"},
    )
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "not_ready"
    assert "flask db upgrade" in response.get_json()["error"]["message"]


def test_startup_check_passes_a_migrated_database(app, empty_app):
    assert startup_problems(app) == {}
    assert "migrations" in startup_problems(empty_app)


def test_startup_check_names_what_is_missing(app, roles_dropped):
    assert "role 'user'" in startup_problems(app)["reference_data"]


def test_the_entry_point_refuses_an_unmigrated_database(tmp_path):
    config = config_for(f"sqlite:///{tmp_path / 'never-migrated.db'}", tmp_path)
    with pytest.raises(SystemExit) as refused:
        main("threading", ["--port", "0"], factory=lambda: create_app(config))
    assert "flask db upgrade" in str(refused.value)
