"""The `/chat` Socket.IO namespace (DESIGN.md §4)."""
from __future__ import annotations

from flask import g
from flask_socketio import Namespace, join_room

from campus.core.sockets import authenticate_socket, user_room


class ChatNamespace(Namespace):
    """Authenticated on connect; every event answers with an ack."""

    def on_connect(self, auth=None):
        user, _claims = authenticate_socket(auth)
        join_room(user_room(user.id))
        return True
