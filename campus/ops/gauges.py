"""The gauges read at scrape time: sockets per namespace, events in flight, the database pool."""

from __future__ import annotations

from flask import Flask

from campus.core import metrics
from campus.core.sockets import in_flight
from campus.extensions import db, socketio


def sockets_per_namespace() -> dict[tuple, float]:
    """This worker's connected sockets in each namespace (python-socketio's room `None` holds them all)."""
    server = socketio.server
    if server is None:
        return {}
    try:
        rooms = list(server.manager.rooms.items())
    except RuntimeError:  # changed while read (threading mode): the next scrape reads it
        return {}
    return {(namespace,): float(len(by_room.get(None, ()))) for namespace, by_room in rooms}


def pool_reader(app: Flask):
    with app.app_context():
        pool = db.engine.pool

    def read() -> dict[tuple, float]:
        # SQLite in memory (tests) has a pool without counters.
        if not hasattr(pool, "checkedout"):
            return {}
        return {
            ("size",): float(pool.size()),
            ("checked_out",): float(pool.checkedout()),
            ("idle",): float(pool.checkedin()),
            ("overflow",): float(max(pool.overflow(), 0)),
        }

    return read


def register(app: Flask) -> None:
    metrics.register_gauge(
        "campus_sockets",
        "Connected Socket.IO sockets on this worker, by namespace.",
        ["namespace"],
        sockets_per_namespace,
    )
    metrics.register_gauge(
        "campus_socket_events_in_flight",
        "Socket.IO events being handled on this worker.",
        [],
        lambda: {(): float(in_flight.count)},
    )
    metrics.register_gauge(
        "campus_db_pool_connections",
        "This worker's database connection pool: its size, connections checked out, idle and in overflow.",
        ["state"],
        pool_reader(app),
    )
