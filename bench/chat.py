"""Benchmark: Campus's chat send path against a bare python-socketio server, in the same run.

    .venv/bin/python bench/chat.py            # about a minute on this 2-core machine
    .venv/bin/python bench/chat.py --quick    # a short look (~15 s)

Starts, each on a free loopback port and one after the other (never two at once, so they don't
share the 2 cores): Campus (`python wsgi.py`, eventlet, SQLite with the embedded defaults, via
`tests/support/server.LiveServer`, with the chat flood limit raised), the same with
`SOCKETIO_MESSAGE_QUEUE` on Redis (db 15, a channel of its own), and the bare tuned server of
`bench/peers/bare_socketio.py`. Against each it measures, with light clients speaking raw
Engine.IO 4 / Socket.IO 5 frames over plain WebSockets (`RawSocket` below, all in this one
thread):

- **1:1 latency**: one message in flight; time from writing the sender's `send_message` to the
  recipient's receipt of the `message` broadcast (Campus: committed first), p50/p99;
- **group fan-out**: one member of a group of --members sends with up to --window messages
  awaiting their ack; deliveries/s to the other members' sockets, from the first send to the
  last delivery, every message delivered to every member (checked);
- **history** (Campus only, unless --history-messages 0): a chat is filled with 1,000,000
  messages by a bulk SQL insert, then `GET /api/v1/chats/{id}/messages?before=…` pages of 50 at
  random points, p50/p99, next to `GET /healthz` on the same keep-alive connection (the HTTP
  floor of this client).

Every loop is bounded in count and in time (--seconds per measurement). The server's CPU time
(from /proc) is printed per delivery: on a shared machine it says more than wall-clock figures.
Figures go to docs/performance.md ("Chat").
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import random
import selectors
import socket
import sqlite3
import statistics
import struct
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from campus.core.textsearch import stems  # noqa: E402
from tests.support.chat_client import CampusApi  # noqa: E402
from tests.support.server import LiveServer  # noqa: E402

NAMESPACE = "/chat"
REDIS_URL = "redis://127.0.0.1:6379/15"
# Cheap hashing for the accounts the bench registers (passwords are not what is measured here),
# and limits raised: the bench sends far above a person's rate on purpose.
CAMPUS_ENV = {
    "CHAT_EVENT_RATE": "1000000",
    "CHAT_EVENT_BURST": "1000000",
    "SOCKETIO_MAX_PER_USER": "0",
    "SOCKETIO_MAX_PER_ADDRESS": "0",
    "LOGIN_RATE_LIMIT": "100000 per minute",
    "PASSWORD_HASH_TIME_COST": "1",
    "PASSWORD_HASH_MEMORY_COST": "1024",
    "PASSWORD_HASH_PARALLELISM": "1",
}


class RawSocket:
    """A `/chat` client over one plain WebSocket: handshake, frames, Engine.IO pings; no threads.

    Text frames only, no extensions offered (so no compression), TCP_NODELAY on. Outgoing frames
    use an all-zero mask key — legal (RFC 6455 requires the mask bit, not a random key from a
    client the server need not distrust) and free, so the driver's cost stays out of the figures.
    """

    def __init__(self, host: str, port: int, auth: dict, timeout: float = 15.0, cookie: str | None = None):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        key = base64.b64encode(os.urandom(16)).decode()
        cookie_header = f"Cookie: {cookie}\r\n" if cookie else ""
        self.sock.sendall(
            (
                f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                f"Sec-WebSocket-Version: 13\r\n{cookie_header}\r\n"
            ).encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed during the WebSocket handshake")
            head += chunk
        head, self.buffer = head.split(b"\r\n\r\n", 1)
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(f"WebSocket handshake refused: {head[:200]!r}")
        self.wait_for(lambda text: text.startswith("0"), timeout)  # Engine.IO open
        self.send("40" + NAMESPACE + "," + json.dumps(auth))  # Socket.IO connect
        answer = self.wait_for(lambda text: text.startswith(("40" + NAMESPACE, "44" + NAMESPACE)), timeout)
        if answer.startswith("44"):
            raise ConnectionError(f"connect refused: {answer}")
        self.sock.setblocking(False)

    def send(self, text: str) -> None:
        data = text.encode()
        n = len(data)
        if n < 126:
            header = struct.pack("!BB", 0x81, 0x80 | n)
        elif n < 65536:
            header = struct.pack("!BBH", 0x81, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x81, 0x80 | 127, n)
        self.sock.sendall(header + b"\0\0\0\0" + data)

    def emit(self, event: str, data: dict, ack_id: int) -> None:
        self.send(f"42{NAMESPACE},{ack_id}" + json.dumps([event, data], separators=(",", ":")))

    def read(self) -> list[str]:
        """The Engine.IO packets of the frames complete so far (pings answered, not returned)."""
        try:
            chunk = self.sock.recv(262144)
        except BlockingIOError:
            return []
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buffer += chunk
        return self._parse()

    def _parse(self) -> list[str]:
        packets, buffer, offset = [], self.buffer, 0
        while len(buffer) - offset >= 2:
            opcode, length = buffer[offset] & 0x0F, buffer[offset + 1] & 0x7F
            start = offset + 2
            if length == 126:
                if len(buffer) - start < 2:
                    break
                length, start = struct.unpack_from("!H", buffer, start)[0], start + 2
            elif length == 127:
                if len(buffer) - start < 8:
                    break
                length, start = struct.unpack_from("!Q", buffer, start)[0], start + 8
            if len(buffer) - start < length:
                break
            offset = start + length
            if opcode == 1:
                text = buffer[start:offset].decode()
                if text == "2":
                    self.send("3")  # Engine.IO ping → pong
                else:
                    packets.append(text)
            elif opcode == 8:
                raise ConnectionError("server sent a close frame")
        self.buffer = buffer[offset:]
        return packets

    def wait_for(self, predicate, timeout: float) -> str:
        """Blocking read (during set-up only) until a packet matches; earlier ones are dropped."""
        for packet in self._parse():  # what came with the previous read
            if predicate(packet):
                return packet
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buffer += chunk
            for packet in self._parse():
                if predicate(packet):
                    return packet
        raise TimeoutError("no matching packet in time")

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


MESSAGE_PREFIX = f'42{NAMESPACE},["message",'
ACK_PREFIX = f"43{NAMESPACE},"


def parse_ack(packet: str) -> tuple[int, dict]:
    ack_id, _, rest = packet[len(ACK_PREFIX) :].partition("[")
    return int(ack_id), json.loads("[" + rest)[0]


def percentile(sorted_values: list[float], fraction: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * fraction))]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (from /proc; 0 where there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- the measurements --------------------------------------------------------------------


def one_to_one(
    sender: RawSocket, recipient: RawSocket, chat_id, *, samples: int, seconds: float, warmup: int = 50
) -> dict:
    """One message in flight: send, wait for the recipient's `message` and the sender's ack."""
    selector = selectors.DefaultSelector()
    selector.register(sender.sock, selectors.EVENT_READ, sender)
    selector.register(recipient.sock, selectors.EVENT_READ, recipient)
    tag, latencies, failures = uuid.uuid4().hex[:8], [], 0
    deadline = time.monotonic() + seconds
    for i in range(warmup + samples):
        if time.monotonic() > deadline:
            break
        client_id = f"{tag}-{i}"
        started = time.perf_counter()
        sender.emit("send_message", {"chat_id": chat_id, "client_id": client_id, "body": "Hello, how are you?"}, i)
        quoted = f'"{client_id}"'
        received = acked = None
        step_deadline = time.monotonic() + 10
        while (received is None or acked is None) and time.monotonic() < step_deadline:
            for key, _ in selector.select(1.0):
                owner = key.data
                for packet in owner.read():
                    if owner is recipient and packet.startswith(MESSAGE_PREFIX) and quoted in packet:
                        received = time.perf_counter()
                    elif owner is sender and packet.startswith(ACK_PREFIX):
                        ack_id, answer = parse_ack(packet)
                        if ack_id == i:
                            acked = answer
        if received is None or acked is None or not acked.get("ok"):
            failures += 1
            continue
        if i >= warmup:
            latencies.append(received - started)
    selector.close()
    latencies.sort()
    if not latencies:
        raise SystemExit(f"1:1: nothing delivered ({failures} failures)")
    return {
        "n": len(latencies),
        "failures": failures,
        "p50": statistics.median(latencies) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
        "mean": statistics.fmean(latencies) * 1000,
        "max": latencies[-1] * 1000,
    }


def fan_out(
    sender: RawSocket, members: list[RawSocket], chat_id, *, messages: int, window: int, seconds: float
) -> dict:
    """Up to `window` sends awaiting their ack; count `message` deliveries to the other members."""
    selector = selectors.DefaultSelector()
    for member in members:
        selector.register(member.sock, selectors.EVENT_READ, member)
    others = [member for member in members if member is not sender]
    tag, sent, acked, failures, delivered = uuid.uuid4().hex[:8], 0, 0, 0, 0
    started = last_delivery = time.perf_counter()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and (
        sent < messages or acked + failures < sent or delivered < acked * len(others)
    ):
        while sent < messages and sent - acked - failures < window:
            sender.emit(
                "send_message", {"chat_id": chat_id, "client_id": f"{tag}-{sent}", "body": "Hello, group!"}, sent
            )
            sent += 1
        for key, _ in selector.select(1.0):
            owner = key.data
            for packet in owner.read():
                if packet.startswith(MESSAGE_PREFIX):
                    if owner is not sender:
                        delivered += 1
                        last_delivery = time.perf_counter()
                elif owner is sender and packet.startswith(ACK_PREFIX):
                    if parse_ack(packet)[1].get("ok"):
                        acked += 1
                    else:
                        failures += 1
    selector.close()
    elapsed = last_delivery - started
    return {
        "sent": sent,
        "acked": acked,
        "failures": failures,
        "delivered": delivered,
        "expected": acked * len(others),
        "seconds": elapsed,
        "deliveries_per_s": delivered / elapsed if elapsed > 0 else 0.0,
        "messages_per_s": acked / elapsed if elapsed > 0 else 0.0,
    }


def drain(sockets: list[RawSocket], quiet: float = 0.3, limit: float = 10.0) -> None:
    """Read and drop whatever arrives (presence after connects) until `quiet` seconds pass."""
    selector = selectors.DefaultSelector()
    for sock in sockets:
        selector.register(sock.sock, selectors.EVENT_READ, sock)
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        ready = selector.select(quiet)
        if not ready:
            break
        for key, _ in ready:
            key.data.read()
    selector.close()


# --- the servers --------------------------------------------------------------------------


class Target:
    """A server under test, its sockets for the 1:1 pair and the group, and its chat ids."""

    def __init__(self, name: str, server: LiveServer):
        self.name, self.server = name, server
        self.host, self.port = "127.0.0.1", server.port

    def cpu(self) -> float:
        return cpu_seconds(self.server.process.pid)


def page_session_cookie(host: str, port: int) -> str:
    """The Flask session cookie a page sets (its forms' CSRF token), as a browser holds it."""
    conn = http.client.HTTPConnection(host, port, timeout=15)
    try:
        conn.request("GET", "/login")
        response = conn.getresponse()
        response.read()
        cookie = next(
            value.split(";", 1)[0]
            for name, value in response.getheaders()
            if name.lower() == "set-cookie" and value.startswith("session=")
        )
    finally:
        conn.close()
    return cookie


def campus_target(
    name: str, workdir: Path, members: int, env: dict[str, str], page_cookie: bool = False
) -> tuple[Target, dict]:
    server = LiveServer(workdir, env={**CAMPUS_ENV, **env}).start()
    target = Target(name, server)
    api = CampusApi(server.url)
    accounts = [api.register(f"member{i}") for i in range(max(2, members))]
    pair = api.ok(accounts[0], "POST", "/chats", json={"type": "private", "user_id": accounts[1].id})
    group = api.group(accounts[0], accounts[1:members], title="Bench group")
    return target, {
        "pair_chat": pair["id"],
        "group_chat": group["id"],
        "api": api,
        "accounts": accounts,
        "auth": [{"token": account.token} for account in accounts],
        "cookie": page_session_cookie(target.host, target.port) if page_cookie else None,
    }


def bare_target(workdir: Path, members: int) -> tuple[Target, dict]:
    server = LiveServer(workdir, prepare=False, entry=("bench/peers/bare_socketio.py",)).start()
    return Target("bare python-socketio", server), {
        "pair_chat": "pair",
        "group_chat": "group",
        "pair_auth": [{"room": "pair"}, {"room": "pair"}],
        "auth": [{"room": "group"} for _ in range(members)],
    }


def run_messaging(target: Target, info: dict, args) -> dict:
    pair_auth = info.get("pair_auth") or info["auth"][:2]
    cookie = info.get("cookie")
    sender, recipient = (RawSocket(target.host, target.port, auth, cookie=cookie) for auth in pair_auth)
    drain([sender, recipient])
    cpu_before = target.cpu()
    latency = one_to_one(sender, recipient, info["pair_chat"], samples=args.samples, seconds=args.seconds)
    latency["server_cpu_ms"] = (target.cpu() - cpu_before) * 1000 / max(1, latency["n"])
    sender.close()
    recipient.close()

    group = [RawSocket(target.host, target.port, auth, cookie=cookie) for auth in info["auth"][: args.members]]
    drain(group)
    cpu_before = target.cpu()
    driver_before = time.process_time()
    fan = fan_out(group[0], group, info["group_chat"], messages=args.messages, window=args.window, seconds=args.seconds)
    fan["server_cpu_us"] = (target.cpu() - cpu_before) * 1e6 / max(1, fan["delivered"])
    fan["driver_cpu_us"] = (time.process_time() - driver_before) * 1e6 / max(1, fan["delivered"])
    for sock in group:
        sock.close()
    return {"latency": latency, "fan_out": fan}


def fill_history(db_path: Path, chat_id: int, sender_id: int, count: int) -> float:
    """`count` messages in `chat_id`, by bulk SQL inserts in batches of 50,000 (the chat's
    last_seq and rev follow); seconds taken."""
    started = time.perf_counter()
    connection = sqlite3.connect(db_path, timeout=30)
    connection.create_function("campus_stems", 1, stems, deterministic=True)  # the search index's triggers
    connection.execute("PRAGMA synchronous=NORMAL")
    created_at = connection.execute("SELECT created_at FROM chats WHERE id = ?", (chat_id,)).fetchone()[0]
    batch = 50_000
    for first in range(1, count + 1, batch):
        rows = [
            (chat_id, seq, seq, sender_id, f"h-{chat_id}-{seq}", f"History message number {seq}.", created_at)
            for seq in range(first, min(count, first + batch - 1) + 1)
        ]
        connection.executemany(
            "INSERT INTO messages (chat_id, seq, rev, sender_id, client_id, body, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        connection.commit()
    connection.execute("UPDATE chats SET last_seq = ?, rev = ? WHERE id = ?", (count, count, chat_id))
    connection.execute("ANALYZE")
    connection.commit()
    connection.close()
    return time.perf_counter() - started


def run_history(target: Target, info: dict, args) -> dict:
    """Pages of 50 at random points of a chat of --history-messages, and the HTTP floor."""
    api, owner, other = info["api"], info["accounts"][0], info["accounts"][1]
    chat = api.group(owner, [other], title="History")
    filled = fill_history(target.server.tmp_path / "live.db", chat["id"], owner.id, args.history_messages)
    # http.client, one keep-alive connection: a lighter client than requests (~0.5 ms less a call).
    connection = http.client.HTTPConnection(target.host, target.port, timeout=10)
    headers = {"Authorization": f"Bearer {owner.token}"}
    path = f"/api/v1/chats/{chat['id']}/messages"
    rng = random.Random(2024)

    def get(url: str, check=None) -> None:
        connection.request("GET", url, headers=headers)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"GET {url}: HTTP {response.status} {body[:200]!r}")
        if check is not None:
            check(body)

    def fifty(body: bytes) -> None:
        assert len(json.loads(body)["items"]) == 50, body[:200]

    calls = {
        "healthz": lambda: get("/healthz"),
        "page": lambda: get(f"{path}?limit=50&before={rng.randint(51, args.history_messages)}", fifty),
        "newest": lambda: get(f"{path}?limit=50", fifty),
    }
    results = {"filled_seconds": filled, "messages": args.history_messages}
    for name, call in calls.items():
        timings, deadline = [], time.monotonic() + args.seconds
        for _ in range(5):  # warm-up
            call()
        while len(timings) < args.history_requests and time.monotonic() < deadline:
            started = time.perf_counter()
            call()
            timings.append(time.perf_counter() - started)
        timings.sort()
        results[name] = {
            "n": len(timings),
            "p50": statistics.median(timings) * 1000,
            "p99": percentile(timings, 0.99) * 1000,
        }
    connection.close()
    return results


def machine_load() -> str:
    return "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run: fewer samples, messages and rows")
    parser.add_argument("--samples", type=int, default=3000, help="1:1 messages timed per server")
    parser.add_argument("--members", type=int, default=100, help="members of the fan-out group")
    parser.add_argument("--messages", type=int, default=1000, help="messages sent to the group")
    parser.add_argument("--window", type=int, default=32, help="group sends awaiting their ack at once")
    parser.add_argument("--history-messages", type=int, default=1_000_000, help="0: skip the history bench")
    parser.add_argument("--history-requests", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60.0, help="time bound per measurement")
    parser.add_argument("--no-redis", action="store_true", help="skip Campus with the Redis message queue")
    parser.add_argument(
        "--page-cookie",
        action="store_true",
        help="Campus's sockets carry the session cookie a page sets, as a browser's do",
    )
    args = parser.parse_args()
    if args.quick:
        args.samples, args.messages, args.members = 300, 100, min(args.members, 50)
        args.history_messages = min(args.history_messages, 100_000)
        args.history_requests, args.seconds = 200, 20.0
    print(
        f"chat bench, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {machine_load()}, "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}",
        flush=True,
    )

    scenarios = [("Campus (SQLite)", {})]
    if not args.no_redis:
        channel = f"campus-bench-{uuid.uuid4().hex[:8]}"
        scenarios.append(("Campus + Redis queue", {"SOCKETIO_MESSAGE_QUEUE": REDIS_URL, "SOCKETIO_CHANNEL": channel}))
    results, history = [], None
    with tempfile.TemporaryDirectory(prefix="campus-bench-chat-") as tmp:
        for index, (name, env) in enumerate([("bare python-socketio", None), *scenarios]):
            workdir = Path(tmp) / str(index)
            workdir.mkdir()
            if env is None:
                target, info = bare_target(workdir, args.members)
            else:
                target, info = campus_target(name, workdir, args.members, env, page_cookie=args.page_cookie)
            try:
                print(f"{name}: measuring ({machine_load()})", flush=True)
                results.append((name, run_messaging(target, info, args)))
                if env == {} and args.history_messages:
                    print(f"{name}: filling a chat with {args.history_messages:,} messages", flush=True)
                    history = run_history(target, info, args)
            finally:
                target.server.stop()
    print_report(results, history, args)


