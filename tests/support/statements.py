"""Counting the SQL statements a block runs, to pin a hot path's count (zulip's
`assert_database_query_count`): a change that adds a statement fails its test and says which.

    with assert_statement_count(db_engine, 4):
        sock.ack("send_message", ...)

Every statement SQLAlchemy sends through the engine's connections counts (`before_cursor_execute`),
whatever thread runs it; the driver's own BEGIN and COMMIT and the SQLite pragmas run on connect
do not.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine


@contextmanager
def statements_run(engine: Engine) -> Iterator[list[str]]:
    """The SQL of every statement run through `engine` inside the block, in order."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@contextmanager
def assert_statement_count(engine: Engine, count: int) -> Iterator[list[str]]:
    """Fail unless the block runs exactly `count` statements through `engine`; lists them if not."""
    with statements_run(engine) as statements:
        yield statements
    if len(statements) != count:
        listing = "\n".join(f"{n}. {' '.join(sql.split())}" for n, sql in enumerate(statements, start=1))
        raise AssertionError(f"{len(statements)} statements ran, {count} expected:\n{listing}")
