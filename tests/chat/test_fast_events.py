"""The fast path of `send_message`, `read`, `typing` and `sync` (campus.chat.fast_events): the same
answers as the full path, the flood budget charged once, and the kept actor forgotten by moves."""

from __future__ import annotations

import pytest

from campus.chat import fast_events
from campus.chat.access import Actor
from campus.chat.connections import Connections
from campus.chat.fast_events import quick_send
from campus.extensions import db
from campus.users.models import User


def send(sock, chat_id, client_id, body="hello", **extra):
    return sock.ack("send_message", {"chat_id": chat_id, "client_id": client_id, "body": body, **extra})


@pytest.mark.parametrize(
    "payload",
    [
        {"chat_id": 1, "client_id": "c", "body": "hi", "extra": 1},  # unknown field
        {"chat_id": True, "client_id": "c", "body": "hi"},
        {"chat_id": 0, "client_id": "c", "body": "hi"},
        {"chat_id": 2**53, "client_id": "c", "body": "hi"},
        {"chat_id": "1", "client_id": "c", "body": "hi"},
        {"chat_id": 1, "client_id": "   ", "body": "hi"},
        {"chat_id": 1, "client_id": "x" * 65, "body": "hi"},
        {"chat_id": 1, "client_id": "c", "body": "nul\x00"},
        {"chat_id": 1, "client_id": "c", "body": "lone \ud800"},
        {"chat_id": 1, "client_id": "c", "body": "   "},
        {"chat_id": 1, "client_id": "c", "body": "x" * 4001},
        {"chat_id": 1, "client_id": "c", "body": "hi @all"},
        {"chat_id": 1, "client_id": "c", "body": "hi", "reply_to": 5},
        {"chat_id": 1, "client_id": "c", "body": "hi", "attachment_id": 5},
        {"chat_id": 1, "client_id": "c", "body": "hi", "mentions": [2]},
        {"chat_id": 1, "client_id": "c"},
        ["not", "an", "object"],
    ],
)
def test_the_quick_check_leaves_anything_unusual_to_the_full_path(payload):
    assert quick_send(payload) is None


def test_the_quick_check_takes_what_the_schema_takes_as_the_schema_loads_it():
    assert quick_send({"chat_id": 7, "client_id": "  c-1 ", "body": " hi ", "mentions": []}) == (7, "c-1", " hi ")


def test_a_padded_client_id_is_stored_stripped_and_its_resend_is_recognised(app, make_user, connect, chats):
    ann, bob = make_user(), make_user()
    chat_id = chats.private(ann, bob)
    sock = connect(ann)

    first = send(sock, chat_id, "  c-1  ", "once")["message"]
    again = send(sock, chat_id, "c-1", "twice")["message"]  # a resend: the full path answers

    assert first["client_id"] == "c-1"
    assert again == first


def test_the_fast_and_the_full_path_answer_the_same_message(app, make_user, connect, chats):
    ann, bob = make_user(), make_user("teacher")
    chat_id = chats.group(ann, [bob])
    sock = connect(ann)

    fast = send(sock, chat_id, "f-1", "plain")["message"]
    full = send(sock, chat_id, "f-2", "plain", mentions=[])["message"]  # `mentions` present: still fast
    mentioned = send(sock, chat_id, "f-3", "@bob hi", mentions=[bob])["message"]  # the full path

    def shape(message):
        unique = ("id", "seq", "rev", "client_id", "body", "created_at")
        return {key: value for key, value in message.items() if key not in unique}

    assert shape(fast) == shape(full)
    assert shape(mentioned) == shape(fast) | {"mentions": [bob]}


def test_an_event_handed_to_the_full_path_is_charged_once(app, make_user, connect, chats):
    ann, bob, carol = make_user(), make_user(), make_user()
    others = chats.private(bob, carol)
    app.config.update(CHAT_EVENT_RATE=0.0001, CHAT_EVENT_BURST=2)
    sock = connect(ann)

    # Not a member: the fast path gives its event back and the full path answers not_found.
    assert send(sock, others, "n-1")["error"]["code"] == "not_found"
    assert send(sock, others, "n-2")["error"]["code"] == "not_found"
    assert send(sock, others, "n-3")["error"]["code"] == "rate_limited"


def test_read_and_typing_answer_on_the_fast_path_and_refuse_as_before(app, make_user, connect, chats):
    ann, bob = make_user(), make_user()
    chat_id = chats.private(ann, bob)
    ann_socket, bob_socket = connect(ann), connect(bob)
    seq = send(bob_socket, chat_id, "r-1")["message"]["seq"]

    assert ann_socket.ack("read", {"chat_id": chat_id, "seq": seq}) == {"ok": True}
    assert bob_socket.events("read") == [{"chat_id": chat_id, "user_id": ann, "seq": seq}]
    assert ann_socket.ack("read", {"chat_id": chat_id, "seq": seq + 1})["error"]["code"] == "validation_error"
    assert ann_socket.ack("typing", {"chat_id": chat_id, "typing": True}) == {"ok": True}
    assert bob_socket.events("typing") == [{"chat_id": chat_id, "user_id": ann, "typing": True}]
    assert ann_socket.ack("typing", {"chat_id": chat_id + 99, "typing": True})["error"]["code"] == "not_found"
    assert ann_socket.ack("typing", {"chat_id": chat_id, "typing": 1})["error"]["code"] == "validation_error"


def test_a_deactivated_users_socket_can_no_longer_send(app, make_user, connect, chats):
    from campus.users import services as users

    admin, ann, bob = make_user("admin"), make_user(), make_user()
    chat_id = chats.private(ann, bob)
    sock = connect(ann)
    assert send(sock, chat_id, "d-1")["ok"]  # the actor is kept from here on

    with app.app_context():
        users.set_active(db.session.get(User, admin), db.session.get(User, ann), False)

    assert not sock.client.is_connected("/chat") or send(sock, chat_id, "d-2")["ok"] is False


def test_a_database_error_hands_the_event_to_the_full_path(app, make_user, connect, chats, monkeypatch):
    ann, bob = make_user(), make_user()
    chat_id = chats.private(ann, bob)
    sock = connect(ann)
    fast = fast_events.FastEvents.of(app)

    class Locked:
        def run(self, *_args, **_kwargs):
            raise fast.dbapi_error("database is locked")

    monkeypatch.setattr(fast, "take_numbers", Locked())
    ack = send(sock, chat_id, "e-1", "through the full path")

    assert ack["ok"] and ack["message"]["body"] == "through the full path"


def test_an_actor_read_before_a_forget_is_not_kept():
    connections = Connections()
    connections.opened("sid-1", 7, frozenset())
    epoch = connections.actor_epoch
    connections.forget_actor(7)  # a role change arrives while the read is under way

    connections.keep_actor(Actor(7, frozenset({"chat.use"})), epoch)

    assert connections.actor_of(7) is None
    connections.keep_actor(Actor(7, frozenset()), connections.actor_epoch)
    assert connections.actor_of(7) == Actor(7, frozenset())
    connections.closed("sid-1")
    assert connections.actor_of(7) is None


def test_a_kept_actor_is_read_again_after_a_while(monkeypatch):
    from campus.chat import connections as kept

    connections = Connections()
    connections.opened("sid-1", 7, frozenset())
    connections.keep_actor(Actor(7, frozenset({"chat.use"})), connections.actor_epoch)
    read_at = kept.time.monotonic()

    monkeypatch.setattr(kept.time, "monotonic", lambda: read_at + kept.ACTOR_KEPT_SECONDS + 1)

    assert connections.actor_of(7) is None
