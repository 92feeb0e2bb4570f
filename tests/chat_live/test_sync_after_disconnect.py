"""A member who was away catches up with `sync`: exactly the changes they missed, in order."""

from __future__ import annotations

import pytest

from tests.support.chat_client import ChatSocket

pytestmark = pytest.mark.server


def test_sync_returns_exactly_the_missed_changes_in_seq_order(live, api):
    ann, bob, cid = api.register("ann"), api.register("bob"), api.register("cid")
    chat = api.group(ann, [bob, cid], title="Lab 3")
    chat_id = chat["id"]
    with (
        ChatSocket(live.url, ann.token) as ann_socket,
        ChatSocket(live.url, bob.token) as bob_socket,
        ChatSocket(live.url, cid.token) as cid_socket,
    ):
        kept = ann_socket.send(chat_id, "seen before leaving")
        to_edit = bob_socket.send(chat_id, "will be edited while cid is away")
        to_delete = ann_socket.send(chat_id, "will be deleted while cid is away")
        cid_socket.wait_for_message(chat_id, seq=to_delete["seq"])
        cursor = cid_socket.sync({chat_id: 0})[chat_id]["rev"]  # cid has applied everything so far
        assert cursor >= to_delete["rev"]

        cid_socket.disconnect()
        latest: dict[int, dict] = {}  # what the server acked for each message changed while away
        for body in ("one", "two"):
            message = ann_socket.send(chat_id, body)
            latest[message["id"]] = message
        edited = bob_socket.ok("edit_message", {"message_id": to_edit["id"], "body": "edited"})["message"]
        latest[edited["id"]] = edited
        deleted = ann_socket.ok("delete_message", {"message_id": to_delete["id"]})["message"]
        latest[deleted["id"]] = deleted
        three = bob_socket.send(chat_id, "three")
        latest[three["id"]] = three
        three_edited = bob_socket.ok("edit_message", {"message_id": three["id"], "body": "three, edited"})["message"]
        latest[three["id"]] = three_edited
        renamed = api.ok(ann, "PATCH", f"/chats/{chat_id}", json={"title": "Lab 3 (moved)"})
        ann_socket.wait_for(lambda e: e.name == "chat_updated" and e.data["change"] == "renamed", what="the rename")

        cid_socket.connect()
        answer = cid_socket.sync({chat_id: cursor})[chat_id]

    missed = sorted(latest.values(), key=lambda message: message["seq"])
    # The rename's system line is the last change (docs/protocol.md#system-lines).
    *_, line = answer["messages"]
    assert line["kind"] == "system" and line["data"]["title"] == "Lab 3 (moved)" and line["rev"] == renamed["rev"]
    missed.append(line)
    assert answer["messages"] == missed  # each once, in its current state, in ascending seq
    assert [m["seq"] for m in answer["messages"]] == sorted(m["seq"] for m in answer["messages"])
    assert kept["id"] not in {m["id"] for m in answer["messages"]}
    deleted_now = next(m for m in answer["messages"] if m["id"] == to_delete["id"])
    assert deleted_now["deleted_at"] is not None and deleted_now["body"] is None
    assert answer["chat"]["title"] == "Lab 3 (moved)"
    assert answer["rev"] == renamed["rev"]
    assert answer["left"] is False and answer["reset"] is False
    # The same changes, seen through REST by a member who never left.
    history = api.history(ann, chat_id)
    assert [m for m in history if m["rev"] > cursor] == missed


def test_sync_with_the_answered_rev_returns_nothing_more(live, api):
    ann, bob = api.register("ann"), api.register("bob")
    chat_id = api.group(ann, [bob])["id"]
    with ChatSocket(live.url, ann.token) as ann_socket, ChatSocket(live.url, bob.token) as bob_socket:
        ann_socket.send(chat_id, "hello")
        first = bob_socket.sync({chat_id: 0})[chat_id]
        again = bob_socket.sync({chat_id: first["rev"]})[chat_id]
    assert [m["body"] for m in first["messages"]] == ["hello"]
    assert again["messages"] == [] and again["chat"] is None and again["rev"] == first["rev"]


def test_a_removed_member_learns_by_sync_that_they_left(live, api):
    ann, bob = api.register("ann"), api.register("bob")
    chat_id = api.group(ann, [bob])["id"]
    with ChatSocket(live.url, bob.token) as bob_socket:
        cursor = bob_socket.sync({chat_id: 0})[chat_id]["rev"]
        bob_socket.disconnect()
        api.ok(ann, "DELETE", f"/chats/{chat_id}/members/{bob.id}")
        with ChatSocket(live.url, ann.token) as ann_socket:
            ann_socket.send(chat_id, "after bob left")
        bob_socket.connect()
        answer = bob_socket.sync({chat_id: cursor})[chat_id]
    assert answer["left"] is True
    assert "after bob left" not in [m["body"] for m in answer["messages"]]
