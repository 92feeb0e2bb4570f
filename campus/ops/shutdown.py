"""A worker's graceful shutdown (docs/design.md#graceful-restarts).

On SIGTERM the entry point (`campus.serving`) stops accepting connections and calls `drain`:
`/readyz` turns unready, every Socket.IO connection is dropped at the transport (no close packet:
every Socket.IO client, the browser's and python-socketio alike, takes a lost transport as a cue
to reconnect, through the balancer, to a worker still accepting), and the events already being
handled finish — each ack goes out only after its commit, so an acked message is stored; an ack
lost with the connection is answered again when the client resends with the same `client_id`.
"""

from __future__ import annotations

import logging
import threading
import time

from campus.core import metrics
from campus.core.sockets import in_flight

log = logging.getLogger(__name__)

_draining = threading.Event()

# How often the drain looks at the events in flight (a spawned handler starts within one look).
POLL_SECONDS = 0.05


def draining() -> bool:
    """True once SIGTERM arrived: `/readyz` answers 503 so balancers stop sending traffic."""
    return _draining.is_set()


def start_draining() -> None:
    _draining.set()


def close_sockets(socketio) -> int:
    """Drop every Engine.IO connection of this worker (their Socket.IO `disconnect` handlers run);
    how many there were."""
    eio = socketio.server.eio
    sockets = list(eio.sockets.items())
    for sid, socket in sockets:
        try:
            socket.close(wait=False, abort=True, reason=eio.reason.SERVER_DISCONNECT)
        except Exception:  # one broken socket must not keep the others open
            log.exception("closing socket %s on shutdown", sid)
        eio.sockets.pop(sid, None)
    metrics.SHUTDOWN_SOCKETS.inc(len(sockets))
    return len(sockets)


def wait_for_events(deadline: float) -> bool:
    """Wait until no event is being handled (seen twice in a row), or `deadline` (monotonic)."""
    quiet = 0
    while time.monotonic() < deadline:
        quiet = quiet + 1 if in_flight.count == 0 else 0
        if quiet >= 2:
            return True
        time.sleep(POLL_SECONDS)
    return in_flight.count == 0


def drain(socketio, deadline: float) -> None:
    """Unready, sockets dropped, events in flight finished (or `deadline` passed)."""
    start_draining()
    closed = close_sockets(socketio)
    finished = wait_for_events(deadline)
    log.warning(
        "Shutting down: %d socket(s) told to reconnect, %s",
        closed,
        "every event finished" if finished else f"{in_flight.count} event(s) still running at the deadline",
    )
