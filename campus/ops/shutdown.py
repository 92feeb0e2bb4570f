"""State of a worker's graceful shutdown (the drain itself is in `campus.serving`)."""

from __future__ import annotations

import threading

_draining = threading.Event()


def draining() -> bool:
    """True once SIGTERM arrived: `/readyz` answers 503 so balancers stop sending traffic."""
    return _draining.is_set()


def start_draining() -> None:
    _draining.set()
