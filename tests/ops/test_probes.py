"""`/healthz` says the process is alive; `/readyz` whether it may take traffic: database reachable,
migrated and seeded, every Redis it uses answering, and not shutting down."""

from __future__ import annotations

import pytest

from campus.ops import shutdown
from tests.support.app import app_for, config_for
from tests.support.server import free_port


def test_healthz_and_readyz_on_a_ready_worker(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready"}


def test_readyz_is_unready_on_an_unmigrated_database(tmp_path):
    with app_for(config_for(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path)) as app:
        client = app.test_client()
        assert client.get("/healthz").status_code == 200
        response = client.get("/readyz")
    assert response.status_code == 503
    assert set(response.get_json()["problems"]) == {"migrations"}


def test_readyz_is_unready_while_a_redis_it_uses_is_down(db_url, tmp_path):
    """The rate-limit store on a closed port (a real connection refused, no stand-in)."""
    closed = f"redis://127.0.0.1:{free_port()}/0"
    with app_for(config_for(db_url, tmp_path, RATELIMIT_STORAGE_URI=closed)) as app:
        response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["problems"] == {"rate_limit_store": "unreachable (ConnectionError)"}


@pytest.fixture
def draining():
    shutdown.start_draining()
    yield
    shutdown._draining.clear()


def test_readyz_is_unready_while_draining(client, draining):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["problems"] == {"shutdown": "draining"}
    assert client.get("/healthz").status_code == 200


def test_readyz_is_unready_while_the_database_is_unreachable(tmp_path):
    """PostgreSQL on a closed port: a refused connection, named, no traceback."""
    url = f"postgresql+psycopg2://postgres@127.0.0.1:{free_port()}/campus"
    with app_for(config_for(url, tmp_path)) as app:
        client = app.test_client()
        assert client.get("/healthz").status_code == 200
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["problems"] == {"database": "unreachable (OperationalError)"}
