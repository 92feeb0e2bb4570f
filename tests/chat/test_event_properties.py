"""Every client → server event of `/chat`, fed whatever a client could send (hypothesis,
tests/support/payloads.py): the answer is always an ack of §4's shape — `{"ok": true, …}` or an
error with a documented code — never a crash, never `internal_error`, and the socket goes on.

The size comes from the hypothesis profile: `HYPOTHESIS_PROFILE=long` is the documented long run
(10,000 payloads per event; docs/design.md#bad-input-at-scale).
"""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from campus.chat.schemas import REACTIONS
from tests.support.accounts import Auth
from tests.support.payloads import ids, json_values, shaped, texts
from tests.support.properties import sized
from tests.support.sockets import Socket

ERROR_CODES = {"validation_error", "not_found", "forbidden", "rate_limited", "too_large"}
SUCCESS_KEYS = {
    "send_message": {"message"},
    "edit_message": {"message"},
    "delete_message": {"message"},
    "read": set(),
    "typing": set(),
    "sync": {"chats"},
    "react": {"message"},
    "reauthenticate": {"expires_at"},
}


@pytest.fixture
def chatter(unthrottled_app, make_user_in):
    """A user on a socket with a private and a group chat holding a few messages: the ids a
    payload may name for real."""
    app = unthrottled_app
    ann, bob = make_user_in(app, "user"), make_user_in(app, "user")
    token = Auth(app).token(ann)
    sock = Socket(app, token)
    client = app.test_client()
    headers = Auth(app).headers(ann)
    chat_ids = [
        client.post("/api/v1/chats", json={"type": "private", "user_id": bob}, headers=headers).get_json()["id"],
        client.post(
            "/api/v1/chats", json={"type": "group", "title": "G", "member_ids": [bob]}, headers=headers
        ).get_json()["id"],
    ]
    message_ids = [
        client.post(
            f"/api/v1/chats/{chat_id}/messages", json={"client_id": f"m{n}", "body": "hi"}, headers=headers
        ).get_json()["id"]
        for n, chat_id in enumerate(chat_ids * 2)
    ]
    yield sock, chat_ids, message_ids, token
    sock.disconnect()


def payloads(event: str, chat_ids: list[int], message_ids: list[int], token: str) -> st.SearchStrategy:
    body = st.one_of(texts(), st.just("hello"), json_values(4))
    client_ids = st.one_of(st.uuids().map(str), texts(70), json_values(3))
    fields = {
        "send_message": {
            "chat_id": ids(chat_ids),
            "client_id": client_ids,
            "body": body,
            "attachment_id": ids([]),
            "reply_to": ids(message_ids),
            "mentions": st.one_of(st.lists(ids([]), max_size=3), json_values(3)),
        },
        "edit_message": {"message_id": ids(message_ids), "body": body},
        "delete_message": {"message_id": ids(message_ids)},
        "read": {"chat_id": ids(chat_ids), "seq": st.one_of(st.integers(-1, 5), json_values(3))},
        "typing": {"chat_id": ids(chat_ids), "typing": st.one_of(st.booleans(), json_values(3))},
        "react": {
            "message_id": ids(message_ids),
            "emoji": st.one_of(st.sampled_from(REACTIONS), texts(4), json_values(3)),
            "on": st.one_of(st.booleans(), json_values(3)),
        },
        "reauthenticate": {"token": st.one_of(texts(), json_values(3))},
        "sync": {
            "cursors": st.one_of(
                st.dictionaries(
                    st.one_of(st.sampled_from([str(i) for i in chat_ids] + ["0", "-1", "01", "9" * 20]), texts(8)),
                    st.one_of(st.integers(-1, 10), json_values(3)),
                    max_size=5,
                ),
                json_values(4),
            )
        },
    }[event]
    chat = st.sampled_from(chat_ids)
    message = st.sampled_from(message_ids)
    words = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=50)
    valid = {
        "send_message": {"chat_id": chat, "client_id": st.uuids().map(str), "body": words},
        "edit_message": {"message_id": message, "body": words},
        "delete_message": {"message_id": message},
        "read": {"chat_id": chat, "seq": st.integers(0, 2)},
        "typing": {"chat_id": chat, "typing": st.booleans()},
        "sync": {"cursors": st.dictionaries(chat.map(str), st.integers(0, 10), max_size=2)},
        "react": {"message_id": message, "emoji": st.sampled_from(REACTIONS), "on": st.booleans()},
        "reauthenticate": {"token": st.just(token)},
    }[event]
    return shaped(fields, valid)


def assert_documented_ack(event: str, ack) -> str:
    """The ack's outcome: "ok" or its error code."""
    assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), ack
    if ack["ok"]:
        assert SUCCESS_KEYS[event] <= set(ack), ack
        return "ok"
    error = ack["error"]
    assert set(ack) == {"ok", "error"} and set(error) == {"code", "message"}, ack
    assert error["code"] in ERROR_CODES, ack  # never internal_error
    assert isinstance(error["message"], str) and error["message"], ack
    return error["code"]


@pytest.mark.parametrize("event", sorted(SUCCESS_KEYS))
def test_any_payload_gets_a_documented_ack(chatter, event):
    sock, chat_ids, message_ids, token = chatter
    outcomes: Counter[str] = Counter()

    @sized("events")
    @given(payload=payloads(event, chat_ids, message_ids, token))
    def check(payload):
        outcomes[assert_documented_ack(event, sock.ack(event, payload))] += 1
        sock.client.get_received("/chat")  # what the server broadcast back: not kept

    check()
    print(f"{event}: {sum(outcomes.values())} payloads, {dict(outcomes.most_common())}")  # for the long run's note
    assert sock.ack("sync", {"cursors": {}}) == {"ok": True, "chats": []}  # the socket goes on


@given(name=st.one_of(texts(20), st.sampled_from(["connect", "disconnect", "message", "join", "leave"])))
def test_any_event_name_outside_section_4_is_a_validation_error(chatter, name):
    sock, *_ = chatter
    if name in SUCCESS_KEYS:
        return
    ack = sock.ack(name, {"chat_id": 1})
    assert ack["ok"] is False and ack["error"]["code"] == "validation_error", (name, ack)
