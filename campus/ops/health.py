"""What a worker needs before it may take traffic: its database (reachable, migrated to the
head, reference data present) and its Redis (the message queue and the rate-limit store).

`problems(app)` is the readiness probe's answer; `startup_problems(app)` what the entry point
refuses to start without (Redis may come later: a worker starts, unready, and turns ready).
"""

from __future__ import annotations

import logging
from pathlib import Path

import redis
import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask

from campus.extensions import db
from campus.roles.services import missing_reference_data

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def script_heads() -> set[str]:
    """The newest revisions among the migrations shipped with this code."""
    return set(ScriptDirectory(str(MIGRATIONS)).get_heads())


def database_problems(app: Flask) -> dict[str, str]:
    """Empty when the database answers, is at the migrations' head and has its roles."""
    heads = app.extensions["campus.migration_heads"]
    try:
        with db.engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    except sa.exc.SQLAlchemyError as error:
        return {"database": f"unreachable ({type(getattr(error, 'orig', None) or error).__name__})"}
    if current != heads:
        return {
            "migrations": f"database at {sorted(current) or 'nothing'}, code at {sorted(heads)}: run `flask db upgrade`"
        }
    try:
        missing = missing_reference_data()
    finally:
        db.session.remove()
    if missing:
        return {"reference_data": "missing " + ", ".join(missing) + ": run `flask db upgrade`"}
    return {}


def redis_urls(app: Flask) -> dict[str, str]:
    """The Redis servers this worker depends on, by what it uses them for."""
    urls = {
        "redis": app.config.get("SOCKETIO_MESSAGE_QUEUE"),
        "rate_limit_store": app.config.get("RATELIMIT_STORAGE_URI"),
    }
    return {name: url for name, url in urls.items() if url and url.startswith(("redis://", "rediss://"))}


def redis_problems(app: Flask) -> dict[str, str]:
    """Empty when every Redis this worker uses answers a PING within READY_TIMEOUT."""
    timeout = app.config["READY_TIMEOUT"]
    found = {}
    for name, url in redis_urls(app).items():
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            client.ping()
        except redis.RedisError as error:
            found[name] = f"unreachable ({type(error).__name__})"
        finally:
            client.close()
    return found


def problems(app: Flask) -> dict[str, str]:
    """Everything that keeps this worker from serving, by check name (empty: ready)."""
    return {**database_problems(app), **redis_problems(app)}


def startup_problems(app: Flask) -> dict[str, str]:
    with app.app_context():
        return database_problems(app)


def init_app(app: Flask) -> None:
    app.extensions["campus.migration_heads"] = script_heads()
