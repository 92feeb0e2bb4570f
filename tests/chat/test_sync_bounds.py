"""`sync` is bounded per call (messages and bytes over all its chats; a chat past the bound answers
`reset`) and costs the flood budget by what it replayed (docs/protocol.md#sync)."""

from __future__ import annotations

from campus.chat.messages import send_message
from campus.extensions import db
from campus.users.models import User


def fill(app, user_id: int, chat_id: int, count: int, body: str = "hello") -> None:
    """`count` messages through the service (outside the flood budget)."""
    with app.app_context():
        user = db.session.get(User, user_id)
        for n in range(count):
            send_message(user, chat_id, client_id=f"fill-{chat_id}-{n}", body=body)


def sync(sock, cursors: dict[int, int]) -> dict:
    return sock.ack("sync", {"cursors": {str(chat_id): rev for chat_id, rev in cursors.items()}})


def test_the_message_bound_is_for_the_whole_call(app, make_user, connect, chats):
    ann = make_user()
    first, second = chats.group(ann, title="one"), chats.group(ann, title="two")
    fill(app, ann, first, 3)
    fill(app, ann, second, 3)
    app.config.update(CHAT_SYNC_MAX_MESSAGES=4)
    answer = sync(connect(ann), {first: 0, second: 0})["chats"]
    assert [(len(chat["messages"]), chat["reset"]) for chat in answer] == [(3, False), (0, True)]
    # The reset chat's rev is current: the client reloads it and goes on from there.
    assert answer[1]["rev"] > 0


def test_a_chat_past_the_byte_bound_answers_reset(app, make_user, connect, chats):
    ann = make_user()
    big, small = chats.group(ann, title="big"), chats.group(ann, title="small")
    fill(app, ann, big, 3, body="x" * 1000)
    fill(app, ann, small, 1, body="hi")
    app.config.update(CHAT_SYNC_MAX_BYTES=2500)
    answer = sync(connect(ann), {big: 0, small: 0})["chats"]
    assert [(chat["reset"], [m["body"] for m in chat["messages"]]) for chat in answer] == [(True, []), (False, ["hi"])]


def test_sync_costs_the_flood_budget_by_what_it_replayed(app, make_user, connect, chats):
    ann = make_user()
    chat_id = chats.group(ann)
    fill(app, ann, chat_id, 60)
    app.config.update(CHAT_EVENT_RATE=0.0001, CHAT_EVENT_BURST=5)
    sock = connect(ann)
    # One event for the call, one for the chat read, two for its 60 messages: 4 of the 5.
    assert sync(sock, {chat_id: 0})["ok"] is True
    typing = {"chat_id": chat_id, "typing": True}
    assert sock.ack("typing", typing)["ok"] is True
    assert sock.ack("typing", typing)["error"]["code"] == "rate_limited"


def test_a_chat_read_costs_one_event_and_nothing_new_costs_nothing_more(app, make_user, connect, chats):
    ann = make_user()
    chat_id = chats.group(ann)
    app.config.update(CHAT_EVENT_RATE=0.0001, CHAT_EVENT_BURST=3)
    sock = connect(ann)
    rev = sync(sock, {chat_id: 0})["chats"][0]["rev"]  # the chat changed above 0: 2 events
    assert sync(sock, {chat_id: rev})["ok"] is True  # nothing new: 1 event
    assert sync(sock, {chat_id: rev})["error"]["code"] == "rate_limited"
