"""Real-server chat tests: the production entry point in a subprocess, python-socketio clients."""

from __future__ import annotations

import pytest

from tests.support.chat_client import CampusApi
from tests.support.database import throwaway_postgres_database
from tests.support.server import LIFTED_LOGIN_LIMIT, LiveServer
from tests.support.services_available import require_postgres


@pytest.fixture
def postgres_database():
    """A throwaway PostgreSQL database (its URL), dropped afterwards."""
    with throwaway_postgres_database(require_postgres(), "campus_live") as url:
        yield url


@pytest.fixture
def live(tmp_path):
    """One Campus process (eventlet) on SQLite, on a free loopback port."""
    server = LiveServer(tmp_path, env=LIFTED_LOGIN_LIMIT).start()
    yield server
    server.stop()


@pytest.fixture
def api(live):
    return CampusApi(live.url)
