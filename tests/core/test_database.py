"""SQLite connections get WAL, `synchronous` from config and the other pragmas; fold() folds Cyrillic;
contains() takes LIKE's wildcards literally; commit_or_conflict() turns a refused commit into a 409."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from campus import create_app
from campus.core.database import checkpoint_in_background, commit_or_conflict, contains, fold
from campus.core.errors import Conflict
from campus.extensions import db
from tests.support.app import config_for


def pragmas(app) -> dict[str, object]:
    with app.app_context(), db.engine.connect() as connection:
        return {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }


@pytest.mark.parametrize("setting, level", [(None, 1), ("NORMAL", 1), ("full", 2), ("EXTRA", 3)])
def test_sqlite_file_connections_use_wal_and_the_configured_synchronous(tmp_path, setting, level):
    overrides = {"SQLITE_SYNCHRONOUS": setting} if setting else {}
    app = create_app(config_for(f"sqlite:///{tmp_path / 'c.db'}", tmp_path, **overrides))
    assert pragmas(app) == {"journal_mode": "wal", "synchronous": level, "foreign_keys": 1, "busy_timeout": 5000}


def test_every_pooled_connection_gets_the_pragmas(tmp_path):
    app = create_app(config_for(f"sqlite:///{tmp_path / 'c.db'}", tmp_path, SQLITE_SYNCHRONOUS="FULL"))
    with app.app_context(), db.engine.connect() as first, db.engine.connect() as second:
        levels = [c.exec_driver_sql("PRAGMA synchronous").scalar() for c in (first, second)]
    assert levels == [2, 2]


def test_background_checkpoints_take_sqlites_own_off_new_connections(tmp_path):
    app = create_app(config_for(f"sqlite:///{tmp_path / 'c.db'}", tmp_path, SQLITE_CHECKPOINT_INTERVAL=1.0))
    loops = []
    with app.app_context():
        before = db.session.connection().exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
        db.session.remove()
        assert checkpoint_in_background(app, db.engine, loops.append, sleep=None)
        with db.engine.connect() as connection:
            after = connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
    assert (before, after, len(loops)) == (1000, 0, 1)


@pytest.mark.parametrize(
    "url, interval",
    [("sqlite://", 1.0), ("sqlite:///{tmp}/c.db", 0), ("postgresql+psycopg2://nobody@127.0.0.1/none", 1.0)],
)
def test_no_background_checkpoints_without_a_sqlite_file_or_an_interval(tmp_path, url, interval):
    app = create_app(config_for(url.format(tmp=tmp_path), tmp_path, SQLITE_CHECKPOINT_INTERVAL=interval))
    loops = []
    with app.app_context():
        assert not checkpoint_in_background(app, db.engine, loops.append, sleep=None)
    assert loops == []


def test_an_unknown_synchronous_level_is_refused(tmp_path):
    with pytest.raises(RuntimeError, match="SQLITE_SYNCHRONOUS"):
        create_app(config_for(f"sqlite:///{tmp_path / 'c.db'}", tmp_path, SQLITE_SYNCHRONOUS="SOMETIMES"))


@pytest.mark.parametrize("stored, query", [("Ёжиков", "ЁЖИК"), ("Иванова", "иВаН"), ("ann@example.test", "ANN@")])
def test_fold_matches_case_insensitively_beyond_ascii(app, stored, query):
    with app.app_context():
        statement = sa.select(fold(sa.literal(stored)).contains(fold(sa.literal(query))))
        assert db.session.scalar(statement) is True


@pytest.mark.parametrize(
    "stored, needle, found",
    [
        ("50% off", "0% o", True),
        ("500 off", "0% o", False),
        ("a_b", "a_b", True),
        ("axb", "a_b", False),
        ("a/b", "/", True),
    ],
)
def test_contains_takes_like_wildcards_literally(app, stored, needle, found):
    with app.app_context():
        assert db.session.scalar(sa.select(contains(sa.literal(stored), needle))) is found


def test_a_commit_a_constraint_refuses_is_a_conflict_and_rolled_back(app, make_user):
    from campus.users.models import User

    first = make_user(email="taken@example.test")
    second = make_user(email="other@example.test")
    with app.app_context():
        db.session.get(User, second).email = "taken@example.test"
        with pytest.raises(Conflict) as refused:
            commit_or_conflict(db.session, "Taken.", code="email_taken", fields={"email": ["Already in use."]})
        assert refused.value.to_dict() == {
            "code": "email_taken",
            "message": "Taken.",
            "fields": {"email": ["Already in use."]},
        }
        # The session is usable again and nothing changed.
        assert db.session.get(User, second).email == "other@example.test"
        assert db.session.get(User, first).email == "taken@example.test"
