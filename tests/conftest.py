"""Fixtures shared by the whole suite: a fresh database per test, clients, users, tokens.

The database is SQLite by default; set CAMPUS_TEST_DATABASE_URL to a PostgreSQL URL to run the
same tests there (CI does). The schema always comes from the migrations.
"""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from campus import create_app
from campus.extensions import db
from config import DevelopmentConfig, TestingConfig, database_url
from tests.support import services_available

TEST_DATABASE_URL = database_url(os.environ.get("CAMPUS_TEST_DATABASE_URL", ""))
IN_CI = os.environ.get("CI", "").lower() == "true"
MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


def config_for(url: str, tmp_path: Path, **overrides) -> type[TestingConfig]:
    attrs = {"SQLALCHEMY_DATABASE_URI": url, "MEDIA_ROOT": str(tmp_path / "media"), **overrides}
    return type("TestConfig", (TestingConfig,), attrs)


def migrate_and_seed(url: str, tmp_path: Path) -> None:
    from campus.roles.services import seed_roles

    app = create_app(config_for(url, tmp_path))
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        seed_roles()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    """A migrated, role-seeded database: a template file (SQLite) or a fresh PostgreSQL database."""
    tmp = tmp_path_factory.mktemp("db")
    if TEST_DATABASE_URL.startswith("postgresql"):
        services_available.require_postgres(TEST_DATABASE_URL)
        url = make_url(TEST_DATABASE_URL)
        name = f"campus_test_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        test_url = url.set(database=name).render_as_string(hide_password=False)
        migrate_and_seed(test_url, tmp)
        yield {"kind": "postgresql", "url": test_url}
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        template = tmp / "template.db"
        migrate_and_seed(f"sqlite:///{template}", tmp)
        yield {"kind": "sqlite", "template": template}


_counter = itertools.count()


def fresh_database_url(database, tmp_path: Path) -> str:
    if database["kind"] == "sqlite":
        path = tmp_path / f"campus-{next(_counter)}.db"
        shutil.copyfile(database["template"], path)
        return f"sqlite:///{path}"
    return database["url"]


def reset_postgres(url: str) -> None:
    """Empty every table but the seeded roles and permissions."""
    engine = sa.create_engine(url)
    keep = {"roles", "permissions", "role_permissions", "alembic_version"}
    tables = [t.name for t in db.metadata.sorted_tables if t.name not in keep]
    with engine.begin() as conn:
        if tables:
            conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def db_url(database, tmp_path):
    url = fresh_database_url(database, tmp_path)
    if database["kind"] == "postgresql":
        reset_postgres(url)
    return url


@pytest.fixture
def app(db_url, tmp_path):
    app = create_app(config_for(db_url, tmp_path))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def dev_app(db_url, tmp_path):
    """The development configuration (demo data allowed) on the test's database, hashing cheaply."""
    cheap_hashing = {
        name: getattr(TestingConfig, name)
        for name in ("PASSWORD_HASH_TIME_COST", "PASSWORD_HASH_MEMORY_COST", "PASSWORD_HASH_PARALLELISM")
    }
    config = type(
        "DevTest",
        (DevelopmentConfig,),
        {"SQLALCHEMY_DATABASE_URI": db_url, "MEDIA_ROOT": str(tmp_path / "media"), **cheap_hashing},
    )
    app = create_app(config)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Create an account: `make_user(role="admin", email=..., password=...)` → its id."""
    from campus.users.services import register_user

    counter = itertools.count(1)

    def make(
        role: str = "user",
        *,
        email: str | None = None,
        password: str = "correct horse 1",
        first_name: str = "Test",
        last_name: str | None = None,
        active: bool = True,
        **extra,
    ) -> int:
        n = next(counter)
        with app.app_context():
            user = register_user(
                email=email or f"{role}{n}@example.test",
                password=password,
                first_name=first_name,
                last_name=last_name or f"User{n}",
                role_name=role,
            )
            user.is_active = active
            for name, value in extra.items():
                setattr(user, name, value)
            db.session.commit()
            return user.id

    return make


class Auth:
    """Tokens and headers for a user id, minted the way the API would."""

    def __init__(self, app):
        self.app = app

    def tokens(self, user_id: int) -> dict[str, str]:
        from campus.users.models import User
        from campus.users.tokens import issue_tokens

        with self.app.test_request_context():
            return issue_tokens(db.session.get(User, user_id))

    def token(self, user_id: int) -> str:
        return self.tokens(user_id)["access_token"]

    def headers(self, user_id: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user_id)}"}


@pytest.fixture
def auth(app):
    return Auth(app)
