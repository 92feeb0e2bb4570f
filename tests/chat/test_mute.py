"""Muting a chat's notifications (docs/protocol.md#muting-a-chat): per member, private to them,
carried by `<chat>` in answers to the caller (GET, the chat list, `sync`)."""

from __future__ import annotations

import pytest

API = "/api/v1"


@pytest.fixture
def pair(make_user, auth, chats):
    ann, bob = make_user(), make_user()
    return {"ann": ann, "bob": bob, "chat": chats.private(ann, bob), "headers": auth.headers}


def mute(client, pair, who: str, body, chat_id=None):
    chat_id = pair["chat"] if chat_id is None else chat_id
    return client.patch(f"{API}/chats/{chat_id}/notifications", json=body, headers=pair["headers"](pair[who]))


def test_a_member_mutes_and_unmutes_for_themself_only(client, pair):
    muted = mute(client, pair, "bob", {"muted": True})
    assert muted.status_code == 200 and muted.get_json()["muted"] is True

    def seen_by(who):
        headers = pair["headers"](pair[who])
        chat = client.get(f"{API}/chats/{pair['chat']}", headers=headers).get_json()
        listed = client.get(f"{API}/chats", headers=headers).get_json()["items"]
        return chat["muted"], next(item["muted"] for item in listed if item["id"] == pair["chat"])

    assert seen_by("bob") == (True, True)
    assert seen_by("ann") == (False, False)
    unmuted = mute(client, pair, "bob", {"muted": False})
    assert unmuted.status_code == 200 and unmuted.get_json()["muted"] is False
    assert seen_by("bob") == (False, False)


def test_a_replayed_chat_carries_the_callers_muted(client, pair, connect):
    mute(client, pair, "bob", {"muted": True})
    answer = connect(pair["bob"]).ack("sync", {"cursors": {str(pair["chat"]): 0}})["chats"][0]
    assert answer["chat"]["muted"] is True
    answer = connect(pair["ann"]).ack("sync", {"cursors": {str(pair["chat"]): 0}})["chats"][0]
    assert answer["chat"]["muted"] is False


def test_muting_tells_nobody_else(client, pair, connect):
    ann_socket = connect(pair["ann"])
    mute(client, pair, "bob", {"muted": True})
    assert [event for event, _data in ann_socket.received() if event != "presence"] == []


def test_a_non_member_cannot_mute(client, pair, make_user):
    pair["eve"] = make_user()
    response = mute(client, pair, "eve", {"muted": True})
    assert response.status_code == 404
    assert mute(client, pair, "bob", {"muted": True}, chat_id=999999).status_code == 404


@pytest.mark.parametrize("body", [{}, {"muted": "yes"}, {"muted": 1}, {"muted": None}, {"muted": True, "until": 5}])
def test_bad_bodies_are_422(client, pair, body):
    response = mute(client, pair, "bob", body)
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "validation_error"


def test_muting_needs_a_sign_in(client, pair):
    response = client.patch(f"{API}/chats/{pair['chat']}/notifications", json={"muted": True})
    assert response.status_code == 401
