"""Statements compiled once and run on a DBAPI cursor: the hot socket events' SQL without the
Session or Connection around it.

A SQLAlchemy Core statement costs ~40–60 µs to run through `Connection.execute` even when its
compiled form is cached — more than SQLite spends running it. `Prepared` compiles a statement
once per dialect and keeps what `Connection.execute` would redo on every call: the SQL string,
the order of its parameters and their bind processors (a `UTCDateTime` becomes what the column
stores, a `JSON` value its text, a boolean SQLite's integer). The statements stay defined as Core
expressions next to the ORM path that uses them too (`campus.chat.messages`).

Each run is announced to the engine's `before_cursor_execute` listeners (without a
`Connection`: there is none), so statement counts and SQL logging see these statements too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.sql import ClauseElement


class Prepared:
    """One Core statement, compiled for one engine's dialect."""

    __slots__ = ("_defaults", "_names", "_plan", "_positional", "engine", "sql")

    def __init__(self, engine: Engine, statement: ClauseElement, column_keys: list[str] | None = None):
        compiled = statement.compile(dialect=engine.dialect, column_keys=column_keys)
        self.engine = engine
        self.sql = compiled.string
        self._positional = compiled.positional
        self._names = tuple(compiled.positiontup) if compiled.positional else tuple(compiled.binds)
        # The statement's own literals (the 1 of `last_seq + 1`) are binds with a value.
        self._defaults = {name: bind.effective_value for name, bind in compiled.binds.items() if not bind.required}
        # SQLAlchemy's own per-type conversions, as its execution applies them (a private but
        # stable attribute of the compiled statement since 1.4), in parameter order.
        processors = compiled._bind_processors
        self._plan = tuple((name, processors.get(name)) for name in self._names)

    def parameters(self, values: Mapping[str, Any]) -> tuple | dict:
        """The DBAPI parameters for `values` (a value per bind name; the statement's literals
        need none)."""
        if self._defaults:
            values = {**self._defaults, **values}
        converted = [values[name] if processor is None else processor(values[name]) for name, processor in self._plan]
        return tuple(converted) if self._positional else dict(zip(self._names, converted, strict=True))

    def run(self, cursor, values: Mapping[str, Any]):
        """Execute on a DBAPI cursor (in its connection's transaction); the cursor."""
        parameters = self.parameters(values)
        dispatch = self.engine.dispatch.before_cursor_execute
        if dispatch:
            for listener in dispatch:
                listener(None, cursor, self.sql, parameters, None, False)
        cursor.execute(self.sql, parameters)
        return cursor
