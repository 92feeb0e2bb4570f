"""A loopback TCP proxy a test controls, to cut a client's connections for real.

    proxy = TcpProxy(("127.0.0.1", server.port)).start()
    page.goto(proxy.url + "/chat")      # the browser talks to the server only through the proxy
    proxy.hold()                        # new connections wait (accepted, not forwarded) …
    proxy.cut()                         # … and every current one is closed, both sides
    ...                                 # the others write meanwhile
    proxy.resume()                      # waiting and new connections go through again

Bytes are forwarded unchanged, so the browser's `Host` and `Origin` both name the proxy and the
Socket.IO same-origin check holds. `refuse()` closes new connections at once instead (a client
sees a reset); `hold()` keeps them waiting, which a browser does not report as an error.
(Playwright's `set_offline` does not close WebSockets, so tests cut connections here.)
"""

from __future__ import annotations

import selectors
import socket
import threading

ACCEPT, HOLD, REFUSE = "accept", "hold", "refuse"


class TcpProxy:
    def __init__(self, upstream: tuple[str, int], host: str = "127.0.0.1"):
        self.upstream = upstream
        self.listener = socket.create_server((host, 0))
        self.host, self.port = self.listener.getsockname()[:2]
        self.url = f"http://{self.host}:{self.port}"
        self.mode = ACCEPT
        self.accepted = 0  # connections accepted so far (all modes)
        self._lock = threading.Lock()
        self._pairs: set[tuple[socket.socket, socket.socket]] = set()
        self._held: list[socket.socket] = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, name="tcp-proxy", daemon=True)

    def start(self) -> TcpProxy:
        self._thread.start()
        return self

    # ---- control ----

    def cut(self) -> int:
        """Close every forwarded connection (both sides); returns how many were cut."""
        with self._lock:
            pairs, self._pairs = self._pairs, set()
        for pair in pairs:
            for sock in pair:
                _close(sock)
        return len(pairs)

    def hold(self) -> None:
        """New connections are accepted but wait, unforwarded, until `resume()`."""
        self.mode = HOLD

    def refuse(self) -> None:
        """New connections are closed as soon as they are accepted."""
        self.mode = REFUSE
        with self._lock:
            held, self._held = self._held, []
        for sock in held:
            _close(sock)

    def resume(self) -> None:
        """Forward again, starting with the connections that were held."""
        with self._lock:
            self.mode = ACCEPT
            held, self._held = self._held, []
        for client in held:
            self._forward(client)

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._pairs)

    def stop(self) -> None:
        self._stopped.set()
        _close(self.listener)
        self.refuse()
        self.cut()
        self._thread.join(5)

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---- plumbing ----

    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            with self._lock:
                mode = self.mode
                if mode == HOLD:
                    self._held.append(client)
                    continue
            if mode == REFUSE:
                _close(client)
            else:
                self._forward(client)

    def _forward(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            _close(client)
            return
        self._pair(client, server)

    def _pair(self, client: socket.socket, server: socket.socket) -> None:
        """Forward between an accepted client and its upstream connection, in a thread."""
        server.settimeout(None)
        for sock in (client, server):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pair = (client, server)
        with self._lock:
            self._pairs.add(pair)
        threading.Thread(target=self._pump, args=(pair,), name="tcp-proxy-pump", daemon=True).start()

    def _pump(self, pair: tuple[socket.socket, socket.socket]) -> None:
        """Copy bytes both ways until either side closes (or `cut()` closes both)."""
        client, server = pair
        peer = {client: server, server: client}
        selector = selectors.DefaultSelector()
        try:
            for sock in pair:
                selector.register(sock, selectors.EVENT_READ)
            while True:
                for key, _events in selector.select(timeout=1):
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    peer[key.fileobj].sendall(data)
                if self._stopped.is_set():
                    return
        except (OSError, ValueError):
            return  # a side was closed, possibly by cut()
        finally:
            selector.close()
            with self._lock:
                self._pairs.discard(pair)
            for sock in pair:
                _close(sock)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass
