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


DEEP = 100_000


@pytest.mark.parametrize(
    "raw_args",
    [
        '"send_message",' + "[" * DEEP + "]" * DEEP,  # deeper than any JSON parser's recursion limit
        '"send_message",{"chat_id": 1,',  # not JSON at all
    ],
)
def test_an_undecodable_payload_gets_an_error_ack_and_the_socket_goes_on(app, make_user, connect, raw_args):
    """What a hand-made client can put on the wire (no encoder would build it): the packet
    reaches the namespace as an unknown event, and its ack id still gets an answer."""
    from campus.extensions import socketio

    sock = connect(make_user())
    client = sock.client
    acks_before = client.acks
    socketio.server._handle_eio_message(client.eio_sid, f"2/chat,41[{raw_args}]")
    assert client.acks is not acks_before and client.acks["namespace"] == "/chat"
    ack = client.acks["args"][0]
    client.acks = None
    assert ack["ok"] is False and ack["error"]["code"] == "validation_error", ack
    assert sock.ack("sync", {"cursors": {}}) == {"ok": True, "chats": []}
