"""What one socket can make the real server hold (docs/design.md#socket-limits), under eventlet and
gevent: binary packets are refused before anything is buffered, a WebSocket message stops at
`SOCKETIO_MAX_HTTP_BUFFER_SIZE`, a client that never reads is dropped, a connection that does not
authenticate is closed, sockets are capped per user and per address, and a malformed frame logs
one line."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import jwt
import pytest

from tests.support.chat_client import CampusApi
from tests.support.raw_socket import RawWebSocket
from tests.support.server import LIFTED_LOGIN_LIMIT, LiveServer
from tests.support.waiting import eventually

pytestmark = pytest.mark.server

AUTH_TIMEOUT = 2
MAX_PER_USER = 3
MAX_PER_ADDRESS = 6


@pytest.fixture(scope="module", params=["eventlet", "gevent"])
def server(request, tmp_path_factory):
    server = LiveServer(
        tmp_path_factory.mktemp(f"limits-{request.param}"),
        mode=request.param,
        env={
            **LIFTED_LOGIN_LIMIT,
            "SOCKETIO_AUTH_TIMEOUT": str(AUTH_TIMEOUT),
            "SOCKETIO_MAX_PER_USER": str(MAX_PER_USER),
            "SOCKETIO_MAX_PER_ADDRESS": str(MAX_PER_ADDRESS),
            "SOCKETIO_MAX_QUEUED_BYTES": str(256 * 1024),
            "CHAT_EVENT_RATE": "10000",
            "CHAT_EVENT_BURST": "10000",
        },
    ).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def api(server):
    return CampusApi(server.url)


@pytest.fixture
def raw(server):
    sockets: list[RawWebSocket] = []

    def make() -> RawWebSocket:
        sockets.append(RawWebSocket(server.port))
        return sockets[-1]

    yield make
    for sock in sockets:
        sock.close()


def signed_in(raw, api) -> RawWebSocket:
    token = api.register("raw").token  # first: the connection has AUTH_TIMEOUT seconds to sign in
    sock = raw()
    assert sock.connect_chat({"token": token}).startswith("40/chat")
    return sock


def test_a_packet_announcing_binary_attachments_closes_the_connection(server, api, raw):
    sock = signed_in(raw, api)
    sock.send_text('4599999999-/chat,1["x",{"_placeholder":true,"num":0}]')
    assert sock.closed_by_server()


def test_a_binary_frame_closes_the_connection(server, api, raw):
    sock = signed_in(raw, api)
    sock.send_binary(b"\x00" * 1024)
    assert sock.closed_by_server()


def test_a_message_larger_than_the_bound_is_not_read_to_its_end(server, api, raw):
    # The header announces 100 MB; the server must hang up after the first 64 KB or so, not wait
    # for the rest (which never comes).
    sock = signed_in(raw, api)
    sock.send_raw(RawWebSocket.frame_header(100 * 1024 * 1024) + b"4" * (256 * 1024))
    assert sock.closed_by_server()


def test_events_still_work_next_to_the_limits(server, api, raw):
    sock = signed_in(raw, api)
    sock.emit("sync", {"cursors": {}}, ack_id=7)
    assert sock.next_text(lambda text: text.startswith("43/chat,7")) == '43/chat,7[{"ok":true,"chats":[]}]'


def test_a_connection_that_does_not_authenticate_is_closed(server, api, raw):
    idle = raw()
    chatting = signed_in(raw, api)
    assert idle.closed_by_server()
    chatting.emit("sync", {"cursors": {}}, ack_id=1)
    assert chatting.next_text(lambda text: text.startswith("43/chat,1")).endswith('[{"ok":true,"chats":[]}]')


def refusal(answer: str) -> str:
    assert answer.startswith("44/chat,"), answer
    body = json.loads(answer[len("44/chat,") :])
    assert body["message"] == "unauthorized"
    return body["data"]["code"]


def test_sockets_per_user_are_capped(server, api):
    token = api.register("many").token
    sockets: list[RawWebSocket] = []
    try:
        answers = []
        for _ in range(MAX_PER_USER + 1):
            sockets.append(RawWebSocket(server.port, source="127.0.0.3"))
            answers.append(sockets[-1].connect_chat({"token": token}))
        assert all(answer.startswith("40/chat") for answer in answers[:MAX_PER_USER])
        assert refusal(answers[-1]) == "too_many_connections"
        sockets[0].close()

        def another_connects() -> bool:
            with RawWebSocket(server.port, source="127.0.0.3") as sock:
                return sock.connect_chat({"token": token}).startswith("40/chat")

        assert eventually(another_connects)
    finally:
        for sock in sockets:
            sock.close()


def test_connections_per_address_are_capped(server, api):
    tokens = [api.register(f"addr{i}").token for i in range(3)]
    sockets: list[RawWebSocket] = []
    try:
        answers = []
        for i in range(MAX_PER_ADDRESS + 1):
            sockets.append(RawWebSocket(server.port, source="127.0.0.2"))
            answers.append(sockets[-1].connect_chat({"token": tokens[i // MAX_PER_USER]}))
        assert all(answer.startswith("40/chat") for answer in answers[:MAX_PER_ADDRESS])
        assert refusal(answers[-1]) == "too_many_connections"
        # Another address is not affected.
        with RawWebSocket(server.port, source="127.0.0.4") as other:
            assert other.connect_chat({"token": tokens[2]}).startswith("40/chat")
    finally:
        for sock in sockets:
            sock.close()


def test_a_client_that_does_not_read_is_dropped_with_its_queue(server, api):
    owner = api.register("writer")
    chat = api.group(owner, [])
    body = "x" * 4000
    for i in range(100):
        api.ok(owner, "POST", f"/chats/{chat['id']}/messages", json={"client_id": f"c{i}", "body": body})
    with RawWebSocket(server.port) as sock:
        sock.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        assert sock.connect_chat({"token": owner.token}).startswith("40/chat")
        # Each answer is ~400 KB; 60 of them (24 MB) are far more than the socket buffers take.
        for ack_id in range(60):
            sock.emit("sync", {"cursors": {str(chat["id"]): 0}}, ack_id=ack_id)
        assert sock.closed_by_server(timeout=60)


def test_a_malformed_frame_logs_one_line(server, api, raw):
    sock = signed_in(raw, api)
    before = server.log_text()
    for frame in ["4x", "49", "47", "40/chat,{", "4-", '42/nowhere,["x"]']:
        sock.send_text(frame)
    sock.emit("sync", {"cursors": {}}, ack_id=3)
    sock.next_text(lambda text: text.startswith("43/chat,3"))
    with RawWebSocket(server.port) as garbage:  # not even Engine.IO: the connection ends
        garbage.send_text("x")
        assert garbage.closed_by_server()
    logged = server.log_text()[len(before) :]
    assert "Traceback" not in logged
    assert len([line for line in logged.splitlines() if "malformed" in line.lower()]) == 1, logged


def short_lived(server, token: str, seconds: int = 2) -> str:
    """`token` re-signed with the live server's key to expire in `seconds`."""
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["exp"] = int(time.time()) + seconds
    return jwt.encode(claims, server.environment()["JWT_SECRET_KEY"], algorithm="HS256")


