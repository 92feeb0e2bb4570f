"""The "bare tuned python-socketio server" of docs/design.md#hot-paths: the floor Campus is measured against.

    .venv/bin/python bench/peers/bare_socketio.py [--host 127.0.0.1] [--port 8001]

python-socketio on eventlet, nothing else: no database, no authentication, no schema. A socket
connects to the namespace `/chat` with `auth={"room": "<name>"}` and joins that room; its
`send_message` event is broadcast as `message` to the whole room (the sender's own sockets too,
as Campus does) and acknowledged with `{"ok": true, "message": …}`. Tuned as `campus/serving.py`
tunes Campus: websocket compression off, TCP_NODELAY on the listening socket, a high connection
cap and listen backlog. `GET /healthz` answers 200 so `tests/support/server.LiveServer` can
start it.
"""

import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import socket  # noqa: E402

import eventlet.wsgi  # noqa: E402
import socketio  # noqa: E402

NAMESPACE = "/chat"

sio = socketio.Server(async_mode="eventlet", logger=False, engineio_logger=False)
room_of: dict[str, str] = {}


@sio.on("connect", namespace=NAMESPACE)
def connect(sid, _environ, auth=None):
    room = auth.get("room") if isinstance(auth, dict) else None
    if not isinstance(room, str):
        return False
    sio.enter_room(sid, room, namespace=NAMESPACE)
    room_of[sid] = room
    return True


@sio.on("disconnect", namespace=NAMESPACE)
def disconnect(sid, *_reason):
    room_of.pop(sid, None)


@sio.on("send_message", namespace=NAMESPACE)
def send_message(sid, data=None):
    room = room_of.get(sid)
    if room is None or not isinstance(data, dict):
        return {"ok": False, "error": {"code": "validation_error", "message": "Bad payload."}}
    sio.emit("message", data, to=room, namespace=NAMESPACE)
    return {"ok": True, "message": data}


def healthz(_environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


def without_websocket_compression(app):
    """As `campus.serving.without_websocket_compression`: hide the client's deflate offer."""

    def middleware(environ, start_response):
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return app(environ, start_response)

    return middleware


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    app = without_websocket_compression(socketio.WSGIApp(sio, healthz))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((args.host, args.port))
    sock.listen(4096)
    eventlet.wsgi.server(
        eventlet.green.socket.socket(sock), app, max_size=20_000, log_output=False, socket_timeout=None
    )


if __name__ == "__main__":
    main()
