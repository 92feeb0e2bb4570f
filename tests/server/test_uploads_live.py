"""Uploads on the real server (eventlet and gevent): a 100 MB video streams without holding up
other connections, and a body larger than allowed is never read whole, whatever Content-Length
claims."""

from __future__ import annotations

import socket
import threading
import uuid
from pathlib import Path

import pytest
import requests

from tests.support.chat_client import CampusApi
from tests.support.media_files import big_video
from tests.support.server import LIFTED_LOGIN_LIMIT, LiveServer

pytestmark = pytest.mark.server

READERS = 3


@pytest.fixture(scope="module")
def video_file(tmp_path_factory) -> Path:
    return big_video(tmp_path_factory.mktemp("video") / "lecture.webm", megabytes=98)


@pytest.fixture(params=["eventlet", "gevent"])
def server(request, tmp_path):
    server = LiveServer(tmp_path, mode=request.param, env=LIFTED_LOGIN_LIMIT).start()
    yield server
    server.stop()


def media_files(server: LiveServer) -> list[Path]:
    root = server.tmp_path / "media"
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_a_100_mb_video_streams_while_other_requests_are_answered(server, video_file):
    api = CampusApi(server.url)
    ann = api.register("ann")
    with open(video_file, "rb") as body:
        response = api.call(ann, "POST", "/uploads", files={"file": ("lecture.webm", body, "video/webm")})
    assert response.status_code == 201, response.text
    sent = response.json()
    assert sent["kind"] == "video" and sent["size"] > 95 * 1024 * 1024

    running = threading.Event()
    finished: list[int] = []
    answered_while_streaming = []

    def read_whole_file():
        finished.append(fast_download(server, sent["url"], ann.token, started=running))

    readers = [threading.Thread(target=read_whole_file) for _ in range(READERS)]
    for reader in readers:
        reader.start()
    assert running.wait(60)
    with requests.Session() as other:
        for _ in range(2000):  # bounded: the downloads end long before
            if len(finished) == READERS:
                break
            if other.get(server.url + "/healthz", timeout=30).status_code == 200 and len(finished) < READERS:
                answered_while_streaming.append(1)
    for reader in readers:
        reader.join(120)
    assert finished == [sent["size"]] * READERS
    # Other connections were served between the chunks, not after the last byte.
    assert len(answered_while_streaming) >= 3, f"{len(answered_while_streaming)} answers during the streams"


def fast_download(server: LiveServer, path: str, token: str, started: threading.Event) -> int:
    """GET a file as fast as this machine reads a socket (into one buffer, no parsing): a reader
    that never makes the server wait, the case where a server's writes never block."""
    buffer = memoryview(bytearray(8 * 1024 * 1024))
    with socket.create_connection(("127.0.0.1", server.port), timeout=120) as conn:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024 * 1024)
        conn.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            head += conn.recv(65536)
        header, _, received = head.partition(b"\r\n\r\n")
        assert b" 200 " in header.split(b"\r\n", 1)[0], header
        size = len(received)
        started.set()
        while count := conn.recv_into(buffer):
            size += count
    return size


def raw_request(server: LiveServer, head: str, body: bytes, chunked: bool = False) -> str:
    """Send a hand-made request and return the status line (the server may close early)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as conn:
        conn.sendall(head.encode())
        try:
            if chunked:
                for start in range(0, len(body), 65536):
                    piece = body[start : start + 65536]
                    conn.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                conn.sendall(b"0\r\n\r\n")
            else:
                conn.sendall(body)
        except OSError:  # the server answered and closed before reading it all
            pass
        answer = b""
        while b"\r\n" not in answer:
            data = conn.recv(4096)
            if not data:
                break
            answer += data
    return answer.split(b"\r\n", 1)[0].decode()


def multipart(name: str, data: bytes) -> tuple[str, bytes]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return f"multipart/form-data; boundary={boundary}", body


@pytest.fixture(params=["eventlet", "gevent"])
def small_limits(request, tmp_path):
    limits = dict.fromkeys(("IMAGE", "AUDIO", "VIDEO", "FILE"), "100000")
    env = {**LIFTED_LOGIN_LIMIT, **{f"UPLOAD_MAX_{kind}_BYTES": value for kind, value in limits.items()}}
    server = LiveServer(tmp_path, mode=request.param, env=env).start()
    yield server
    server.stop()


def test_a_body_over_the_limit_is_refused_whatever_content_length_says(small_limits):
    server = small_limits
    api = CampusApi(server.url)
    ann = api.register("ann")

    def head(content_type: str, length: str) -> str:
        return (
            f"POST /api/v1/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {ann.token}\r\n"
            f"Content-Type: {content_type}\r\n{length}\r\n\r\n"
        )

    content_type, body = multipart("big.txt", b"x" * 3_000_000)
    # Honest and too large: refused before the body is read.
    assert " 413 " in raw_request(server, head(content_type, f"Content-Length: {len(body)}"), body)
    # Claims to be small: only that much is read, which is no complete upload.
    lied = raw_request(server, head(content_type, "Content-Length: 50000"), body)
    assert lied.split()[1].startswith("4"), lied
    # Says nothing (chunked): reading stops at the limit.
    chunked = raw_request(server, head(content_type, "Transfer-Encoding: chunked"), body, chunked=True)
    assert " 413 " in chunked, chunked
    assert media_files(server) == []
    # The server is fine and takes a file within the limit, chunked too.
    content_type, body = multipart("fits.txt", b"y" * 90_000)
    assert " 201 " in raw_request(server, head(content_type, "Transfer-Encoding: chunked"), body, chunked=True)
    assert len(media_files(server)) == 1
