"""Database helpers shared by every domain: SQLite pragmas, a Unicode-aware `fold()`, text
search with `contains()`, and `commit_or_conflict()`."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import ColumnElement, String, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from campus.core.concurrency import offload
from campus.core.errors import Conflict
from campus.core.textsearch import stems

log = logging.getLogger(__name__)


class fold(FunctionElement):  # noqa: N801 - used like the SQL function it stands for
    """Case-folded text for case-insensitive search, Cyrillic included.

    SQLite's `lower()` folds only ASCII, so there it calls a Python function registered on every
    connection; PostgreSQL's `lower()` folds by the database's UTF-8 ctype.
    """

    type = String()
    inherit_cache = True


@compiles(fold)
def _fold_default(element, compiler, **kw):
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(fold, "sqlite")
def _fold_sqlite(element, compiler, **kw):
    return f"campus_fold({compiler.process(element.clauses, **kw)})"


def _casefold(value):
    return value.casefold() if isinstance(value, str) else value


def contains(expr: ColumnElement[Any], text: str) -> ColumnElement[bool]:
    """`expr LIKE '%text%'` with `%`, `_` and the escape character in `text` taken literally.

    Pair it with `fold()` on both sides for a case-insensitive search.
    """
    return expr.contains(text, autoescape=True)


def commit_or_conflict(
    session: Session, message: str, *, code: str | None = None, fields: dict[str, list[str]] | None = None
) -> None:
    """Commit; when a constraint refuses it (a unique value or a foreign key that a concurrent
    request changed after the checks), roll back and raise `Conflict(message)`: a 409, not a 500."""
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(message, code=code, fields=fields) from None


def configure_sqlite(app: Flask, engine: Engine) -> None:
    """WAL, a busy timeout, foreign keys, and the configured `synchronous` level on each connection."""
    if engine.dialect.name != "sqlite":
        return
    synchronous = app.config.get("SQLITE_SYNCHRONOUS", "NORMAL").upper()
    if synchronous not in ("OFF", "NORMAL", "FULL", "EXTRA"):
        raise RuntimeError(f"SQLITE_SYNCHRONOUS must be OFF, NORMAL, FULL or EXTRA, not {synchronous}")
    # Whether this process checkpoints the WAL itself (`checkpoint_in_background`).
    background = app.extensions.setdefault("campus_sqlite_checkpoints", {"in_background": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.create_function("campus_fold", 1, _casefold, deterministic=True)
        # The message search index's triggers call it (docs/design.md#search-in-messages).
        dbapi_connection.create_function("campus_stems", 1, stems, deterministic=True)
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA temp_store=MEMORY")
        if background["in_background"]:
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()


def checkpoint_in_background(
    app: Flask, engine: Engine, run: Callable[[Callable[[], None]], None], sleep: Callable[[float], None]
) -> bool:
    """Checkpoint a SQLite file's WAL every `SQLITE_CHECKPOINT_INTERVAL` seconds from an OS
    thread, instead of in the commit that passes SQLite's threshold (1,000 pages).

    That commit copies the WAL back into the database and syncs it: milliseconds during which
    the event loop, whose thread runs every SQLite call, serves nobody — a send's commit took
    ~400 µs on average with it, ~130 µs without (docs/performance.md, "Suite"). `run(loop)` starts
    the loop as a background task of the server, `sleep` is its hub's; each checkpoint is `PASSIVE` (it waits for no reader or
    writer) on a connection of its own, in a thread (`campus.core.concurrency.offload`). False
    (SQLite's own checkpoints stay) for PostgreSQL, an in-memory database or an interval of 0.
    """
    interval = float(app.config.get("SQLITE_CHECKPOINT_INTERVAL") or 0)
    path = engine.url.database
    if engine.dialect.name != "sqlite" or path in (None, "", ":memory:") or interval <= 0:
        return False
    app.extensions["campus_sqlite_checkpoints"]["in_background"] = True
    engine.dispose()  # connections opened from now on leave the checkpoints to the loop

    def checkpoint() -> None:
        connection = sqlite3.connect(path, timeout=5)
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            connection.close()

    def loop() -> None:
        while True:
            sleep(interval)
            try:
                with app.app_context():
                    offload(checkpoint)
            except Exception:  # a locked or vanished file: SQLite catches up at the next one
                log.exception("WAL checkpoint failed")

    run(loop)
    return True
