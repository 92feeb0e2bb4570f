"""A small but complete Campus chat client in Python (see docs/protocol.md).

    pip install "python-socketio[client]" requests
    python client.py http://127.0.0.1:5000 ann@example.org 'her password' 17
    (then type lines: each is sent to chat 17; incoming messages are printed)

What it does right, and every client must:
- signs in with /api/v1/auth/token and connects to /chat with the token in `auth`
  (refreshing the token when the server says it expired);
- gives every message a `client_id` when it is written and keeps it until the ack, sending
  messages one at a time in the order written, so a retry can never store a message twice;
- on every (re)connect runs the reconnect procedure: GET /chats → sync with every cursor →
  apply → resend what was never acknowledged, with its original client_id;
- applies events as upserts by message id (newest `rev` wins) and places them by `seq`; a `seq`
  that is not the next one (a gap) triggers a sync of that chat.
python-socketio runs every received event in a thread of its own, hence the lock.
"""

from __future__ import annotations

import sys
import threading
import uuid
from collections.abc import Callable
from typing import Any

import requests
import socketio

NAMESPACE = "/chat"
ACK_TIMEOUT = 10  # seconds to wait for an ack before treating the message as unacknowledged
RETRY_LATER = {"rate_limited", "internal_error"}  # error acks after which the same send is retried


class ChatState:
    """What the client holds for one chat: the chat, its messages, and its cursor."""

    def __init__(self, chat: dict):
        self.chat = chat
        self.cursor = chat["rev"]  # the highest rev applied with no holes below it
        self.revs_above_cursor: set[int] = set()
        self.messages: dict[int, dict] = {}  # id → <message>

    @property
    def last_seq(self) -> int:
        return max((m["seq"] for m in self.messages.values()), default=0)

    def apply_rev(self, rev: int) -> None:
        """Advance the cursor over contiguous revs only: a hole is filled by the next sync."""
        if rev > self.cursor:
            self.revs_above_cursor.add(rev)
        while self.cursor + 1 in self.revs_above_cursor:
            self.cursor += 1
            self.revs_above_cursor.discard(self.cursor)

    def upsert(self, message: dict) -> bool:
        """Keep the newest state of a message; True if it changed what we hold."""
        held = self.messages.get(message["id"])
        if held is not None and held["rev"] >= message["rev"]:
            return False
        self.messages[message["id"]] = message
        self.apply_rev(message["rev"])
        return True

    def ordered(self) -> list[dict]:
        return sorted(self.messages.values(), key=lambda m: m["seq"])


