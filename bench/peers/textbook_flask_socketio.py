"""The "textbook Flask-SocketIO app" of the bench suite (issue 14): what the documentation teaches.

    .venv/bin/python bench/peers/textbook_flask_socketio.py [--host 127.0.0.1] [--port 8003]

Written as Flask-SocketIO's documentation and its `example/app.py` write an app, with every
default left alone: `SocketIO(app)` (the async mode Flask-SocketIO picks by itself — eventlet,
since it is installed — no monkey patching), handlers registered with `@socketio.on`, the room
kept in the per-socket `session`, `socketio.run(app)` to serve. No tuning: websocket compression
is accepted when the client offers it, and `socketio.run()` does not set TCP_NODELAY.

A socket connects to the namespace `/chat` with `auth={"room": "<name>"}` and joins that room;
its `send_message` event is broadcast as `message` to the room (the sender too) and acknowledged
with `{"ok": true, "message": …}` — the shape of bench/peers/bare_socketio.py. Nothing is
persisted or checked. `GET /healthz` answers 200 so tests/support/server.LiveServer can start it.
"""

import argparse

from flask import Flask, session
from flask_socketio import SocketIO, emit, join_room

app = Flask(__name__)
app.config["SECRET_KEY"] = "textbook-bench-secret"
socketio = SocketIO(app)


@app.route("/healthz")
def healthz():
    return "ok"


@socketio.on("connect", namespace="/chat")
def connect(auth=None):
    room = auth.get("room") if isinstance(auth, dict) else None
    if not isinstance(room, str):
        return False
    join_room(room)
    session["room"] = room
    return True


@socketio.on("send_message", namespace="/chat")
def send_message(data=None):
    if not isinstance(data, dict):
        return {"ok": False, "error": {"code": "validation_error", "message": "Bad payload."}}
    emit("message", data, to=session["room"])
    return {"ok": True, "message": data}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8003)
    args = parser.parse_args()
    socketio.run(app, host=args.host, port=args.port)
