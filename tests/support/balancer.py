"""A loopback TCP load balancer for rolling-restart tests (nginx's role, in-process).

    with Balancer([("127.0.0.1", a.port), ("127.0.0.1", b.port)]) as balancer:
        ChatSocket(balancer.url, token).connect()

Each new connection goes to the next upstream in turn; an upstream that refuses the connection
(a worker restarting) is skipped for the next, as nginx's `proxy_next_upstream error` does. Bytes
are forwarded unchanged and nothing is sticky: clients use the websocket transport, one
connection per Socket.IO session. `routed` counts connections per upstream.
"""

from __future__ import annotations

import itertools
import socket
import threading
from collections import Counter

from tests.support.proxy import TcpProxy, _close


class Balancer(TcpProxy):
    def __init__(self, upstreams: list[tuple[str, int]], host: str = "127.0.0.1"):
        super().__init__(upstreams[0], host)
        self.upstreams = list(upstreams)
        self.routed: Counter = Counter()
        self._turn = itertools.count()
        self._turn_lock = threading.Lock()

    def _forward(self, client: socket.socket) -> None:
        with self._turn_lock:
            first = next(self._turn)
        for step in range(len(self.upstreams)):
            upstream = self.upstreams[(first + step) % len(self.upstreams)]
            try:
                server = socket.create_connection(upstream, timeout=5)
            except OSError:
                continue
            self.routed[upstream[1]] += 1
            self._pair(client, server)
            return
        _close(client)
