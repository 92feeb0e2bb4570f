"""A rolling restart of two workers (PostgreSQL, Redis) behind a balancer, under chat load.

Three members stream messages into a group, each one at a time (the next after the previous
ack), through nginx (`tests.support.nginx`, the configuration of docs/deployment.md; skipped where
nginx is not installed) and, again, through `tests.support.balancer.Balancer` (a Python TCP
balancer that runs everywhere); a fourth member reads. Worker 1 gets SIGTERM, drains and exits
0, and starts again; then worker 2. Clients follow docs/protocol.md's reconnect procedure: a
sender resends what was not acknowledged with its original client_id, the reader syncs from the
last rev it held. Every acknowledged message is then stored once, gapless and in each sender's
order, and the reader has received every one of them, live or through sync.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from dataclasses import dataclass, field

import pytest
import requests
import socketio

from tests.support.balancer import Balancer
from tests.support.chat_client import Account, CampusApi, ChatSocket, NoAck, new_client_id
from tests.support.nginx import Nginx
from tests.support.server import LIFTED_LOGIN_LIMIT, LiveServer
from tests.support.services_available import require_redis

pytestmark = [pytest.mark.server, pytest.mark.postgres, pytest.mark.redis]

MESSAGES_PER_SENDER = 60
RESTART_AFTER_ACKS = (30, 90)  # of the 180: each restart lands in the middle of the stream
ATTEMPTS = 300  # reconnect attempts, 0.1 s apart: a bound, not a speed
TOKEN = "rolling-metrics-token"


def connect(socket: ChatSocket, stop: threading.Event) -> None:
    """Connect through the balancer, again and again while no worker takes the connection."""
    for _ in range(ATTEMPTS):
        if stop.is_set():
            return
        try:
            socket.connect()
            return
        except socketio.exceptions.ConnectionError:
            time.sleep(0.1)
    raise AssertionError("no worker took the connection")


@dataclass
class Sender:
    account: Account
    socket: ChatSocket
    written: list[dict] = field(default_factory=list)
    acked: dict[str, dict] = field(default_factory=dict)  # client_id → acked <message>
    resends: int = 0


def stream(sender: Sender, chat_id: int, acks: threading.Semaphore, stop: threading.Event) -> None:
    """Send one message at a time; a message without an ack is resent, same client_id, after a reconnect."""
    for n in range(MESSAGES_PER_SENDER):
        payload = {"chat_id": chat_id, "client_id": new_client_id(), "body": f"{sender.account.email} #{n}"}
        sender.written.append(payload)
        for _ in range(ATTEMPTS):
            if stop.is_set():
                return
            if not sender.socket.connected:
                connect(sender.socket, stop)
            try:
                ack = sender.socket.ack("send_message", payload)
            except NoAck:
                sender.resends += 1
                continue
            if ack.get("ok"):
                sender.acked[payload["client_id"]] = ack["message"]
                acks.release()
                break
            assert ack["error"]["code"] == "rate_limited", ack
            time.sleep(0.2)
        else:
            raise AssertionError(f"{payload['body']} never acknowledged")


@dataclass
class Reader:
    socket: ChatSocket
    synced: list[dict] = field(default_factory=list)  # messages that came in sync answers
    reconnects: int = 0

    def seen(self, chat_id: int) -> dict[int, dict]:
        """Messages received live or through sync, by id."""
        return {m["id"]: m for m in [*self.socket.received("message", chat_id), *self.synced]}


def read(reader: Reader, chat_id: int, stop: threading.Event) -> None:
    """Stay connected; after each reconnect, sync from the highest rev held before it."""
    while not stop.is_set():
        if reader.socket.connected:
            time.sleep(0.05)
            continue
        held = max((m["rev"] for m in reader.seen(chat_id).values()), default=0)
        connect(reader.socket, stop)
        reader.reconnects += 1
        try:
            answer = reader.socket.sync({chat_id: held})
        except NoAck:
            continue  # lost again: the next round syncs from the same place
        reader.synced.extend(answer.get(chat_id, {}).get("messages", []))


@pytest.fixture
def workers(tmp_path, postgres_database):
    queue = {
        "SOCKETIO_MESSAGE_QUEUE": require_redis(),
        "SOCKETIO_CHANNEL": f"campus-rolling-{uuid.uuid4().hex}",
        "SHUTDOWN_TIMEOUT": "20",
        "CHAT_EVENT_RATE": "1000",
        "CHAT_EVENT_BURST": "1000",
        "METRICS_TOKEN": TOKEN,
        **LIFTED_LOGIN_LIMIT,
    }
    first = LiveServer(tmp_path, database_url=postgres_database, env=queue)
    second = LiveServer(tmp_path, database_url=postgres_database, env=queue, prepare=False)
    try:
        yield first.start(), second.start()
    finally:
        first.stop()
        second.stop()


def queue_lag_count(worker: LiveServer) -> float:
    """How many emits from the other worker this one has timed (`campus_queue_lag_seconds_count`)."""
    text = requests.get(worker.url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10).text
    return next(
        float(line.split()[-1]) for line in text.splitlines() if line.startswith("campus_queue_lag_seconds_count ")
    )


def restart(worker: LiveServer) -> str:
    """SIGTERM, a clean exit, a start on the same port; what the worker logged while stopping."""
    logged = len(worker.log_text())
    worker.process.terminate()
    assert worker.process.wait(60) == 0, worker.log_text()[logged:]
    stopping = worker.log_text()[logged:]
    worker.start()
    return stopping


def front(kind: str, tmp_path, ports: list[int]):
    """What clients connect to: nginx, or the Python balancer."""
    if kind == "nginx":
        return Nginx(tmp_path, ports)
    return Balancer([("127.0.0.1", port) for port in ports])


@pytest.mark.parametrize("kind", ["nginx", "python-balancer"])
def test_rolling_restart_loses_nothing(workers, kind, tmp_path):
    worker1, worker2 = workers
    with front(kind, tmp_path, [worker1.port, worker2.port]) as balancer:
        api = CampusApi(balancer.url)
        ann, bob, cid, dan = (api.register(name) for name in ("ann", "bob", "cid", "dan"))
        chat_id = api.group(ann, [bob, cid, dan], title="Rolling")["id"]
        stop = threading.Event()
        reader = Reader(ChatSocket(balancer.url, dan.token).connect())
        senders = [Sender(account, ChatSocket(balancer.url, account.token).connect()) for account in (ann, bob, cid)]
        acks = threading.Semaphore(0)
        threads = [threading.Thread(target=stream, args=(s, chat_id, acks, stop), daemon=True) for s in senders]
        threads.append(threading.Thread(target=read, args=(reader, chat_id, stop), daemon=True))
        for thread in threads:
            thread.start()
        try:
            logs = []
            for worker, after in zip((worker1, worker2), RESTART_AFTER_ACKS, strict=True):
                while sum(len(s.acked) for s in senders) < after:
                    assert acks.acquire(timeout=60), "the stream stalled"
                if worker is worker1:
                    lag_before_restart = queue_lag_count(worker1) + queue_lag_count(worker2)
                logs.append(restart(worker))
            for thread in threads[:-1]:
                thread.join(120)
                assert not thread.is_alive(), "a sender did not finish"
        finally:
            stop.set()
        threads[-1].join(30)

        for log in logs:  # each worker held sockets when it stopped, and finished its events
            found = re.search(r"(\d+) socket\(s\) told to reconnect, every event finished", log)
            assert found and int(found.group(1)) >= 1, log
        assert sum(s.resends for s in senders) + reader.reconnects > 0, "no client noticed a restart"
        acked = {m["id"]: m for s in senders for m in s.acked.values()}
        assert len(acked) == 3 * MESSAGES_PER_SENDER
        history = api.history(dan, chat_id, limit=100)
        assert [m["seq"] for m in history] == list(range(1, len(history) + 1))  # gapless
        assert sorted(m["id"] for m in history) == sorted(acked)  # every ack stored exactly once
        for sender in senders:  # in the order each sender wrote
            seqs = [sender.acked[p["client_id"]]["seq"] for p in sender.written]
            assert seqs == sorted(seqs)
        # The reader got every acknowledged message, live or through sync, as stored.
        seen = reader.seen(chat_id)
        assert sorted(seen) == sorted(acked)
        assert all(seen[i]["seq"] == acked[i]["seq"] and seen[i]["body"] == acked[i]["body"] for i in acked)
        for socket in [reader.socket, *(s.socket for s in senders)]:
            socket.close()
    # Before the first restart both workers held senders: each emit crossed the Redis queue, timed.
    assert lag_before_restart > 0
