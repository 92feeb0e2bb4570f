"""One `client_id` is one message, however often and through whatever path it is sent."""

from __future__ import annotations

import pytest

from tests.support.chat_client import ChatSocket, new_client_id

pytestmark = pytest.mark.server


def test_one_client_id_sent_five_times_across_a_reconnect_is_one_message(live, api):
    ann, bob = api.register("ann"), api.register("bob")
    chat_id = api.ok(ann, "POST", "/chats", json={"type": "private", "user_id": bob.id})["id"]
    client_id = new_client_id()
    payload = {"chat_id": chat_id, "client_id": client_id, "body": "only once"}
    with ChatSocket(live.url, bob.token) as bob_socket:
        ann_socket = ChatSocket(live.url, ann.token).connect()
        acks = [ann_socket.ok("send_message", payload)["message"] for _ in range(2)]
        # A resend with another body still returns the stored message and stores nothing.
        acks.append(ann_socket.ok("send_message", {**payload, "body": "changed my mind"})["message"])
        ann_socket.disconnect()
        ann_socket.connect()
        acks += [ann_socket.ok("send_message", payload)["message"] for _ in range(2)]
        over_http = api.call(
            ann, "POST", f"/chats/{chat_id}/messages", json={"client_id": client_id, "body": "only once"}
        )
        after = ann_socket.send(chat_id, "the next one")
        bob_socket.wait_for_message(chat_id, seq=after["seq"])
        ann_socket.close()

    assert len(acks) == 5
    assert all(ack == acks[0] for ack in acks), acks
    assert acks[0]["body"] == "only once" and acks[0]["seq"] == 1
    assert over_http.status_code == 200 and over_http.json() == acks[0]
    assert after["seq"] == 2  # nothing was numbered for the repeats
    history = api.history(bob, chat_id)
    assert [(m["id"], m["client_id"]) for m in history] == [
        (acks[0]["id"], client_id),
        (after["id"], after["client_id"]),
    ]
    assert [m["id"] for m in bob_socket.messages(chat_id)] == [acks[0]["id"], after["id"]]


def test_the_same_client_id_from_another_sender_is_another_message(live, api):
    ann, bob = api.register("ann"), api.register("bob")
    chat_id = api.group(ann, [bob])["id"]
    client_id = new_client_id()
    with ChatSocket(live.url, ann.token) as ann_socket, ChatSocket(live.url, bob.token) as bob_socket:
        from_ann = ann_socket.send(chat_id, "ann's", client_id)
        from_bob = bob_socket.send(chat_id, "bob's", client_id)
    assert from_ann["id"] != from_bob["id"]
    assert [m["body"] for m in api.history(ann, chat_id)] == ["ann's", "bob's"]