class CampusChat:
    """A signed-in connection to Campus chat that never loses or doubles a message."""

    def __init__(self, base_url: str, email: str, password: str, on_message: Callable[[dict], None] | None = None):
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()
        self.lock = threading.RLock()
        self.chats: dict[int, ChatState] = {}
        self.pending: dict[str, dict] = {}  # client_id → send_message payload, in the order written
        self.failed: dict[str, dict] = {}  # client_id → the error ack (will never be stored)
        self.on_message = on_message or (lambda message: None)
        self.caught_up = threading.Event()  # set after the reconnect procedure's sync
        self.outbox_wakeup = threading.Event()
        self.closing = False
        self.tokens = self._post("/auth/token", json={"email": email, "password": password})
        self.sio = socketio.Client(reconnection=True, reconnection_delay=0.5, reconnection_delay_max=5)
        self.sio.on("connect", self._on_connect, namespace=NAMESPACE)
        self.sio.on("disconnect", self._on_disconnect, namespace=NAMESPACE)
        self.sio.on("connect_error", self._on_connect_error, namespace=NAMESPACE)
        for event in ("message", "message_updated", "message_deleted"):
            self.sio.on(event, self._on_message_event, namespace=NAMESPACE)
        self.sio.on("chat_updated", self._on_chat_updated, namespace=NAMESPACE)
        self.outbox = threading.Thread(target=self._run_outbox, daemon=True)

    # -- HTTP ------------------------------------------------------------------------------------

    def _post(self, path: str, **kwargs) -> dict:
        response = self.http.post(self.base_url + "/api/v1" + path, timeout=10, **kwargs)
        response.raise_for_status()
        return response.json()

    def api(self, method: str, path: str, **kwargs) -> Any:
        """A JSON API call with the access token; refreshes it once on `token_expired`."""
        for attempt in range(2):
            response = self.http.request(
                method,
                self.base_url + "/api/v1" + path,
                timeout=10,
                headers={"Authorization": f"Bearer {self.tokens['access_token']}"},
                **kwargs,
            )
            if response.status_code == 401 and attempt == 0 and _error_code(response) == "token_expired":
                self._refresh()
                continue
            response.raise_for_status()
            return response.json() if response.content else None

    def _refresh(self) -> None:
        fresh = self._post("/auth/refresh", headers={"Authorization": f"Bearer {self.tokens['refresh_token']}"})
        self.tokens["access_token"] = fresh["access_token"]

    # -- connection ------------------------------------------------------------------------------

    def connect(self) -> CampusChat:
        # `auth` is a callable, so every automatic reconnect presents the current token.
        self.sio.connect(
            self.base_url,
            namespaces=[NAMESPACE],
            transports=["websocket"],
            auth=lambda: {"token": self.tokens["access_token"]},
            wait_timeout=10,
        )
        if not self.outbox.is_alive():
            self.outbox.start()
        return self

    def close(self) -> None:
        self.closing = True
        self.outbox_wakeup.set()
        self.sio.disconnect()

    def _on_connect(self) -> None:
        # Handlers must not block the client: run the procedure in a task of its own.
        self.sio.start_background_task(self.catch_up)

    def _on_disconnect(self, *reason) -> None:
        self.caught_up.clear()

    def _on_connect_error(self, data: Any) -> None:
        code = (data or {}).get("data", {}).get("code") if isinstance(data, dict) else None
        if code == "token_expired":
            self._refresh()  # the next automatic attempt uses the new token

    def catch_up(self) -> None:
        """The reconnect procedure: GET /chats → sync every cursor → apply → resend (outbox)."""
        try:
            listed = self._list_chats()
            with self.lock:
                for chat_id in set(self.chats) - set(listed):
                    del self.chats[chat_id]  # left while away
                new = [chat for chat_id, chat in listed.items() if chat_id not in self.chats]
            for chat in new:
                self._load_chat(chat)
            self.sync(list(self.chats))
        except (socketio.exceptions.SocketIOError, requests.RequestException):
            return  # the connection went again; the next connect runs the procedure anew
        self.caught_up.set()
        self.outbox_wakeup.set()

    def _list_chats(self) -> dict[int, dict]:
        chats: dict[int, dict] = {}
        cursor = None
        for _ in range(100):  # pages of 100 chats; bounded
            page = self.api("GET", "/chats", params={"limit": 100, **({"cursor": cursor} if cursor else {})})
            chats.update((chat["id"], chat) for chat in page["items"])
            cursor = page["next_cursor"]
            if not cursor:
                break
        return chats

    def _load_chat(self, chat: dict) -> None:
        """A chat first seen: its cursor is the `rev` listed, read before its newest messages."""
        state = ChatState(chat)
        page = self.api("GET", f"/chats/{chat['id']}/messages", params={"limit": 50})
        for message in page["items"]:
            state.messages[message["id"]] = message
        with self.lock:
            self.chats.setdefault(chat["id"], state)

    # -- sync and events --------------------------------------------------------------------------

    def sync(self, chat_ids: list[int]) -> None:
        """Ask for every change above our cursors and apply it."""
        with self.lock:
            cursors = {str(chat_id): self.chats[chat_id].cursor for chat_id in chat_ids if chat_id in self.chats}
        if not cursors:
            return
        answer = self.sio.call("sync", {"cursors": cursors}, namespace=NAMESPACE, timeout=ACK_TIMEOUT)
        if not answer.get("ok"):
            raise RuntimeError(f"sync refused: {answer['error']}")
        for entry in answer["chats"]:
            chat_id = entry["chat_id"]
            if entry["left"]:
                with self.lock:
                    self.chats.pop(chat_id, None)
            elif entry["reset"]:
                with self.lock:
                    self.chats.pop(chat_id, None)
                self._load_chat(self.api("GET", f"/chats/{chat_id}"))
            else:
                with self.lock:
                    state = self.chats.get(chat_id)
                    if state is None:
                        continue
                    if entry["chat"] is not None:
                        state.chat = entry["chat"]
                    changed = [m for m in entry["messages"] if state.upsert(m)]
                    state.cursor = max(state.cursor, entry["rev"])
                    state.revs_above_cursor = {rev for rev in state.revs_above_cursor if rev > state.cursor}
                for message in changed:
                    self.on_message(message)

    def _on_message_event(self, message: dict) -> None:
        with self.lock:
            state = self.chats.get(message["chat_id"])
            if state is None:
                unknown, gap, changed = True, False, False
            else:
                unknown = False
                gap = message["seq"] > state.last_seq + 1
                changed = state.upsert(message)
        if unknown:
            self.sio.start_background_task(self.catch_up)  # a chat we did not know: list chats again
        elif gap:
            self.sio.start_background_task(self._sync_quietly, [message["chat_id"]])
        if changed:
            self.on_message(message)

    def _on_chat_updated(self, event: dict) -> None:
        chat = event["chat"]
        with self.lock:
            state = self.chats.get(chat["id"])
            if state is not None:
                state.chat = chat
                state.apply_rev(chat["rev"])
        if state is None and event["change"] in ("created", "member_added"):
            self.sio.start_background_task(self._load_chat_quietly, chat)

    def _sync_quietly(self, chat_ids: list[int]) -> None:
        try:
            self.sync(chat_ids)
        except (socketio.exceptions.SocketIOError, RuntimeError):
            pass  # disconnected meanwhile: the reconnect procedure syncs everything

    def _load_chat_quietly(self, chat: dict) -> None:
        try:
            self._load_chat(chat)
        except requests.RequestException:
            pass

    # -- sending ------------------------------------------------------------------------------------

    def send(self, chat_id: int, body: str, reply_to: int | None = None) -> str:
        """Queue a message; returns its client_id. It is sent (and resent) until acknowledged."""
        client_id = str(uuid.uuid4())
        payload = {"chat_id": chat_id, "client_id": client_id, "body": body}
        if reply_to is not None:
            payload["reply_to"] = reply_to
        with self.lock:
            self.pending[client_id] = payload
        self.outbox_wakeup.set()
        return client_id

    def _run_outbox(self) -> None:
        """Send pending messages one at a time, oldest first, each until its ack."""
        while not self.closing:
            self.outbox_wakeup.wait(1)
            self.outbox_wakeup.clear()
            while not self.closing and self.caught_up.is_set():
                with self.lock:
                    payload = next(iter(self.pending.values()), None)
                if payload is None:
                    break
                try:
                    ack = self.sio.call("send_message", payload, namespace=NAMESPACE, timeout=ACK_TIMEOUT)
                except socketio.exceptions.SocketIOError:
                    break  # no ack: keep it pending; the reconnect procedure wakes us again
                self._settle(payload, ack)
                if not ack.get("ok") and ack["error"]["code"] in RETRY_LATER:
                    self.outbox_wakeup.wait(1)  # back off, then send the same client_id again

    def _settle(self, payload: dict, ack: dict) -> None:
        client_id = payload["client_id"]
        if ack.get("ok"):
            message = ack["message"]
            with self.lock:
                self.pending.pop(client_id, None)
                state = self.chats.get(message["chat_id"])
                changed = state.upsert(message) if state else False
            if changed:
                self.on_message(message)
        elif ack["error"]["code"] not in RETRY_LATER:
            with self.lock:
                self.pending.pop(client_id, None)
                self.failed[client_id] = ack["error"]

    def messages(self, chat_id: int) -> list[dict]:
        """The chat's messages we hold, in seq order."""
        with self.lock:
            state = self.chats.get(chat_id)
            return state.ordered() if state else []


def _error_code(response: requests.Response) -> str | None:
    try:
        return response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


def main(argv: list[str]) -> None:
    if len(argv) != 5:
        sys.exit("usage: python client.py BASE_URL EMAIL PASSWORD CHAT_ID")
    base_url, email, password, chat_id = argv[1], argv[2], argv[3], int(argv[4])

    def show(message: dict) -> None:
        if message["chat_id"] == chat_id:
            text = "(deleted)" if message["deleted_at"] else message["body"]
            print(f"#{message['seq']} user {message['sender_id']}: {text}", flush=True)

    chat = CampusChat(base_url, email, password, on_message=show).connect()
    try:
        for line in sys.stdin:
            if line.strip():
                chat.send(chat_id, line.rstrip("\n"))
    finally:
        chat.close()


if __name__ == "__main__":
    main(sys.argv)
