"""Limits on what one Socket.IO connection can make the server hold (docs/design.md#socket-limits).

python-socketio and python-engineio trust their peer more than a public server may:

- a packet may announce up to 10**10 binary attachments, each kept until the last arrives — the
  app's decoder (`campus.chat.packets.SocketPacket`) raises `BinaryPacketRefused` instead, and
  the guard closes that connection;
- under gevent and threading (simple-websocket) a WebSocket message is read whole before
  engine.io compares it with `max_http_buffer_size` — the guard hands simple-websocket the same
  bound, so reading stops there (eventlet already stops at the frame header);
- what the server sends waits in an unbounded queue per connection: a client that never reads
  makes the server keep every broadcast — past `SOCKETIO_MAX_QUEUED_BYTES` the connection is
  dropped with its queue;
- a connection that never authenticates is kept forever — after `SOCKETIO_AUTH_TIMEOUT` seconds
  without a socket in the authenticated namespace it is closed;
- a socket outlives its credentials — the namespace tells the guard when they expire (`end_at`)
  and the guard's sweeper disconnects it then;
- every event runs in a task of its own, read as fast as the client sends — the guard reads a
  connection's next frame only while it has fewer than `IN_FLIGHT` events in hand;
- a malformed frame logs a traceback each time — the guard logs one line, at most one a minute.

The guard also counts open connections per client address, for the namespace's cap. The WebSocket
wrappers and the one-line log are in `campus.core.socket_drivers`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from contextlib import nullcontext
from typing import Any

from campus.core.socket_drivers import (
    CountingWebSocket,
    OneLinePerInterval,
    bounded_simple_server,
    is_simple_websocket,
)

log = logging.getLogger(__name__)

QUEUE_CHECK_FROM = 32  # queued packets before their bytes are counted (a reading client has ~0)
IN_FLIGHT = 16  # events of one connection handled at once; its next frame waits to be read


class BinaryPacketRefused(ValueError):
    """A binary Socket.IO packet: no event of Campus takes one."""


class SocketGuard:
    """Installed on a python-socketio `Server` once it is built (see the module doc)."""

    def __init__(self, server, *, namespace: str, auth_timeout: float, max_queued_bytes: int) -> None:
        self.server = server
        self.eio = server.eio
        self.namespace = namespace
        self.auth_timeout = auth_timeout
        self.max_queued_bytes = max_queued_bytes
        self.malformed = OneLinePerInterval(log)
        self.dropped = OneLinePerInterval(log)
        self._address_of: dict[str, str] = {}
        self._per_address: Counter[str] = Counter()
        # engine.io sid → since when it has been without an authenticated socket (None: it has one)
        self._unauthenticated_since: dict[str, float | None] = {}
        self._ends: dict[str, float] = {}  # namespace sid → when its credentials expire (epoch)
        self._unsent: dict[str, int] = {}  # engine.io sid → bytes handed to its WebSocket, not yet written
        self._in_flight: Counter[str] = Counter()  # engine.io sid → events started, not finished
        # Under eventlet or gevent every section below runs on the hub's one thread and none
        # yields while it holds the lock: a green lock there only costs (~3 µs a delivery).
        self._lock = threading.Lock() if server.async_mode == "threading" else nullcontext()
        self._sweeping = False

    def install(self) -> SocketGuard:
        handlers = self.eio.handlers
        self._on_connect, self._on_message, self._on_disconnect = (
            handlers["connect"],
            handlers["message"],
            handlers["disconnect"],
        )
        handlers.update(connect=self._connect, message=self._message, disconnect=self._disconnect)
        self._send_packet = self.eio.send_packet
        self.eio.send_packet = self._bounded_send_packet
        self._handle_event, self._handle_event_internal = self.server._handle_event, self.server._handle_event_internal
        self.server._handle_event, self.server._handle_event_internal = self._event_started, self._event_handled
        self._bound_websocket_messages()
        return self

    # --- connections ------------------------------------------------------------------------

    def _connect(self, eio_sid: str, environ: dict, *args):
        address = environ.get("REMOTE_ADDR") or "?"
        with self._lock:
            self._address_of[eio_sid] = address
            self._per_address[address] += 1
            self._unauthenticated_since[eio_sid] = time.monotonic()
        self._start_sweeping()
        return self._on_connect(eio_sid, environ, *args)

    def _disconnect(self, eio_sid: str, *args):
        with self._lock:
            self._unauthenticated_since.pop(eio_sid, None)
            self._unsent.pop(eio_sid, None)
            address = self._address_of.pop(eio_sid, None)
            if address is not None:
                self._per_address[address] -= 1
                if self._per_address[address] <= 0:
                    del self._per_address[address]
        return self._on_disconnect(eio_sid, *args)

    def connections_from(self, address: str | None) -> int:
        """Open connections (authenticated or not) from a client address on this worker."""
        with self._lock:
            return self._per_address.get(address or "?", 0)

    def _authenticated(self, eio_sid: str) -> bool:
        manager = self.server.manager
        sid = manager.sid_from_eio_sid(eio_sid, self.namespace)
        return sid is not None and manager.is_connected(sid, self.namespace)

    def end_at(self, sid: str, when: float | None) -> None:
        """Disconnect the namespace socket `sid` at `when` (epoch seconds: its credentials'
        expiry), unless this is called again with a later time (re-authenticated) or None."""
        with self._lock:
            if when is None:
                self._ends.pop(sid, None)
            else:
                self._ends[sid] = when

    def _start_sweeping(self) -> None:
        if self._sweeping:
            return
        self._sweeping = True
        self.server.start_background_task(self._sweep_forever)

    def _sweep_forever(self) -> None:
        interval = min(1.0, self.auth_timeout / 2) if self.auth_timeout > 0 else 1.0
        while True:
            self.server.sleep(interval)
            try:
                self.sweep()
            except Exception:  # the sweeper must outlive one bad round
                log.exception("socket guard: sweeping connections failed")

    def sweep(self) -> None:
        """Close the connections that have been without an authenticated socket for
        `auth_timeout` seconds (a new one, or one whose socket was disconnected), and disconnect
        the sockets whose credentials expired."""
        now, wall = time.monotonic(), time.time()
        with self._lock:
            sessions = list(self._unauthenticated_since.items())
            expired = [sid for sid, when in self._ends.items() if when <= wall]
            for sid in expired:
                del self._ends[sid]
        for sid in expired:
            self._end_socket(sid)
        if self.auth_timeout <= 0:
            return
        for eio_sid, since in sessions:
            authenticated = self._authenticated(eio_sid)
            with self._lock:
                if eio_sid not in self._unauthenticated_since:
                    continue
                if authenticated:
                    self._unauthenticated_since[eio_sid] = None
                    continue
                if since is None:
                    self._unauthenticated_since[eio_sid] = now
                    continue
            if now - since >= self.auth_timeout:
                log.info("socket guard: closing %s, not authenticated for %s s", eio_sid, self.auth_timeout)
                self.close(eio_sid)

    def _end_socket(self, sid: str) -> None:
        """End a socket whose credentials expired by closing its connection, as a network
        failure would: Socket.IO clients reconnect by themselves then (with a fresh token, when
        `auth` is a callable), where a server-side disconnect is not retried."""
        manager = self.server.manager
        if not manager.is_connected(sid, self.namespace):
            return
        eio_sid = manager.eio_sid_from_sid(sid, self.namespace)
        if eio_sid in self.eio.sockets:
            self.close(eio_sid)
        else:  # no engine.io connection of its own here (Flask-SocketIO's test client)
            self.server.disconnect(sid, namespace=self.namespace)

    def close(self, eio_sid: str, *, drop_queue: bool = False) -> None:
        """Close an engine.io connection (its disconnect handlers run); optionally drop what
        waits to be sent to it first."""
        try:
            sock = self.eio._get_socket(eio_sid)
        except KeyError:
            return
        if drop_queue:
            empty = self.eio.get_queue_empty_exception()
            try:
                while True:
                    sock.queue.get(block=False)
                    sock.queue.task_done()
            except empty:
                pass
        sock.close(wait=False, abort=drop_queue)

    # --- incoming ---------------------------------------------------------------------------

    def _event_started(self, eio_sid: str, namespace, *args):
        """python-socketio hands each event to a task of its own: count those of a connection."""
        manager = self.server.manager
        if manager.is_connected(manager.sid_from_eio_sid(eio_sid, namespace or "/"), namespace or "/"):
            with self._lock:
                self._in_flight[eio_sid] += 1
        return self._handle_event(eio_sid, namespace, *args)

    def _event_handled(self, server, sid, eio_sid, *args):
        try:
            return self._handle_event_internal(server, sid, eio_sid, *args)
        finally:
            with self._lock:
                self._in_flight[eio_sid] -= 1
                if self._in_flight[eio_sid] <= 0:
                    del self._in_flight[eio_sid]

    def _message(self, eio_sid: str, data: Any):
        # A connection with IN_FLIGHT events in hand is read no further until one is done: a
        # client pipelining events makes TCP wait, not the server hold their payloads.
        while self._in_flight.get(eio_sid, 0) >= IN_FLIGHT and eio_sid in self.eio.sockets:
            self.server.sleep(0.005)
        try:
            return self._on_message(eio_sid, data)
        except BinaryPacketRefused:
            self.dropped("socket %s sent a binary Socket.IO packet; connection closed", self._address(eio_sid))
            self.close(eio_sid)
        except Exception as error:  # a malformed frame: one line, no traceback
            self.malformed(
                "malformed Socket.IO packet from %s: %s: %s",
                self._address(eio_sid),
                type(error).__name__,
                str(error)[:200],
            )
        return None

    def _address(self, eio_sid: str) -> str:
        with self._lock:
            return self._address_of.get(eio_sid, "?")

    def _bound_websocket_messages(self) -> None:
        """Count what each WebSocket has written (for the queue bound) and, for simple-websocket
        (gevent, threading) — which reads whole messages, and ahead of the handler without limit
        — apply the bound eventlet applies per frame, and make its reader wait while `READ_AHEAD`
        messages are waiting (TCP then pushes back on the client)."""
        websocket_class = (self.eio._async or {}).get("websocket")
        if websocket_class is None:
            return
        guard = self
        if not is_simple_websocket(websocket_class):

            class CountingWebSocket(websocket_class):
                def __init__(self, handler, server, **kwargs):
                    super().__init__(guard._counting(handler), server, **kwargs)

            self.eio._async = {**self.eio._async, "websocket": CountingWebSocket}
            return
        server_class = bounded_simple_server(self.server.sleep)
        limit = int(self.eio.max_http_buffer_size)

        class BoundedWebSocket(websocket_class):
            def __init__(self, handler, server, **kwargs):
                super().__init__(guard._counting(handler), server, **kwargs)

            def __call__(self, environ, start_response):
                self.server_args["max_message_size"] = limit
                self.ws = server_class(environ, **self.server_args)
                ret = self.app(self)
                if self.ws.mode == "gunicorn":
                    raise StopIteration()
                if self.ws.mode == "werkzeug":
                    raise ConnectionError()
                return ret

        self.eio._async = {**self.eio._async, "websocket": BoundedWebSocket}

    def _counting(self, handler):
        """engine.io's WebSocket handler, given a WebSocket that counts what it writes."""
        eio_sid = getattr(getattr(handler, "__self__", None), "sid", None)

        def counted(ws):
            try:
                return handler(CountingWebSocket(ws, lambda n: self._written(eio_sid, n)))
            except Exception as error:  # a malformed Engine.IO frame ends engine.io's reader
                self.malformed(
                    "malformed Engine.IO frame from %s: %s: %s",
                    self._address(eio_sid),
                    type(error).__name__,
                    str(error)[:200],
                )
                self.close(eio_sid)
                return []

        return counted

    # --- outgoing ---------------------------------------------------------------------------

    def _bounded_send_packet(self, eio_sid: str, pkt) -> None:
        """engine.io's `send_packet`, dropping a connection whose unsent bytes pass the bound:
        over a WebSocket, what was handed over and not yet written (the writer takes the whole
        queue at once); over long polling, what waits in the queue."""
        sock = self.eio.sockets.get(eio_sid)
        if sock is not None and self.max_queued_bytes > 0:
            size = len(pkt.data) + 1 if isinstance(pkt.data, (str, bytes)) else 64
            if sock.upgraded:
                with self._lock:
                    unsent = self._unsent.get(eio_sid, 0) + size
                    self._unsent[eio_sid] = unsent
            else:
                unsent = self._queued_bytes(sock) if sock.queue.qsize() >= QUEUE_CHECK_FROM else 0
            if unsent > self.max_queued_bytes:
                self.dropped("socket from %s does not read (%d bytes unsent): dropped", self._address(eio_sid), unsent)
                self.server.start_background_task(self.close, eio_sid, drop_queue=True)
                return None
        return self._send_packet(eio_sid, pkt)

    def _written(self, eio_sid: str | None, size: int) -> None:
        if eio_sid is None:
            return
        with self._lock:
            if eio_sid in self._unsent:
                self._unsent[eio_sid] -= size

    @staticmethod
    def _queued_bytes(sock) -> int:
        waiting = list(getattr(sock.queue, "queue", ()))
        return sum(len(p.data) if isinstance(p.data, (str, bytes)) else 64 for p in waiting if p is not None)
