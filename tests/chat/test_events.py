"""The `/chat` events of docs/protocol.md through the Flask-SocketIO test client: acks, broadcasts,
and every refusal."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from campus.chat import fast_events as chat_fast_events
from campus.chat import messages as chat_messages
from campus.chat.chats import add_member, remove_member, rename_chat
from campus.chat.fast_events import FastEvents
from campus.chat.models import Chat, ChatMember, Message
from campus.extensions import db
from campus.users.models import User


def error_code(ack) -> str:
    assert ack["ok"] is False, ack
    assert set(ack["error"]) == {"code", "message"} and ack["error"]["message"]
    return ack["error"]["code"]


def send(sock, chat_id, client_id, body="hello", **extra):
    return sock.ack("send_message", {"chat_id": chat_id, "client_id": client_id, "body": body, **extra})


def stored_messages(app, chat_id):
    with app.app_context():
        return list(db.session.scalars(select(Message).where(Message.chat_id == chat_id).order_by(Message.seq)))


# --- send_message -------------------------------------------------------------------------


def test_send_is_acked_with_the_stored_message_and_broadcast_to_members(app, make_user, connect, chats, client_id):
    ann, bob = make_user(), make_user()
    chat_id = chats.private(ann, bob)
    ann_socket, bob_socket = connect(ann), connect(bob)

    first = send(ann_socket, chat_id, "c-1", "hi <b>Bob</b>")
    second = send(bob_socket, chat_id, "c-2", "hi Ann")

    assert first["ok"] and second["ok"]
    message = first["message"]
    assert set(message) == {
        "id",
        "chat_id",
        "seq",
        "rev",
        "sender_id",
        "client_id",
        "body",
        "attachment",
        "reply_to",
        "created_at",
        "edited_at",
        "deleted_at",
        "pinned_at",
        "deleted_by_moderator",
        # docs/protocol.md#conversations
        "kind",
        "data",
        "mentions",
        "mentions_all",
        "reactions",
        "reply",
    }
    assert (message["chat_id"], message["seq"], message["sender_id"], message["client_id"], message["body"]) == (
        chat_id,
        1,
        ann,
        "c-1",
        "hi <b>Bob</b>",
    )
    assert message["created_at"].endswith("Z") and message["deleted_at"] is None and message["attachment"] is None
    assert second["message"]["seq"] == 2 and second["message"]["rev"] > message["rev"]
    assert bob_socket.events("message") == [first["message"], second["message"]]
    assert ann_socket.events("message") == [first["message"], second["message"]]


def test_same_client_id_five_times_stores_one_message(app, make_user, connect, chats):
    ann, bob = make_user(), make_user()
    chat_id = chats.private(ann, bob)
    ann_socket, bob_socket = connect(ann), connect(bob)

    acks = [send(ann_socket, chat_id, "same-id", f"attempt {n}") for n in range(5)]

    assert all(ack["ok"] for ack in acks)
    assert all(ack["message"] == acks[0]["message"] for ack in acks)
    assert acks[0]["message"]["body"] == "attempt 0"
    assert [m.body for m in stored_messages(app, chat_id)] == ["attempt 0"]
    assert len(bob_socket.events("message")) == 1
    # The numbering skipped nothing for the refused resends.
    assert send(ann_socket, chat_id, "next-id")["message"]["seq"] == 2


def test_saved_messages_is_a_chat_with_oneself(app, make_user, connect, chats):
    ann = make_user()
    chat_id = chats.private(ann, ann)
    ack = send(connect(ann), chat_id, "note-1", "remember the milk")
    assert ack["ok"] and ack["message"]["seq"] == 1


def test_a_non_member_gets_not_found_as_for_a_missing_chat(app, make_user, connect, chats):
    ann, bob, eve = make_user(), make_user(), make_user()
    chat_id = chats.private(ann, bob)
    eve_socket = connect(eve)
    assert error_code(send(eve_socket, chat_id, "x-1")) == "not_found"
    assert error_code(send(eve_socket, 999_999, "x-2")) == "not_found"
    assert stored_messages(app, chat_id) == []


@pytest.mark.parametrize("outsider", ["never_a_member", "removed"])
def test_every_event_on_a_chat_checks_membership(app, make_user, connect, chats, outsider):
    """Each event reads membership from the database: an outsider — also one removed a moment
    ago, with the socket opened while a member — gets not_found and the members hear nothing."""
    owner, eve = make_user(), make_user()
    chat_id = chats.group(owner, [eve] if outsider == "removed" else [])
    owner_socket, eve_socket = connect(owner), connect(eve)
    message = send(owner_socket, chat_id, "m-1")["message"]
    if outsider == "removed":
        with app.app_context():
            remove_member(db.session.get(User, owner), chat_id, eve)
    owner_socket.clear()

    refusals = [
        send(eve_socket, chat_id, "e-1"),
        eve_socket.ack("edit_message", {"message_id": message["id"], "body": "changed"}),
        eve_socket.ack("delete_message", {"message_id": message["id"]}),
        eve_socket.ack("read", {"chat_id": chat_id, "seq": 1}),
        eve_socket.ack("typing", {"chat_id": chat_id, "typing": True}),
    ]
    assert [error_code(ack) for ack in refusals] == ["not_found"] * 5
    assert eve_socket.ack("sync", {"cursors": {str(chat_id): 0}})["chats"] == [
        {"chat_id": chat_id, "rev": 0, "messages": [], "chat": None, "left": True, "reset": False}
    ]
    assert owner_socket.received() == []
    # (the removal's system line aside)
    assert [(m.body, m.deleted_at) for m in stored_messages(app, chat_id) if m.kind is None] == [("hello", None)]


def test_a_message_is_broadcast_and_acked_only_after_its_commit(app, make_user, connect, chats, monkeypatch):
    """At the moment of the broadcast the message is already visible to another connection; a
    commit that fails broadcasts nothing, stores nothing and answers an error ack."""
    from campus.chat import notify

    ann, bob = make_user(), make_user()
    chat_id = chats.private(ann, bob)
    ann_socket, bob_socket = connect(ann), connect(bob)
    seen_by_others = []
    broadcast = notify.message_created

    def checking_broadcast(message):
        with app.app_context(), db.engine.connect() as other:  # a connection of its own: sees committed rows only
            seen_by_others.append(other.execute(select(Message.body).where(Message.id == message["id"])).scalar())
        broadcast(message)

    monkeypatch.setattr(notify, "message_created", checking_broadcast)
    assert send(ann_socket, chat_id, "c-1", "committed first")["ok"]
    assert seen_by_others == ["committed first"]
    assert [m["body"] for m in bob_socket.events("message")] == ["committed first"]

    # The send path commits on a connection of the engine's pool (campus.chat.fast_events).
    with app.app_context():
        engine = db.engine
    raw_connection = engine.raw_connection

    class FailingCommit:
        def __init__(self):
            self.connection = raw_connection()

        def __getattr__(self, name):
            return getattr(self.connection, name)

        def commit(self):
            raise RuntimeError("the database went away")

    monkeypatch.setattr(engine, "raw_connection", FailingCommit)
    FastEvents.of(app).release_connections()
    assert error_code(send(ann_socket, chat_id, "c-2", "never committed")) == "internal_error"
    monkeypatch.undo()
    assert seen_by_others == ["committed first"]
    assert [m["body"] for m in bob_socket.events("message")] == ["committed first"]
    assert [m.body for m in stored_messages(app, chat_id)] == ["committed first"]


@pytest.mark.parametrize(
    "payload",
    [
        None,
        "a string",
        12,
        [1, 2],
        {},
        {"chat_id": "1", "client_id": "a", "body": "x"},
        {"chat_id": 1.0, "client_id": "a", "body": "x"},
        {"chat_id": True, "client_id": "a", "body": "x"},
        {"chat_id": 2**70, "client_id": "a", "body": "x"},
        {"chat_id": -1, "client_id": "a", "body": "x"},
        {"chat_id": "CHAT", "body": "x"},
        {"chat_id": "CHAT", "client_id": "", "body": "x"},
        {"chat_id": "CHAT", "client_id": "x" * 65, "body": "x"},
        {"chat_id": "CHAT", "client_id": 7, "body": "x"},
        {"chat_id": "CHAT", "client_id": "a"},
        {"chat_id": "CHAT", "client_id": "a", "body": "   "},
        {"chat_id": "CHAT", "client_id": "a", "body": "nul\x00byte"},
        {"chat_id": "CHAT", "client_id": "a", "body": "lone \ud800 surrogate"},
        {"chat_id": "CHAT", "client_id": "a", "body": {"nested": ["deep"]}},
        {"chat_id": "CHAT", "client_id": "a", "body": "x", "sender_id": 1},
        {"chat_id": "CHAT", "client_id": "a", "body": "x", "reply_to": "1"},
    ],
)
def test_bad_send_payloads_get_a_validation_error_ack(app, make_user, connect, chats, payload):
    ann, bob = make_user(), make_user()
    chat_id = chats.private(ann, bob)
    if isinstance(payload, dict) and payload.get("chat_id") == "CHAT":
        payload = {**payload, "chat_id": chat_id}
    assert error_code(connect(ann).ack("send_message", payload)) == "validation_error"
    assert stored_messages(app, chat_id) == []


def test_a_body_over_4000_code_points_is_too_large(app, make_user, connect, chats):
    ann, bob = make_user(), make_user()
    chat_id = chats.private(ann, bob)
    sock = connect(ann)
    assert error_code(send(sock, chat_id, "big", "я" * 4001)) == "too_large"
    # 4000 code points are fine, even when they take more bytes (emoji: 4 bytes each).
    ack = send(sock, chat_id, "max", "😀" * 4000)
    assert ack["ok"] and len(ack["message"]["body"]) == 4000


def test_reply_to_must_be_a_message_of_the_same_chat(app, make_user, connect, chats):
    ann, bob = make_user(), make_user()
    one, other = chats.private(ann, bob), chats.private(ann, ann)
    sock = connect(ann)
    elsewhere = send(sock, other, "o-1")["message"]["id"]
    original = send(sock, one, "r-1")["message"]["id"]
    assert error_code(send(sock, one, "r-2", reply_to=elsewhere)) == "validation_error"
    reply = send(sock, one, "r-3", reply_to=original)
    assert reply["ok"] and reply["message"]["reply_to"] == original


def test_an_attachment_id_without_an_upload_is_not_found(app, make_user, connect, chats):
    ann = make_user()
    chat_id = chats.private(ann, ann)
    assert (
        error_code(connect(ann).ack("send_message", {"chat_id": chat_id, "client_id": "a", "attachment_id": 5}))
        == "not_found"
    )


def make_campus_chat(app, kind: str, member_ids) -> int:
    with app.app_context():
        chat = Chat(type="group", kind=kind, title="Physics", major_id=1, key=f"{kind}:1", rev=1, changed_rev=1)
        db.session.add(chat)
        db.session.flush()
        for user_id in member_ids:
            db.session.add(ChatMember(chat_id=chat.id, user_id=user_id, role="member", joined_rev=1))
        db.session.commit()
        return chat.id


def test_a_student_may_not_post_in_an_announcement_chat_a_teacher_may(app, make_user, connect):
    student, teacher = make_user("student"), make_user("teacher")
    chat_id = make_campus_chat(app, "major", [student, teacher])
    student_socket, teacher_socket = connect(student), connect(teacher)

    assert error_code(send(student_socket, chat_id, "s-1")) == "forbidden"
    assert error_code(student_socket.ack("typing", {"chat_id": chat_id, "typing": True})) == "forbidden"
    ack = send(teacher_socket, chat_id, "t-1", "Exam on Monday")
    assert ack["ok"] and ack["message"]["seq"] == 1
    assert [m["body"] for m in student_socket.events("message")] == ["Exam on Monday"]


def test_students_post_in_a_cohort_chat(app, make_user, connect):
    student = make_user("student")
    chat_id = make_campus_chat(app, "cohort", [student])
    assert send(connect(student), chat_id, "s-1")["ok"]


def test_a_guest_may_not_chat(app, make_user, connect, chats):
    ann, guest = make_user(), make_user("guest")
    chat_id = chats.private(ann, ann)
    assert error_code(send(connect(guest), chat_id, "g-1")) == "forbidden"


def test_a_user_demoted_to_guest_stops_hearing_their_chats_at_once(app, make_user, connect, chats):
    """Memberships stay, but a guest hears none of them — neither the socket open at the
    demotion nor a new one — and hears them again, without reconnecting, once promoted back."""
    from campus.users import services as users

    admin, ann, bob = make_user("admin"), make_user(), make_user()
    chat_id = chats.private(ann, bob)
    bob_socket, ann_socket = connect(bob), connect(ann)

    def set_role(role):
        with app.app_context():
            users.change_role(db.session.get(User, admin), db.session.get(User, bob), role)

    set_role("guest")
    guest_socket = connect(bob)
    assert send(ann_socket, chat_id, "g-1", "while bob is a guest")["ok"]
    ann_socket.ack("typing", {"chat_id": chat_id, "typing": True})
    for sock in (bob_socket, guest_socket):
        assert sock.events("message") == [] and sock.events("typing") == []
        assert error_code(send(sock, chat_id, "g-2")) == "forbidden"

    set_role("user")
    assert send(ann_socket, chat_id, "g-3", "bob is back")["ok"]
    for sock in (bob_socket, guest_socket):
        assert [m["body"] for m in sock.events("message")] == ["bob is back"]


def test_a_guest_promoted_by_create_admin_hears_their_chats_at_once(app, make_user, connect, chats):
    from campus.users import services as users

    ann, bob = make_user(), make_user("guest", email="bob@example.edu")
    chat_id = chats.private(ann, bob)
    bob_socket, ann_socket = connect(bob), connect(ann)
    with app.app_context():
        users.create_admin("bob@example.edu", "a long password 1", role_name="admin")
    assert send(ann_socket, chat_id, "p-1", "welcome back")["ok"]
    assert [m["body"] for m in bob_socket.events("message")] == ["welcome back"]


def test_a_deactivated_user_is_refused_on_the_next_event(app, make_user, connect, chats):
    """Through the service, as an admin deactivates: the user's sockets are ended, and one that
    sent anyway would find its actor forgotten (campus.chat.connections) and read again."""
    from campus.chat.connections import connections
    from campus.users import services as users

    admin, ann = make_user("admin"), make_user()
    chat_id = chats.private(ann, ann)
    sock = connect(ann)
    with app.app_context():
        users.set_active(db.session.get(User, admin), db.session.get(User, ann), False)
    assert connections.actor_of(ann) is None
    assert not sock.client.is_connected("/chat") or error_code(send(sock, chat_id, "d-1")) == "forbidden"
    assert stored_messages(app, chat_id) == []


def test_a_change_made_straight_in_the_database_is_seen_within_the_actors_keeping_time(
    app, make_user, connect, chats, monkeypatch
):
    """No service, no move: the kept actor is read again after `ACTOR_KEPT_SECONDS` at most."""
    from campus.chat import connections as kept

    ann = make_user()
    chat_id = chats.private(ann, ann)
    sock = connect(ann)
    with app.app_context():
        db.session.get(User, ann).is_active = False
        db.session.commit()
    later = kept.time.monotonic() + kept.ACTOR_KEPT_SECONDS + 1
    monkeypatch.setattr(kept.time, "monotonic", lambda: later)
    assert error_code(send(sock, chat_id, "d-1")) == "forbidden"


def test_a_flood_is_rate_limited(app, make_user, connect, chats):
    app.config.update(CHAT_EVENT_RATE=0.0001, CHAT_EVENT_BURST=3)
    ann = make_user()
    chat_id = chats.private(ann, ann)
    sock = connect(ann)
    acks = [send(sock, chat_id, f"f-{n}") for n in range(5)]
    assert [ack["ok"] for ack in acks[:3]] == [True, True, True]
    assert [error_code(ack) for ack in acks[3:]] == ["rate_limited", "rate_limited"]
    assert error_code(sock.ack("typing", {"chat_id": chat_id, "typing": True})) == "rate_limited"
    assert len(stored_messages(app, chat_id)) == 3


@pytest.mark.parametrize(
    ("module", "name", "body"),
    [
        (chat_fast_events, "utcnow", "a plain message: the fast path"),
        (chat_messages, "_clean_body", "@all of you: a mention takes the full path"),
    ],
)
def test_an_unexpected_failure_is_an_internal_error_ack(
    app, make_user, connect, chats, monkeypatch, module, name, body
):
    ann = make_user()
    chat_id = chats.private(ann, ann)
    sock = connect(ann)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(module, name, broken)
    assert error_code(send(sock, chat_id, "i-1", body)) == "internal_error"
    monkeypatch.undo()
    assert send(sock, chat_id, "i-1", body)["ok"]


# --- edit_message / delete_message ----------------------------------------------------------


def test_the_sender_edits_and_members_get_message_updated(app, make_user, connect, chats):
    ann, bob = make_user(), make_user()
    chat_id = chats.group(ann, [bob])
    ann_socket, bob_socket = connect(ann), connect(bob)
    original = send(ann_socket, chat_id, "e-1", "helo")["message"]

    ack = ann_socket.ack("edit_message", {"message_id": original["id"], "body": "hello"})

    assert ack["ok"]
    edited = ack["message"]
    assert (edited["body"], edited["seq"]) == ("hello", original["seq"])
    assert edited["rev"] > original["rev"] and edited["edited_at"]
    assert bob_socket.events("message_updated") == [edited]
    assert error_code(bob_socket.ack("edit_message", {"message_id": original["id"], "body": "mine"})) == "forbidden"
    assert error_code(ann_socket.ack("edit_message", {"message_id": original["id"], "body": "x" * 4001})) == "too_large"
    assert error_code(ann_socket.ack("edit_message", {"message_id": original["id"]})) == "validation_error"
    assert error_code(ann_socket.ack("edit_message", {"message_id": 999_999, "body": "x"})) == "not_found"


def test_delete_keeps_the_place_without_a_body(app, make_user, connect, chats):
    ann, bob = make_user(), make_user()
    chat_id = chats.group(ann, [bob])
    ann_socket, bob_socket = connect(ann), connect(bob)
    original = send(bob_socket, chat_id, "d-1", "oops")["message"]

    assert error_code(bob_socket.ack("delete_message", {"message_id": 999_999})) == "not_found"
    ack = bob_socket.ack("delete_message", {"message_id": original["id"]})

    deleted = ack["message"]
    assert ack["ok"] and deleted["body"] is None and deleted["deleted_at"] and deleted["seq"] == original["seq"]
    assert ann_socket.events("message_deleted") == [deleted]
    again = bob_socket.ack("delete_message", {"message_id": original["id"]})
    assert again == {"ok": True, "message": deleted}
    assert (
        error_code(bob_socket.ack("edit_message", {"message_id": original["id"], "body": "back"})) == "validation_error"
    )


def test_who_may_delete_others_messages(app, make_user, connect, chats):
    owner, member, other, moderator = make_user(), make_user(), make_user(), make_user("moderator")
    group = chats.group(owner, [member, other, moderator])
    private = chats.private(moderator, member)
    member_socket, other_socket = connect(member), connect(other)
    owner_socket, moderator_socket = connect(owner), connect(moderator)
    ids = [send(member_socket, group, f"w-{n}")["message"]["id"] for n in range(2)]
    in_private = send(member_socket, private, "w-p")["message"]["id"]

    assert error_code(other_socket.ack("delete_message", {"message_id": ids[0]})) == "forbidden"
    assert owner_socket.ack("delete_message", {"message_id": ids[0]})["ok"]
    assert moderator_socket.ack("delete_message", {"message_id": ids[1]})["ok"]
    assert error_code(moderator_socket.ack("delete_message", {"message_id": in_private})) == "forbidden"


# --- read / typing --------------------------------------------------------------------------


def test_read_marker_moves_forward_only_and_is_broadcast(app, make_user, connect, chats):
    ann, bob = make_user(), make_user()
    chat_id = chats.private(ann, bob)
    ann_socket, bob_socket = connect(ann), connect(bob)
    for n in range(3):
        send(ann_socket, chat_id, f"m-{n}")

    assert bob_socket.ack("read", {"chat_id": chat_id, "seq": 2}) == {"ok": True}
    assert bob_socket.ack("read", {"chat_id": chat_id, "seq": 1}) == {"ok": True}
    assert ann_socket.events("read") == [{"chat_id": chat_id, "user_id": bob, "seq": 2}]
    assert error_code(bob_socket.ack("read", {"chat_id": chat_id, "seq": 4})) == "validation_error"
    assert error_code(bob_socket.ack("read", {"chat_id": chat_id, "seq": -1})) == "validation_error"
    assert error_code(connect(make_user()).ack("read", {"chat_id": chat_id, "seq": 1})) == "not_found"
    with app.app_context():
        assert db.session.get(ChatMember, (chat_id, bob)).last_read_seq == 2


def test_typing_reaches_the_others_only(app, make_user, connect, chats):
    ann, bob = make_user(), make_user()
    chat_id = chats.private(ann, bob)
    ann_socket, bob_socket = connect(ann), connect(bob)

    assert ann_socket.ack("typing", {"chat_id": chat_id, "typing": True}) == {"ok": True}

    assert bob_socket.events("typing") == [{"chat_id": chat_id, "user_id": ann, "typing": True}]
    assert ann_socket.events("typing") == []
    for not_a_boolean in ("yes", 1, 0):
        assert error_code(ann_socket.ack("typing", {"chat_id": chat_id, "typing": not_a_boolean})) == "validation_error"
    assert error_code(connect(make_user()).ack("typing", {"chat_id": chat_id, "typing": True})) == "not_found"


# --- membership moves sockets -----------------------------------------------------------------


def test_a_removed_member_stops_receiving_at_once(app, make_user, connect, chats):
    owner, stays, leaves = make_user(), make_user(), make_user()
    chat_id = chats.group(owner, [stays, leaves])
    owner_socket, stays_socket, leaves_socket = connect(owner), connect(stays), connect(leaves)
    second_tab = connect(leaves)

    with app.app_context():
        remove_member(db.session.get(User, owner), chat_id, leaves)
    send(owner_socket, chat_id, "after-removal", "secret plans")
    owner_socket.ack("typing", {"chat_id": chat_id, "typing": True})

    for sock in (leaves_socket, second_tab):
        removed = sock.events("chat_updated")
        assert [(e["change"], e["chat"]["id"]) for e in removed] == [("member_removed", chat_id)]
        assert sock.events("message") == [] and sock.events("typing") == []
    assert [m["body"] for m in stays_socket.events("message") if m["kind"] == "message"] == ["secret plans"]
    assert error_code(send(leaves_socket, chat_id, "l-1")) == "not_found"


def test_an_added_member_receives_without_reconnecting(app, make_user, connect, chats):
    owner, newcomer = make_user(), make_user()
    chat_id = chats.group(owner, [])
    owner_socket, newcomer_socket = connect(owner), connect(newcomer)

    with app.app_context():
        add_member(db.session.get(User, owner), chat_id, newcomer)
    send(owner_socket, chat_id, "welcome", "welcome!")

    assert [e["change"] for e in newcomer_socket.events("chat_updated")] == ["member_added"]
    assert [m["body"] for m in newcomer_socket.events("message") if m["kind"] == "message"] == ["welcome!"]


def test_a_new_chat_reaches_the_other_side_without_reconnecting(app, make_user, connect, chats):
    ann, bob = make_user(), make_user()
    bob_socket = connect(bob)
    chat_id = chats.private(ann, bob)
    assert [(e["change"], e["chat"]["id"]) for e in bob_socket.events("chat_updated")] == [("created", chat_id)]
    send(connect(ann), chat_id, "first")
    assert len(bob_socket.events("message")) == 1


def test_on_connect_the_socket_is_in_every_chat_room_from_the_database(app, make_user, connect, chats):
    ann, bob = make_user(), make_user()
    rooms = [chats.private(ann, bob), chats.group(bob, [ann]), chats.private(ann, ann)]
    ann_socket = connect(ann)
    bob_socket = connect(bob)
    for n, chat_id in enumerate(rooms):
        send(bob_socket if n < 2 else ann_socket, chat_id, f"r-{n}")
    assert sorted(m["chat_id"] for m in ann_socket.events("message")) == sorted(rooms)


# --- sync ---------------------------------------------------------------------------------


def test_sync_gives_every_change_above_the_cursor_in_its_current_state(app, make_user, connect, chats):
    ann, bob = make_user(), make_user()
    chat_id = chats.group(ann, [bob])
    ann_socket, bob_socket = connect(ann), connect(bob)
    before = [send(ann_socket, chat_id, f"s-{n}", f"old {n}")["message"] for n in range(2)]
    cursor = before[-1]["rev"]
    new = [send(ann_socket, chat_id, f"t-{n}", f"new {n}")["message"] for n in range(2)]
    ann_socket.ack("edit_message", {"message_id": before[0]["id"], "body": "old 0, edited"})
    ann_socket.ack("delete_message", {"message_id": new[0]["id"]})

    ack = bob_socket.ack("sync", {"cursors": {str(chat_id): cursor}})

    assert ack["ok"]
    (answer,) = ack["chats"]
    assert answer["chat_id"] == chat_id and answer["left"] is False and answer["reset"] is False
    assert answer["chat"] is None
    assert [(m["seq"], m["body"]) for m in answer["messages"]] == [(1, "old 0, edited"), (3, None), (4, "new 1")]
    assert answer["messages"][1]["deleted_at"]
    with app.app_context():
        assert answer["rev"] == db.session.get(Chat, chat_id).rev
    nothing = bob_socket.ack("sync", {"cursors": {str(chat_id): answer["rev"]}})["chats"][0]
    assert (nothing["messages"], nothing["chat"], nothing["rev"]) == ([], None, answer["rev"])


def test_sync_reports_a_changed_chat_and_left_chats(app, make_user, connect, chats):
    owner, member, leaver = make_user(), make_user(), make_user()
    chat_id = chats.group(owner, [member, leaver], title="Old")
    leaver_socket, member_socket = connect(leaver), connect(member)
    cursor = member_socket.ack("sync", {"cursors": {str(chat_id): 0}})["chats"][0]["rev"]
    with app.app_context():
        owner_user = db.session.get(User, owner)
        rename_chat(owner_user, chat_id, "New")
        remove_member(owner_user, chat_id, leaver)

    answer = member_socket.ack("sync", {"cursors": {str(chat_id): cursor}})["chats"][0]
    assert answer["chat"]["title"] == "New"
    assert [m["user_id"] for m in answer["chat"]["members"]] == [owner, member]
    left = leaver_socket.ack("sync", {"cursors": {str(chat_id): cursor, "999999": 3}})["chats"]
    assert [(a["chat_id"], a["left"], a["messages"], a["chat"]) for a in left] == [
        (chat_id, True, [], None),
        (999999, True, [], None),
    ]


def test_sync_resets_when_the_gap_is_too_large_or_the_cursor_is_ahead(app, make_user, connect, chats, monkeypatch):
    ann = make_user()
    chat_id = chats.private(ann, ann)
    sock = connect(ann)
    for n in range(4):
        send(sock, chat_id, f"g-{n}")
    app.config.update(CHAT_SYNC_MAX_MESSAGES=3)

    too_far = sock.ack("sync", {"cursors": {str(chat_id): 0}})["chats"][0]
    close = sock.ack("sync", {"cursors": {str(chat_id): too_far["rev"] - 2}})["chats"][0]
    ahead = sock.ack("sync", {"cursors": {str(chat_id): too_far["rev"] + 10}})["chats"][0]

    assert (too_far["reset"], too_far["messages"]) == (True, [])
    assert close["reset"] is False and [m["seq"] for m in close["messages"]] == [3, 4]
    assert ahead["reset"] is True and ahead["rev"] == too_far["rev"]


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        {},
        {"cursors": []},
        {"cursors": {"abc": 1}},
        {"cursors": {"0": 1}},
        {"cursors": {"1": -1}},
        {"cursors": {"1": "5"}},
        {"cursors": {"1": 2**70}},
        {"cursors": {"1": 1}, "extra": True},
        {"cursors": {str(n): 0 for n in range(1, 502)}},
    ],
)
def test_bad_sync_payloads_get_a_validation_error_ack(app, make_user, connect, payload):
    assert error_code(connect(make_user()).ack("sync", payload)) == "validation_error"


@pytest.mark.parametrize("event", ["edit_message", "delete_message", "read", "typing"])
@pytest.mark.parametrize("payload", [None, "x", [1], {"message_id": "1", "chat_id": "1"}, {"unknown": 1}])
def test_bad_payloads_of_every_event_get_a_validation_error_ack(app, make_user, connect, event, payload):
    assert error_code(connect(make_user()).ack(event, payload)) == "validation_error"


def test_an_event_without_a_payload_or_with_extra_arguments_is_acked(app, make_user, connect):
    sock = connect(make_user())
    assert error_code(sock.ack("send_message")) == "validation_error"
    assert sock.ack("sync", {"cursors": {}}, "extra") == {"ok": True, "chats": []}


# --- presence ------------------------------------------------------------------------------


def test_presence_goes_to_users_who_share_a_chat(app, make_user, connect, chats):
    ann, bob, stranger = make_user(), make_user(), make_user()
    chats.private(ann, bob)
    ann_socket, stranger_socket = connect(ann), connect(stranger)

    bob_socket = connect(bob)
    bob_second_tab = connect(bob)
    bob_second_tab.disconnect()
    assert [e["online"] for e in ann_socket.events("presence") if e["user_id"] == bob] == [True]
    bob_socket.disconnect()

    changes = [e for e in ann_socket.events("presence") if e["user_id"] == bob]
    assert [(e["user_id"], e["online"]) for e in changes] == [(bob, True), (bob, False)]
    assert changes[-1]["last_seen"].endswith("Z")
    assert stranger_socket.events("presence") == []


def test_the_hand_built_message_payload_is_the_documented_shape(app, make_user, connect, chats):
    from campus.chat.message_parts import reply_from_values
    from campus.chat.payloads import message_from_orm, message_from_row, message_from_values, select_messages
    from campus.chat.schemas import MessageSchema

    reply_names = ("reply_seq", "reply_sender_id", "reply_body", "reply_deleted_at")

    ann = make_user()
    chat_id = chats.private(ann, ann)
    sock = connect(ann)
    first = send(sock, chat_id, "p-1", "one")["message"]
    send(sock, chat_id, "p-2", "two", reply_to=first["id"])
    sock.ack("edit_message", {"message_id": first["id"], "body": "one!"})
    sock.ack("delete_message", {"message_id": first["id"]})
    with app.app_context():
        rows = db.session.execute(select_messages().where(Message.chat_id == chat_id).order_by(Message.seq)).all()
        messages = list(db.session.scalars(select(Message).where(Message.chat_id == chat_id).order_by(Message.seq)))
        assert len(rows) == len(messages) == 2
        for message, row in zip(messages, rows, strict=True):
            documented = MessageSchema().dump(message_from_orm(message))
            values = {name: value for name, value in row._mapping.items() if name != "id"}
            reply = reply_from_values(row.reply_to, *(values.pop(name) for name in reply_names))
            assert message_from_orm(message) == documented
            assert message_from_row(row) == documented
            assert message_from_values(row.id, values, reply=reply) == documented
    assert documented["reply"] == {"id": first["id"], "seq": 1, "sender_id": ann, "body": None, "deleted": True}


def test_error_messages_follow_the_language_of_the_connection(app, make_user, connect):
    sock = connect(make_user(), headers={"Accept-Language": "ru"})
    ack = send(sock, 999_999, "ru-1")
    assert ack["error"] == {"code": "not_found", "message": "Чат не найден."}
