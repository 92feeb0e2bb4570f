"""Measure: what one `/chat` socket can make the server hold (issue 9, "a chat socket can fill
the server's memory").

    .venv/bin/python bench/socket_memory.py                 # eventlet and gevent, 100 MB each
    .venv/bin/python bench/socket_memory.py --megabytes 20 --mode gevent

For each mode, starts `python wsgi.py` (tests/support/server.LiveServer, SQLite), signs a user
in, and on one socket (tests/support/raw_socket.RawWebSocket):

1. **binary attachments**: a Socket.IO BINARY_EVENT announcing 999,999,999 attachments, then
   60 KB binary frames until --megabytes are sent or the server hangs up;
2. **a frame larger than it says**: one text frame whose header announces 100 MB, of which
   --megabytes are sent.

The server's resident memory (VmRSS from /proc) is printed before and after each, with how much
was sent before the connection closed. Every loop is bounded by --megabytes and by --seconds.
Figures go to docs/design.md ("Socket limits").
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.chat_client import CampusApi
from tests.support.raw_socket import RawWebSocket
from tests.support.server import LIFTED_LOGIN_LIMIT, LiveServer

CHUNK = 60 * 1024


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def stream(sock: RawWebSocket, total: int, seconds: float, send) -> int:
    """Call `send(chunk)` until `total` bytes went out, the server hangs up or time runs out."""
    sent, deadline, chunk = 0, time.monotonic() + seconds, b"\x00" * CHUNK
    sock.sock.settimeout(5)
    while sent < total and time.monotonic() < deadline:
        try:
            send(chunk)
        except OSError:
            break
        sent += len(chunk)
    return sent


def measure(mode: str, megabytes: int, seconds: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = LiveServer(Path(tmp), mode=mode, env=LIFTED_LOGIN_LIMIT).start()
        try:
            token = CampusApi(server.url).register("mem").token
            pid, total = server.process.pid, megabytes * 1024 * 1024

            sock = RawWebSocket(server.port)
            sock.connect_chat({"token": token})
            before = rss_mb(pid)
            sock.send_text('4599999999-/chat,1["x",{"_placeholder":true,"num":0}]')
            sent = stream(sock, total, seconds, sock.send_binary)
            time.sleep(1)
            closed = sock.closed_by_server(timeout=2)
            print(
                f"{mode:8} binary attachments: sent {sent / 2**20:6.1f} MB, closed={closed}, "
                f"RSS {before:6.1f} → {rss_mb(pid):6.1f} MB"
            )
            sock.close()

            sock = RawWebSocket(server.port)
            sock.connect_chat({"token": token})
            before = rss_mb(pid)
            sock.send_raw(RawWebSocket.frame_header(100 * 2**20))
            sent = stream(sock, total, seconds, sock.send_raw)
            time.sleep(1)
            closed = sock.closed_by_server(timeout=2)
            print(
                f"{mode:8} 100 MB frame:       sent {sent / 2**20:6.1f} MB, closed={closed}, "
                f"RSS {before:6.1f} → {rss_mb(pid):6.1f} MB"
            )
            sock.close()
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=["eventlet", "gevent"], action="append")
    parser.add_argument("--megabytes", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    for mode in args.mode or ["eventlet", "gevent"]:
        measure(mode, args.megabytes, args.seconds)


if __name__ == "__main__":
    main()
