"""Pieces of `campus.core.socket_guard`: a rate-limited log line, and the WebSocket wrappers it
gives the async driver (counting what is written; simple-websocket reading within bounds)."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any


class OneLinePerInterval:
    """Log one line about malformed input per `interval` seconds, counting those left out."""

    def __init__(self, logger: logging.Logger, interval: float = 60.0) -> None:
        self.logger, self.interval = logger, interval
        self._last, self._skipped = float("-inf"), 0
        self._lock = threading.Lock()

    def __call__(self, message: str, *args: Any) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._last < self.interval:
                self._skipped += 1
                return
            skipped, self._skipped, self._last = self._skipped, 0, now
        suffix = f" ({skipped} more not logged in the last {self.interval:.0f} s)" if skipped else ""
        self.logger.warning(message + suffix, *args)


class CountingWebSocket:
    """A WebSocket of the async driver whose `send` reports the bytes written."""

    def __init__(self, ws, written) -> None:
        self._ws, self._report = ws, written

    def send(self, data):
        result = self._ws.send(data)
        self._report(len(data))
        return result

    def __getattr__(self, name):
        return getattr(self._ws, name)


READ_AHEAD = 16  # complete WebSocket messages simple-websocket may hold before the handler takes them


def bounded_simple_server(sleep):
    """simple-websocket's Server whose reader thread pauses while `READ_AHEAD` messages wait."""
    import simple_websocket

    class BoundedServer(simple_websocket.Server):
        def _handle_events(self):
            keep_going = super()._handle_events()
            while keep_going and self.connected and len(self.input_buffer) >= READ_AHEAD:
                sleep(0.005)
            return keep_going

    return BoundedServer


def is_simple_websocket(websocket_class: type) -> bool:
    from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI

    return issubclass(websocket_class, SimpleWebSocketWSGI)
