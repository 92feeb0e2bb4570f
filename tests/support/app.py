"""The app under test: one per test, on that test's fresh database (`db_url`), with its test
client and CLI runner."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from campus import create_app
from campus.extensions import db
from config import DevelopmentConfig, TestingConfig


def config_for(url: str, tmp_path: Path, **overrides) -> type[TestingConfig]:
    """The testing configuration on database `url`, media under `tmp_path`, with `overrides`."""
    attrs = {"SQLALCHEMY_DATABASE_URI": url, "MEDIA_ROOT": str(tmp_path / "media"), **overrides}
    return type("TestConfig", (TestingConfig,), attrs)


class ClosingClient(FlaskClient):
    """Flask's test client, reading every response whole and closing it as a WSGI server does
    (a served file is closed at once, not left to the garbage collector)."""

    def open(self, *args, buffered: bool = True, **kwargs):
        return super().open(*args, buffered=buffered, **kwargs)


@contextmanager
def app_for(config) -> Iterator:
    """An app built from `config` for a test (its own configuration), disposed of after."""
    app = create_app(config)
    app.test_client_class = ClosingClient
    try:
        yield app
    finally:
        # Departures still in their grace (the sockets the test left closed at its end) would be
        # written by a flusher thread into the next test's database: forget them.
        departures = app.extensions.get("campus_chat_offline")
        if departures is not None:
            departures.clear()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(db_url, tmp_path):
    with app_for(config_for(db_url, tmp_path)) as app:
        yield app


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
        {
            "SQLALCHEMY_DATABASE_URI": db_url,
            "MEDIA_ROOT": str(tmp_path / "media"),
            "MAIL_QUEUE_INTERVAL": 0,  # no background sender in tests: they drain the queue
            **cheap_hashing,
        },
    )
    with app_for(config) as app:
        yield app


@pytest.fixture
def unthrottled_app(db_url, tmp_path):
    """The app with rate limits and the chat's flood budget lifted: for tests that send thousands
    of requests or events from one address and one user (fuzzing)."""
    # Not RATELIMIT_ENABLED=False: flask-limiter's one Limiter keeps it for the apps made after.
    lifted = "1000000 per minute"
    overrides = {
        "LOGIN_RATE_LIMIT": lifted,
        "UPLOAD_RATE_LIMIT": lifted,
        "CHAT_EVENT_RATE": 1e9,
        "CHAT_EVENT_BURST": 1e9,
    }
    with app_for(config_for(db_url, tmp_path, **overrides)) as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
