"""SIGKILL in the middle of a stream of sends: every acknowledged message survives, exactly once.

Three members send concurrently, each one message at a time (the next after the previous ack,
so each sender's own order is causal). The server is killed once enough acks have come in,
restarted on the same port and database, and each sender follows the reconnect procedure:
GET /chats, sync, resend what was never acknowledged with its original client_id.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pytest

from tests.support.chat_client import Account, CampusApi, ChatSocket, NoAck, new_client_id
from tests.support.server import LIFTED_LOGIN_LIMIT, LiveServer

pytestmark = pytest.mark.server

MESSAGES_PER_SENDER = 40
KILL_AFTER_ACKS = 30  # of the 120: the kill lands in the middle of the stream


@dataclass
class Sender:
    account: Account
    socket: ChatSocket
    written: list[dict] = field(default_factory=list)  # payloads in the order written
    acked: dict[str, dict] = field(default_factory=dict)  # client_id → acked <message>

    def pending(self) -> list[dict]:
        return [p for p in self.written if p["client_id"] not in self.acked]


def stream(sender: Sender, chat_id: int, acks: threading.Semaphore, stop: threading.Event) -> None:
    """Send one message at a time until done or the server is gone (the last one stays pending)."""
    for n in range(MESSAGES_PER_SENDER):
        if stop.is_set():
            return
        payload = {"chat_id": chat_id, "client_id": new_client_id(), "body": f"{sender.account.email} #{n}"}
        sender.written.append(payload)
        try:
            ack = sender.socket.ack("send_message", payload)
        except NoAck:
            return
        if not ack.get("ok"):
            return  # e.g. rate_limited: left pending, resent after the restart like the rest
        sender.acked[payload["client_id"]] = ack["message"]
        acks.release()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def crashable(request, tmp_path):
    """A server on SQLite (the embedded default) or PostgreSQL, to be killed and restarted."""
    url = request.getfixturevalue("postgres_database") if request.param == "postgresql" else None
    server = LiveServer(tmp_path, database_url=url, env=LIFTED_LOGIN_LIMIT).start()
    yield server
    server.stop()


def test_every_acknowledged_message_survives_a_sigkill_exactly_once_in_order(crashable):
    live, api = crashable, CampusApi(crashable.url)
    ann, bob, cid, reader = (api.register(name) for name in ("ann", "bob", "cid", "dan"))
    chat_id = api.group(ann, [bob, cid, reader], title="Crash course")["id"]
    senders = [Sender(account, ChatSocket(live.url, account.token).connect()) for account in (ann, bob, cid)]
    acks, stop = threading.Semaphore(0), threading.Event()
    threads = [threading.Thread(target=stream, args=(sender, chat_id, acks, stop), daemon=True) for sender in senders]
    for thread in threads:
        thread.start()
    for _ in range(KILL_AFTER_ACKS):
        assert acks.acquire(timeout=30), "the stream stalled before the kill"
    live.kill()
    stop.set()
    for thread in threads:
        thread.join(30)
        assert not thread.is_alive()
    acked_before_kill = sum(len(s.acked) for s in senders)
    assert acked_before_kill < 3 * MESSAGES_PER_SENDER, "the kill came after the stream had ended"
    for sender in senders:
        sender.socket.wait_disconnected()

    live.start()
    for sender in senders:
        sender.socket.connect()
        listed = api.ok(sender.account, "GET", "/chats")["items"]
        assert chat_id in [chat["id"] for chat in listed]
        held = max((m["rev"] for m in sender.acked.values()), default=0)
        sender.socket.sync({chat_id: held})
        for payload in sender.pending():  # in the order written, with the original client_id
            sender.acked[payload["client_id"]] = sender.socket.ok("send_message", payload)["message"]

    acked = {message["id"]: message for sender in senders for message in sender.acked.values()}
    for member in (ann, bob, cid, reader):
        history = api.history(member, chat_id)
        assert [m["seq"] for m in history] == list(range(1, len(history) + 1))  # gapless
        assert sorted(m["id"] for m in history) == sorted(acked)  # every ack exactly once, nothing else
        for message in history:
            assert (message["client_id"], message["seq"], message["body"]) == (
                acked[message["id"]]["client_id"],
                acked[message["id"]]["seq"],
                acked[message["id"]]["body"],
            )
        with ChatSocket(live.url, member.token) as socket:
            assert socket.sync({chat_id: 0})[chat_id]["messages"] == history
    for sender in senders:  # each sender's messages keep the order they were written in
        seqs = [sender.acked[p["client_id"]]["seq"] for p in sender.written]
        assert seqs == sorted(seqs)
        sender.socket.close()
