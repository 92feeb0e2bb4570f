"""Events §4 does not define get an error ack — including events named "connect" or
"disconnect", which a hand-made client can send on an open socket and which would otherwise run
the connection handlers (re-joining rooms, announcing a connected user offline)."""
from __future__ import annotations

import pytest


def presence_of(sock, user_id):
    return [event["online"] for event in sock.events("presence") if event["user_id"] == user_id]


@pytest.mark.parametrize("event", ["nonsense", "on_connect", "", "message"])
def test_an_unknown_event_gets_a_validation_error_ack(app, make_user, connect, event):
    sock = connect(make_user())
    ack = sock.ack(event, {"chat_id": 1})
    assert ack["ok"] is False and ack["error"]["code"] == "validation_error", ack


def test_an_event_named_disconnect_does_not_disconnect_or_announce_offline(app, make_user, connect, chats):
    ann, bob = make_user(), make_user()
    chat_id = chats.private(ann, bob)
    bob_socket, ann_socket = connect(bob), connect(ann)

    ack = ann_socket.ack("disconnect", "client disconnect")

    assert ack["ok"] is False and ack["error"]["code"] == "validation_error", ack
    assert presence_of(bob_socket, ann) == [True]  # not announced offline while connected
    sent = ann_socket.ack("send_message", {"chat_id": chat_id, "client_id": "after", "body": "still here"})
    assert sent["ok"] is True, sent  # the socket still works
    ann_socket.disconnect()
    assert presence_of(bob_socket, ann) == [True, False]


def test_an_event_named_connect_is_refused_without_counting_another_socket(app, make_user, connect, chats, auth):
    ann, bob = make_user(), make_user()
    chats.private(ann, bob)
    bob_socket, ann_socket = connect(bob), connect(ann)

    for auth_data in ({"token": auth.token(ann)}, {"token": "bad"}, None):
        ack = ann_socket.ack("connect", auth_data)
        assert ack["ok"] is False and ack["error"]["code"] == "validation_error", ack

    ann_socket.disconnect()  # her only socket: she is offline now, not one socket short of it
    assert presence_of(bob_socket, ann) == [True, False]
