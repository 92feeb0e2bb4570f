"""A hand-made Engine.IO 4 / Socket.IO 5 client over one plain WebSocket, for what no library
client sends: binary packets, frames larger than they claim, malformed frames.

    sock = RawWebSocket(server.port)                 # WebSocket upgrade + Engine.IO open
    sock.connect_chat({"token": token})             # "40/chat,{...}" → the CONNECT answer
    sock.send_text('451-/chat,["x",{"_placeholder":true,"num":0}]')
    assert sock.closed_by_server()                   # bounded wait for the server to hang up

Every read is bounded in time (`WAIT`); pings are answered while reading.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import time

from tests.support.sockets import NAMESPACE
from tests.support.waiting import WAIT


class RawWebSocket:
    """A blocking WebSocket client speaking raw Engine.IO text and binary frames."""

    def __init__(self, port: int, host: str = "127.0.0.1", *, source: str | None = None, timeout: float = WAIT):
        # `source`: another loopback address (127.0.0.2 …) is another client address to the server.
        self.sock = socket.create_connection(
            (host, port), timeout=timeout, source_address=(source, 0) if source else None
        )
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed during the WebSocket handshake")
            head += chunk
        head, self.buffer = head.split(b"\r\n\r\n", 1)
        self.head = head.decode("latin-1")
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(f"WebSocket handshake refused: {head[:200]!r}")
        self.closed = False
        self.open_packet = json.loads(self.next_text(lambda text: text.startswith("0"))[1:])

    # -- writing -------------------------------------------------------------------------------

    @staticmethod
    def frame_header(length: int, opcode: int = 0x1, fin: bool = True) -> bytes:
        """A masked client frame's header (all-zero mask key) announcing `length` bytes."""
        first = (0x80 if fin else 0) | opcode
        if length < 126:
            return struct.pack("!BB", first, 0x80 | length) + b"\0\0\0\0"
        if length < 65536:
            return struct.pack("!BBH", first, 0x80 | 126, length) + b"\0\0\0\0"
        return struct.pack("!BBQ", first, 0x80 | 127, length) + b"\0\0\0\0"

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send_text(self, text: str) -> None:
        data = text.encode()
        self.sock.sendall(self.frame_header(len(data)) + data)

    def send_binary(self, data: bytes) -> None:
        self.sock.sendall(self.frame_header(len(data), opcode=0x2) + data)

    def connect_chat(self, auth: dict) -> str:
        """Socket.IO CONNECT to `/chat`; the server's answer (`40/chat,…` or `44/chat,…`)."""
        self.send_text("40" + NAMESPACE + "," + json.dumps(auth))
        return self.next_text(lambda text: text.startswith(("40" + NAMESPACE, "44" + NAMESPACE)))

    def emit(self, event: str, data, ack_id: int) -> None:
        self.send_text(f"42{NAMESPACE},{ack_id}" + json.dumps([event, data]))

    # -- reading -------------------------------------------------------------------------------

    def _frames(self):
        """Complete frames in the buffer, as (opcode, payload)."""
        while len(self.buffer) >= 2:
            opcode, length = self.buffer[0] & 0x0F, self.buffer[1] & 0x7F
            offset = 2
            if length == 126:
                if len(self.buffer) < 4:
                    return
                (length,) = struct.unpack("!H", self.buffer[2:4])
                offset = 4
            elif length == 127:
                if len(self.buffer) < 10:
                    return
                (length,) = struct.unpack("!Q", self.buffer[2:10])
                offset = 10
            if len(self.buffer) < offset + length:
                return
            payload, self.buffer = self.buffer[offset : offset + length], self.buffer[offset + length :]
            yield opcode, payload

    def read_texts(self, timeout: float = WAIT) -> list[str]:
        """The text packets that arrive within `timeout` (at least one unless the socket closes);
        Engine.IO pings are answered, not returned."""
        deadline = time.monotonic() + timeout
        texts: list[str] = []
        while not texts and not self.closed:
            for opcode, payload in self._frames():
                if opcode == 0x8:
                    self.closed = True
                elif opcode == 0x1:
                    text = payload.decode()
                    if text == "2":
                        self.send_text("3")
                    else:
                        texts.append(text)
            if texts or self.closed:
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                break
            except OSError:
                chunk = b""
            if not chunk:
                self.closed = True
            self.buffer += chunk
        return texts

    def next_text(self, matches, timeout: float = WAIT) -> str:
        """The first text packet for which `matches(text)` is true; AssertionError otherwise."""
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline and not self.closed:
            for text in self.read_texts(deadline - time.monotonic()):
                if matches(text):
                    return text
                seen.append(text)
        raise AssertionError(f"no matching packet (closed={self.closed}); got {seen[:10]!r}")

    def closed_by_server(self, timeout: float = WAIT) -> bool:
        """Whether the server closes the connection (a close frame or end of stream) within
        `timeout`; what arrives meanwhile is read and dropped."""
        deadline = time.monotonic() + timeout
        while not self.closed and time.monotonic() < deadline:
            self.read_texts(deadline - time.monotonic())
        return self.closed

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self) -> RawWebSocket:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