def test_a_socket_ends_at_its_tokens_expiry_unless_reauthenticated(server, api, raw):
    account = api.register("expiring")
    renewed = raw()
    assert renewed.connect_chat({"token": short_lived(server, account.token, seconds=5)}).startswith("40/chat")
    renewed.emit("reauthenticate", {"token": account.token}, ack_id=1)
    assert '"ok":true' in renewed.next_text(lambda text: text.startswith("43/chat,1"))
    ending = raw()
    assert ending.connect_chat({"token": short_lived(server, account.token, seconds=6)}).startswith("40/chat")
    assert ending.closed_by_server()  # past the renewed socket's first expiry too
    renewed.emit("sync", {"cursors": {}}, ack_id=2)
    assert renewed.next_text(lambda text: text.startswith("43/chat,2")).endswith('[{"ok":true,"chats":[]}]')


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_pipelined_events_wait_in_tcp_not_in_the_server(server, api, raw):
    """60 MB of 60 KB events sent without waiting: the server reads a connection's next frame
    only while it has few events in hand, so its memory does not follow what the client sends
    (before: every payload was held by a task of its own, ~1 MB of memory per MB sent)."""
    sock = signed_in(raw, api)
    frame = "42/chat,1" + json.dumps(["typing", {"chat_id": 1, "typing": True, "pad": "x" * 60_000}])
    before = rss_mb(server.process.pid)
    sock.sock.settimeout(30)
    sent = 0
    while sent < 60 * 1024 * 1024:
        try:
            sock.send_text(frame)
        except OSError:  # dropped for not reading its acks: nothing more is held either
            break
        sent += len(frame)
    grown = rss_mb(server.process.pid) - before
    assert grown < 30, f"the server grew by {grown:.0f} MB for {sent / 2**20:.0f} MB sent"
