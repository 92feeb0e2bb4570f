"""SQLite connections get WAL, `synchronous` from config and the other pragmas; fold() folds Cyrillic."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from campus import create_app
from campus.core.database import fold
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


def test_an_unknown_synchronous_level_is_refused(tmp_path):
    with pytest.raises(RuntimeError, match="SQLITE_SYNCHRONOUS"):
        create_app(config_for(f"sqlite:///{tmp_path / 'c.db'}", tmp_path, SQLITE_SYNCHRONOUS="SOMETIMES"))


@pytest.mark.parametrize("stored, query", [("Ёжиков", "ЁЖИК"), ("Иванова", "иВаН"), ("ann@example.test", "ANN@")])
def test_fold_matches_case_insensitively_beyond_ascii(app, stored, query):
    with app.app_context():
        statement = sa.select(fold(sa.literal(stored)).contains(fold(sa.literal(query))))
        assert db.session.scalar(statement) is True
