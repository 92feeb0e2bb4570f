"""The Socket.IO packet class of the app: undecodable payloads get an error ack, binary packets
are refused.

A hand-made client can send a packet whose JSON is broken or nested deeper than the parser's
recursion limit (no encoder builds one). python-socketio would raise in its message handler — a
logged traceback and no ack. Decoded by `SocketPacket` instead, it reaches the namespace as the
event `UNDECODABLE_EVENT`, which no handler takes, so its ack id gets a `validation_error`.

§4 defines no binary event, yet python-socketio keeps every binary attachment a packet announces
(up to 10**10 of them) until the last arrives: one socket could fill the server's memory. The
decoder refuses a binary packet (`BinaryPacketRefused`) before anything is buffered, and
`campus.core.socket_guard` closes that connection. Outgoing packets are therefore never binary
either: the recursive search for bytes python-socketio runs on every packet it builds (~30 µs
for a message) is skipped, and they are encoded once, by orjson.
"""

from __future__ import annotations

import json

import orjson
import socketio
from socketio import packet

from campus.core.socket_guard import BinaryPacketRefused

UNDECODABLE_EVENT = "campus:undecodable"


class _TolerantJSON:
    """orjson to encode (compact UTF-8, ~10× the standard library's speed); the standard json
    module to decode — what it accepts is what the schemas' checks were written against — except
    that a payload it can't decode — not JSON, or nested deeper than the parser's recursion limit
    — becomes the event `UNDECODABLE_EVENT`."""

    @staticmethod
    def dumps(obj, *_args, **_kwargs) -> str:
        """Compact JSON text of `obj` (python-socketio asks for compact separators)."""
        return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS).decode()

    @staticmethod
    def loads(text, *args, **kwargs):
        """`json.loads`, or the event `UNDECODABLE_EVENT` for what it can't decode."""
        try:
            return json.loads(text, *args, **kwargs)
        except (ValueError, RecursionError):
            return [UNDECODABLE_EVENT]


class SocketPacket(socketio.packet.Packet):
    """Socket.IO packets (`SocketIO(serializer=...)`) whose undecodable payload reaches the
    namespace as an unknown event, answered by an error ack — not an exception in the server's
    message handler (a logged traceback, no ack) — and that refuse binary packets. Engine.IO's
    own packets keep the standard json module: they rely on its ValueError."""

    json = _TolerantJSON
    uses_binary_events = False

    def decode(self, encoded_packet):
        """Decode a text packet; `BinaryPacketRefused` for a binary frame or a packet announcing
        binary attachments."""
        if not isinstance(encoded_packet, str) or encoded_packet[:1] in (
            str(packet.BINARY_EVENT),
            str(packet.BINARY_ACK),
        ):
            raise BinaryPacketRefused("binary Socket.IO packets are not accepted")
        return super().decode(encoded_packet)
