"""The production entry point (`python wsgi.py`) for real, under eventlet (the default) and gevent.

Each mode gets one server per module: pages and API answer, `/chat` lets a token in over the
websocket transport and refuses with the token codes (docs/protocol.md), foreign Origins are refused at the
HTTP handshake, and §5's traps are off: no websocket compression, TCP_NODELAY on.
"""

from __future__ import annotations

import ctypes
import os
import socket
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.server.clients import ChatClient
from tests.support.accounts import bearer
from tests.support.chat_client import CampusApi
from tests.support.server import LiveServer

pytestmark = pytest.mark.server

ALLOWED_ORIGIN = "https://app.example.edu"


@pytest.fixture(scope="module", params=["eventlet", "gevent"])
def server(request, tmp_path_factory):
    server = LiveServer(
        tmp_path_factory.mktemp(f"live-{request.param}"),
        mode=request.param,
        env={"SOCKETIO_ALLOWED_ORIGINS": ALLOWED_ORIGIN},
    ).start()
    yield server
    server.stop()


@pytest.fixture
def chat_client():
    clients: list[ChatClient] = []

    def make(origin: str | None = "own") -> ChatClient:
        clients.append(ChatClient(origin))
        return clients[-1]

    yield make
    for client in clients:
        client.close()


def test_serves_health_and_api_in_its_async_mode(server):
    assert requests.get(server.url + "/healthz", timeout=10).status_code == 200
    account = CampusApi(server.url).register("live")
    me = requests.get(server.url + "/api/v1/users/me", headers=bearer(account.token), timeout=10)
    assert me.status_code == 200 and me.json()["id"] == account.id
    assert f"({server.mode})" in server.log_text()


def test_socket_with_a_token_is_accepted(server, chat_client):
    token = CampusApi(server.url).register("live").token
    client = chat_client().connect(server.url, auth={"token": token})
    assert client.connected and client.refusal is None
    assert client.sio.transport() == "websocket"


@pytest.mark.parametrize(
    "auth, code",
    [
        (None, "token_missing"),
        ({"token": "garbage"}, "token_invalid"),
    ],
)
def test_socket_without_a_good_token_is_refused_with_its_code(server, chat_client, auth, code):
    assert chat_client().connect(server.url, auth=auth).refused_with() == code


def test_socket_of_a_logged_out_token_is_token_revoked(server, chat_client):
    token = CampusApi(server.url).register("live").token
    logout = requests.post(server.url + "/api/v1/auth/logout", headers=bearer(token), timeout=10)
    assert logout.status_code == 204
    assert chat_client().connect(server.url, auth={"token": token}).refused_with() == "token_revoked"


# --- Origin, checked at the HTTP handshake ---------------------------------------------------


def polling_handshake(server, origin: str | None):
    headers = {"Origin": origin} if origin else {}
    return requests.get(server.url + "/socket.io/?EIO=4&transport=polling", headers=headers, timeout=10)


def test_foreign_origin_is_refused_at_the_handshake(server, chat_client):
    assert polling_handshake(server, "http://evil.example").status_code == 400
    token = CampusApi(server.url).register("live").token
    client = chat_client(origin="http://evil.example").connect(server.url, auth={"token": token})
    assert not client.connected
    assert client.refusal is not None and client.refusal != {"message": "unauthorized"}


@pytest.mark.parametrize("origin", [None, "same", ALLOWED_ORIGIN])
def test_own_listed_or_no_origin_passes_the_handshake(server, origin):
    response = polling_handshake(server, server.url if origin == "same" else origin)
    assert response.status_code == 200 and response.text.startswith("0{")


@pytest.mark.parametrize("origin", [None, "own", ALLOWED_ORIGIN])
def test_websocket_from_an_allowed_or_no_origin_is_judged_by_its_token(server, chat_client, origin):
    token = CampusApi(server.url).register("live").token
    assert chat_client(origin).connect(server.url, auth={"token": token}).connected
    assert chat_client(origin).connect(server.url).refused_with() == "token_missing"


# --- the known traps (docs/design.md#known-traps) -------------------------------------------------------------------


def websocket_upgrade(server) -> socket.socket:
    """A raw websocket handshake offering permessage-deflate, as every browser does."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.sendall(
        (
            "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{server.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
        ).encode()
    )
    return sock


def response_head(sock: socket.socket) -> str:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        assert chunk, f"connection closed after {data!r}"
        data += chunk
    return data.split(b"\r\n\r\n")[0].decode("latin-1")


def test_websocket_compression_is_never_negotiated(server):
    with websocket_upgrade(server) as sock:
        head = response_head(sock)
    assert head.startswith("HTTP/1.1 101")
    assert "sec-websocket-extensions" not in head.lower()


@contextmanager
def server_side_of(server, client: socket.socket):
    """A duplicate of the server process's end of `client`'s connection (pidfd_getfd)."""
    client_port = client.getsockname()[1]
    pid = server.process.pid
    inode = None
    for line in Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port, remote_port = (int(fields[i].split(":")[1], 16) for i in (1, 2))
        if (local_port, remote_port) == (server.port, client_port):
            inode = fields[9]
    assert inode, "the server has no socket for this connection"
    fd = next(
        int(entry.name) for entry in Path(f"/proc/{pid}/fd").iterdir() if os.readlink(entry) == f"socket:[{inode}]"
    )
    pidfd = os.pidfd_open(pid)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        duplicate = libc.syscall(438, pidfd, fd, 0)  # SYS_pidfd_getfd (Linux ≥ 5.6)
        if duplicate < 0:
            pytest.skip(f"pidfd_getfd refused: {os.strerror(ctypes.get_errno())}")
    finally:
        os.close(pidfd)
    sock = socket.socket(fileno=duplicate)
    try:
        yield sock
    finally:
        sock.close()  # closes only the duplicate; the server's descriptor stays open


def test_accepted_connections_have_tcp_nodelay(server):
    with websocket_upgrade(server) as client:
        response_head(client)  # the server has accepted and answered on this connection
        with server_side_of(server, client) as accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
