"""Password hashing: argon2id at the configured cost, re-hashed when the cost changes, refused
settings stop the start-up, and under eventlet or gevent a hash never stalls the hub."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from argon2 import extract_parameters

from campus import create_app
from campus.extensions import db
from campus.users.models import User
from campus.users.passwords import hash_password, verify_password
from config import Config
from tests.support.app import config_for
from tests.support.server import ROOT


def stored_hash(app, user_id: int) -> str:
    with app.app_context():
        return db.session.get(User, user_id).password_hash


def test_production_defaults_are_argon2id_defaults():
    assert (Config.PASSWORD_HASH_TIME_COST, Config.PASSWORD_HASH_MEMORY_COST, Config.PASSWORD_HASH_PARALLELISM) == (
        3,
        65536,
        4,
    )


def test_the_settings_come_from_the_environment():
    script = (
        "from config import Config as C; "
        "print(C.PASSWORD_HASH_TIME_COST, C.PASSWORD_HASH_MEMORY_COST, C.PASSWORD_HASH_PARALLELISM)"
    )
    env = {
        **os.environ,
        "PASSWORD_HASH_TIME_COST": "2",
        "PASSWORD_HASH_MEMORY_COST": "19456",
        "PASSWORD_HASH_PARALLELISM": "1",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["2", "19456", "1"], result.stderr


def test_hashes_use_the_configured_parameters(app, make_user):
    parameters = extract_parameters(stored_hash(app, make_user()))
    assert parameters.type.name == "ID"
    assert (parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (1, 1024, 1)


def test_a_login_rehashes_a_password_made_with_other_parameters(db_url, tmp_path, app, make_user):
    user_id = make_user(email="bob@example.test", password="correct horse 1")
    old = stored_hash(app, user_id)
    stronger = create_app(config_for(db_url, tmp_path, PASSWORD_HASH_TIME_COST=2, PASSWORD_HASH_MEMORY_COST=2048))
    client = stronger.test_client()
    wrong = client.post("/api/v1/auth/token", json={"email": "bob@example.test", "password": "wrong one"})
    assert wrong.status_code == 401
    assert stored_hash(app, user_id) == old  # only a proven password is re-hashed
    right = client.post("/api/v1/auth/token", json={"email": "bob@example.test", "password": "correct horse 1"})
    assert right.status_code == 200
    new = stored_hash(app, user_id)
    assert (extract_parameters(new).time_cost, extract_parameters(new).memory_cost) == (2, 2048)
    with stronger.app_context():
        assert verify_password(new, "correct horse 1") and not verify_password(old, "wrong one")
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize(
    "setting",
    [
        {"PASSWORD_HASH_TIME_COST": 0},
        {"PASSWORD_HASH_MEMORY_COST": 7},
        {"PASSWORD_HASH_PARALLELISM": 0},
    ],
)
def test_settings_argon2_refuses_stop_the_start_up(db_url, tmp_path, setting):
    with pytest.raises(RuntimeError, match="PASSWORD_HASH_"):
        create_app(config_for(db_url, tmp_path, **setting))


def test_unknown_emails_are_checked_against_a_real_hash(app):
    with app.test_request_context():
        assert verify_password(None, "anything") is False
        assert verify_password(None, "campus-dummy-password-for-timing") is False
        assert verify_password(hash_password("x" * 8), "x" * 8) is True


# Runs in a fresh interpreter, monkey-patched like the production entry point: a greenlet
# counts its turns while the main one hashes and verifies. If hashing ran on the hub's own
# thread, the counter could not move before the main greenlet yields again.
HUB_SCRIPT = """
import sys
mode = sys.argv[1]
if mode == "eventlet":
    import eventlet; eventlet.monkey_patch()
    spawn, pause = eventlet.spawn, eventlet.sleep
else:
    from gevent import monkey; monkey.patch_all()
    import gevent
    spawn, pause = gevent.spawn, gevent.sleep

from campus import create_app
from campus.users.passwords import hash_password, verify_password
from config import TestingConfig

app = create_app(type("Hub", (TestingConfig,), {
    "SOCKETIO_ASYNC_MODE": mode, "SQLALCHEMY_DATABASE_URI": "sqlite://",
    "PASSWORD_HASH_TIME_COST": 2, "PASSWORD_HASH_MEMORY_COST": 8192}))
turns = 0

def ticker():  # never ends: a bounded one ran out during the first hash under gevent
    global turns
    while True:
        turns += 1
        pause(0.001)

spawn(ticker)
during_hash = during_verify = 0
with app.app_context():
    # Best of three: eventlet's tpool runs a call inline while any thread holds the import lock
    # (its worker threads may, just after they start), so one call may legitimately not yield.
    for _ in range(3):
        before = turns
        stored = hash_password("correct horse 1")
        during_hash = max(during_hash, turns - before)
        before = turns
        assert verify_password(stored, "correct horse 1")
        during_verify = max(during_verify, turns - before)
print(app.extensions["socketio"].async_mode, during_hash, during_verify)
"""


@pytest.mark.parametrize("mode", ["eventlet", "gevent"])
def test_hashing_leaves_the_hub_serving_others(mode):
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(HUB_SCRIPT), mode],
        cwd=ROOT,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    async_mode, during_hash, during_verify = result.stdout.split()[-3:]
    assert async_mode == mode
    assert int(during_hash) > 0 and int(during_verify) > 0