def print_report(results, history, args) -> None:
    bare = dict(results)["bare python-socketio"]
    print(
        f"\n1:1 — sender's send_message → recipient's `message`, one in flight, up to {args.samples} samples "
        f"({machine_load()})"
    )
    print(
        f"{'server':24} {'n':>6} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'p99 ÷ bare':>10} {'srv CPU ms/msg':>14}"
    )
    for name, result in results:
        r = result["latency"]
        print(
            f"{name:24} {r['n']:>6} {r['p50']:>8.3f} {r['p99']:>8.3f} {r['mean']:>8.3f} "
            f"{r['p99'] / bare['latency']['p99']:>10.2f} {r['server_cpu_ms']:>14.3f}"
        )
    print(
        f"\nGroup fan-out — {args.members} members, one sender, {args.window} sends awaiting their ack, "
        f"up to {args.messages} messages"
    )
    print(
        f"{'server':24} {'msgs':>6} {'delivered':>9} {'of':>9} {'deliv/s':>9} {'÷ bare':>7} {'msgs/s':>7} "
        f"{'srv CPU µs/deliv':>16} {'driver CPU µs/deliv':>19}"
    )
    for name, result in results:
        f = result["fan_out"]
        print(
            f"{name:24} {f['acked']:>6} {f['delivered']:>9} {f['expected']:>9} {f['deliveries_per_s']:>9.0f} "
            f"{f['deliveries_per_s'] / bare['fan_out']['deliveries_per_s']:>7.2f} {f['messages_per_s']:>7.0f} "
            f"{f['server_cpu_us']:>16.1f} {f['driver_cpu_us']:>19.1f}"
        )
    if history:
        print(
            f"\nHistory — {history['messages']:,} messages in one chat (bulk insert "
            f"{history['filled_seconds']:.1f} s), one keep-alive connection (http.client)"
        )
        print(f"{'request':52} {'n':>6} {'p50 ms':>8} {'p99 ms':>8}")
        for key, label in (
            ("healthz", "GET /healthz (this client's HTTP floor)"),
            ("page", "GET …/messages?before=<random>&limit=50"),
            ("newest", "GET …/messages?limit=50 (newest page)"),
        ):
            r = history[key]
            print(f"{label:52} {r['n']:>6} {r['p50']:>8.3f} {r['p99']:>8.3f}")


if __name__ == "__main__":
    main()
