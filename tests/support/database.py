"""A fresh database for every test, migrated from `migrations/` (never from the models).

SQLite by default: one migrated template file per run (the migrations seed the roles), copied for each test. With
CAMPUS_TEST_DATABASE_URL set to a PostgreSQL URL (CI's second pass), one throwaway database per
run, emptied before each test.
"""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from campus import create_app
from campus.extensions import db
from config import database_url
from tests.support import services_available
from tests.support.app import config_for

TEST_DATABASE_URL = database_url(os.environ.get("CAMPUS_TEST_DATABASE_URL", ""))
MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")


@contextmanager
def throwaway_postgres_database(server_url: str, prefix: str = "campus_test") -> Iterator[str]:
    """A new, empty database on the PostgreSQL server at `server_url`: its URL (same driver as
    `server_url`), dropped afterwards even if its connections are still open."""
    url = make_url(server_url)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(
        url.set(drivername="postgresql+psycopg2", database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def migrate(url: str, tmp_path: Path) -> None:
    """`flask db upgrade`, nothing else: the migrations seed the roles and permissions."""
    app = create_app(config_for(url, tmp_path))
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        db.engine.dispose()


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    """A migrated, role-seeded database: a template file (SQLite) or a fresh PostgreSQL database."""
    tmp = tmp_path_factory.mktemp("db")
    if TEST_DATABASE_URL.startswith("postgresql"):
        services_available.require_postgres(TEST_DATABASE_URL)
        with throwaway_postgres_database(TEST_DATABASE_URL) as test_url:
            migrate(test_url, tmp)
            yield {"kind": "postgresql", "url": test_url}
    else:
        template = tmp / "template.db"
        migrate(f"sqlite:///{template}", tmp)
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
    """The URL of this test's own database: migrated, roles seeded, nothing else."""
    url = fresh_database_url(database, tmp_path)
    if database["kind"] == "postgresql":
        reset_postgres(url)
    return url
