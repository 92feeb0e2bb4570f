"""Database helpers shared by every domain: SQLite pragmas, a Unicode-aware `fold()`, text
search with `contains()`, and `commit_or_conflict()`."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import ColumnElement, String, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from campus.core.errors import Conflict
from campus.core.textsearch import stems


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
        cursor.close()
