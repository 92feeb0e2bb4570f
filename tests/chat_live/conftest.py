"""Real-server chat tests: the production entry point in a subprocess, python-socketio clients."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.support.chat_client import CampusApi
from tests.support.server import LiveServer
from tests.support.services_available import require_postgres

# Accounts are registered over HTTP; the login limit is for people, not for a test's dozen users.
LIVE_ENV = {"LOGIN_RATE_LIMIT": "1000 per minute"}


@pytest.fixture
def postgres_database():
    """A throwaway PostgreSQL database (its URL), dropped afterwards."""
    url = make_url(require_postgres())
    name = f"campus_live_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(
        url.set(drivername="postgresql+psycopg2", database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def live(tmp_path):
    """One Campus process (eventlet) on SQLite, on a free loopback port."""
    server = LiveServer(tmp_path, env=LIVE_ENV).start()
    yield server
    server.stop()


@pytest.fixture
def api(live):
    return CampusApi(live.url)
