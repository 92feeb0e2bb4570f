"""The Socket.IO packet class of the app: a payload that can't be decoded gets an error ack.

A hand-made client can send a packet whose JSON is broken or nested deeper than the parser's
recursion limit (no encoder builds one). python-socketio would raise in its message handler — a
logged traceback and no ack. Decoded by `SocketPacket` instead, it reaches the namespace as the
event `UNDECODABLE_EVENT`, which no handler takes, so its ack id gets a `validation_error`.
"""

from __future__ import annotations

import json

import socketio

UNDECODABLE_EVENT = "campus:undecodable"


class _TolerantJSON:
    """The standard json module, except that a payload it can't decode — not JSON, or nested
    deeper than the parser's recursion limit — becomes the event `UNDECODABLE_EVENT`."""

    dumps = staticmethod(json.dumps)

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
    message handler (a logged traceback, no ack). Engine.IO's own packets keep the standard
    json module: they rely on its ValueError."""

    json = _TolerantJSON
