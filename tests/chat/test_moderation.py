"""Moderation (docs/protocol.md#moderation): who may pin, mute and delete others' messages; a
muted member's sends refused with the reason and the end; pins replayed by sync; every action in
the audit log, readable on its page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text

from campus.audit.models import AuditEntry
from campus.chat.models import Chat
from campus.extensions import db

API = "/api/v1"
YEAR = date.today().year - 1


@pytest.fixture
def api(client, auth):
    """`api(method, user_id, path, **kw)` → the response, with that user's Bearer token."""

    def call(method: str, user_id: int, path: str, **kwargs):
        return getattr(client, method)(API + path, headers=auth.headers(user_id), **kwargs)

    return call


@pytest.fixture
def send(api, client_id):
    def post(user_id: int, chat_id: int, body: str = "hello"):
        return api("post", user_id, f"/chats/{chat_id}/messages", json={"client_id": client_id(), "body": body})

    return post


def code(response, status: int) -> str:
    assert response.status_code == status, (response.status_code, response.get_json())
    return response.get_json()["error"]["code"]


def actions(app) -> list[tuple]:
    with app.app_context():
        return [
            (entry.actor_id, entry.action, entry.target_type, entry.target_id)
            for entry in db.session.scalars(
                select(AuditEntry).where(AuditEntry.action.like("chat.%")).order_by(AuditEntry.id)
            )
        ]


@pytest.fixture
def campus_chat(app, make_user, make_major, make_student, api):
    """A major's announcement chat with a student in it and a teacher who joined: `(chat_id, teacher, student)`."""
    student, teacher = make_user("student"), make_user("teacher")
    major = make_major()
    make_student(major_id=major, user_id=student, enrollment_year=YEAR)
    with app.app_context():
        chat_id = db.session.scalar(select(Chat.id).where(Chat.key == f"major:{major}"))
    assert api("post", teacher, f"/chats/{chat_id}/members", json={"user_id": teacher}).status_code == 201
    return chat_id, teacher, student


def test_a_plain_member_cannot_pin_mute_or_delete_others_messages(api, send, chats, make_user):
    owner, ann, bob = make_user(), make_user("student"), make_user("student")
    chat = chats.group(owner, [ann, bob])
    message = send(bob, chat, "bob's words").get_json()["id"]

    assert code(api("put", ann, f"/chats/{chat}/pins/{message}"), 403) == "forbidden"
    assert code(api("put", ann, f"/chats/{chat}/mutes/{bob}", json={"minutes": 5, "reason": "x"}), 403) == "forbidden"
    assert code(api("get", ann, f"/chats/{chat}/mutes"), 403) == "forbidden"
    assert code(api("delete", ann, f"/chats/{chat}/mutes/{bob}"), 403) == "forbidden"
    assert code(api("delete", ann, f"/chats/{chat}/members/{bob}"), 403) == "forbidden"


def test_a_plain_member_cannot_delete_others_messages_on_the_socket(send, chats, make_user, connect):
    owner, ann, bob = make_user(), make_user("student"), make_user("student")
    chat = chats.group(owner, [ann, bob])
    message = send(bob, chat, "bob's words").get_json()["id"]

    ack = connect(ann).ack("delete_message", {"message_id": message})

    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"


def test_a_student_cannot_pin_or_mute_in_a_campus_chat_but_the_teacher_can(api, send, campus_chat):
    chat, teacher, student = campus_chat
    announcement = send(teacher, chat, "Exam on Monday").get_json()

    assert code(api("put", student, f"/chats/{chat}/pins/{announcement['id']}"), 403) == "forbidden"
    assert code(api("put", student, f"/chats/{chat}/mutes/{teacher}", json={"minutes": 5, "reason": "x"}), 403)

    pinned = api("put", teacher, f"/chats/{chat}/pins/{announcement['id']}")
    assert pinned.status_code == 200 and pinned.get_json()["pinned_at"] is not None
    listed = api("get", student, f"/chats/{chat}/pins").get_json()["items"]
    assert [m["id"] for m in listed] == [announcement["id"]]
    muted = api("put", teacher, f"/chats/{chat}/mutes/{student}", json={"minutes": 5, "reason": "spam"})
    assert muted.status_code == 200


def test_pins_are_idempotent_broadcast_and_replayed_by_sync(api, send, chats, make_user, connect):
    owner, ann = make_user(), make_user()
    chat = chats.group(owner, [ann])
    first = send(ann, chat, "first").get_json()
    sock = connect(ann)
    cursor = first["rev"]

    pinned = api("put", owner, f"/chats/{chat}/pins/{first['id']}").get_json()
    again = api("put", owner, f"/chats/{chat}/pins/{first['id']}").get_json()

    assert pinned["rev"] > first["rev"] and again == pinned
    assert [m["pinned_at"] for m in sock.events("message_updated")] == [pinned["pinned_at"]]
    replay = connect(ann).ack("sync", {"cursors": {str(chat): cursor}})["chats"][0]
    assert [(m["id"], m["pinned_at"]) for m in replay["messages"]] == [(first["id"], pinned["pinned_at"])]

    unpinned = api("delete", owner, f"/chats/{chat}/pins/{first['id']}").get_json()
    assert unpinned["pinned_at"] is None and unpinned["rev"] > pinned["rev"]
    assert api("get", ann, f"/chats/{chat}/pins").get_json()["items"] == []


def test_private_chat_members_pin_and_outsiders_see_nothing(api, send, chats, make_user):
    ann, bob, eve = make_user(), make_user(), make_user()
    chat = chats.private(ann, bob)
    message = send(ann, chat).get_json()["id"]

    assert api("put", bob, f"/chats/{chat}/pins/{message}").status_code == 200
    assert code(api("get", eve, f"/chats/{chat}/pins"), 404) == "not_found"
    assert code(api("put", eve, f"/chats/{chat}/pins/{message}"), 404) == "not_found"
    other = chats.group(ann, [])
    assert code(api("put", ann, f"/chats/{other}/pins/{message}"), 404) == "not_found"  # not that chat's


def test_a_deleted_message_cannot_be_pinned_and_deleting_unpins(api, send, chats, make_user, connect):
    owner, ann = make_user(), make_user()
    chat = chats.group(owner, [ann])
    pinned = send(ann, chat, "pin me").get_json()["id"]
    gone = send(ann, chat, "gone").get_json()["id"]
    api("put", owner, f"/chats/{chat}/pins/{pinned}")
    sock = connect(ann)
    sock.ack("delete_message", {"message_id": gone})
    sock.ack("delete_message", {"message_id": pinned})

    assert code(api("put", owner, f"/chats/{chat}/pins/{gone}"), 422) == "validation_error"
    assert api("get", ann, f"/chats/{chat}/pins").get_json()["items"] == []


def test_a_system_line_cannot_be_pinned(api, chats, make_user):
    owner, ann = make_user(), make_user()
    chat = chats.group(owner, [])
    assert api("post", owner, f"/chats/{chat}/members", json={"user_id": ann}).status_code == 201
    line = api("get", owner, f"/chats/{chat}/messages").get_json()["items"][-1]
    assert line["kind"] == "system"

    assert code(api("put", owner, f"/chats/{chat}/pins/{line['id']}"), 422) == "validation_error"
    assert api("get", owner, f"/chats/{chat}/pins").get_json()["items"] == []


def test_a_moderator_deletes_a_students_message_for_everyone(app, api, send, chats, make_user, connect):
    moderator, owner, student = make_user("moderator"), make_user(), make_user("student")
    chat = chats.group(owner, [moderator, student])
    message = send(student, chat, "rude words").get_json()["id"]
    own = send(student, chat, "my own").get_json()["id"]
    watcher = connect(student)

    ack = connect(moderator).ack("delete_message", {"message_id": message})
    own_ack = watcher.ack("delete_message", {"message_id": own})

    assert ack["ok"] and ack["message"]["deleted_by_moderator"] is True and ack["message"]["body"] is None
    assert own_ack["message"]["deleted_by_moderator"] is False
    deleted = {m["id"]: m for m in watcher.events("message_deleted")}
    assert deleted[message]["deleted_by_moderator"] is True
    history = api("get", owner, f"/chats/{chat}/messages").get_json()["items"]
    assert [m["deleted_by_moderator"] for m in history] == [True, False]
    assert actions(app) == [(moderator, "chat.message_deleted", "message", message)]


def test_a_muted_member_is_refused_with_the_reason_and_the_end(app, api, send, chats, make_user, connect):
    owner, ann = make_user(), make_user()
    chat = chats.group(owner, [ann])

    muted = api("put", owner, f"/chats/{chat}/mutes/{ann}", json={"minutes": 30, "reason": "Flooding the chat"})

    assert muted.status_code == 200
    mute = muted.get_json()
    until = datetime.fromisoformat(mute["until"])
    assert timedelta(minutes=29) < until - datetime.now(UTC) <= timedelta(minutes=30)
    assert (mute["user_id"], mute["reason"], mute["muted_by"]) == (ann, "Flooding the chat", owner)
    refused = send(ann, chat, "let me talk")
    assert code(refused, 403) == "forbidden"
    assert refused.get_json()["error"]["muted"] == {"until": mute["until"], "reason": "Flooding the chat"}
    ack = connect(ann).ack("send_message", {"chat_id": chat, "client_id": "muted-1", "body": "hi"})
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"
    assert "Flooding the chat" in ack["error"]["message"] and mute["until"] in ack["error"]["message"]
    assert [m["user_id"] for m in api("get", owner, f"/chats/{chat}/mutes").get_json()["items"]] == [ann]
    assert send(owner, chat, "others still post").status_code == 201

    assert api("delete", owner, f"/chats/{chat}/mutes/{ann}").status_code == 204
    assert send(ann, chat, "back").status_code == 201
    assert [a[1] for a in actions(app)] == ["chat.member_muted", "chat.member_unmuted"]


def test_an_ended_mute_refuses_nothing(app, api, send, chats, make_user):
    owner, ann = make_user(), make_user()
    chat = chats.group(owner, [ann])
    api("put", owner, f"/chats/{chat}/mutes/{ann}", json={"minutes": 5, "reason": "cool down"})
    with app.app_context():
        db.session.execute(
            text("UPDATE chat_mutes SET until = :past"), {"past": datetime.now(UTC) - timedelta(seconds=1)}
        )
        db.session.commit()

    assert send(ann, chat).status_code == 201
    assert api("get", owner, f"/chats/{chat}/mutes").get_json()["items"] == []


def test_mute_rules(api, chats, make_user):
    owner, admin_member, ann, moderator = make_user(), make_user(), make_user(), make_user("moderator")
    chat = chats.group(owner, [admin_member, ann, moderator])
    outsider = make_user()

    def mute(actor, target, **body):
        return api("put", actor, f"/chats/{chat}/mutes/{target}", json={"minutes": 5, "reason": "r"} | body)

    assert code(mute(owner, owner), 422) == "validation_error"  # oneself
    assert code(mute(owner, outsider), 404) == "not_found"
    assert code(mute(owner, ann, minutes=0), 422) == "validation_error"
    assert code(mute(owner, ann, minutes=366 * 24 * 60 + 1), 422) == "validation_error"
    assert code(mute(owner, ann, reason=""), 422) == "validation_error"
    assert code(mute(owner, ann, minutes="5"), 422) == "validation_error"
    assert code(mute(owner, ann, extra=1), 422) == "validation_error"
    assert code(mute(owner, moderator), 403) == "forbidden"  # a moderator outranks a group owner
    assert mute(moderator, owner).status_code == 200  # and mutes them
    assert code(mute(outsider, ann), 404) == "not_found"


def test_removing_a_member_is_in_the_audit_log_leaving_is_not(app, api, chats, make_user):
    owner, ann, bob = make_user(), make_user(), make_user()
    chat = chats.group(owner, [ann, bob])

    assert api("delete", owner, f"/chats/{chat}/members/{ann}").status_code == 204
    assert api("delete", bob, f"/chats/{chat}/members/{bob}").status_code == 204

    assert actions(app) == [(owner, "chat.member_removed", "user", ann)]


def test_moderation_is_readable_on_the_audit_page(app, api, send, chats, make_user, browser_for):
    owner, ann, admin = make_user(), make_user(), make_user("admin")
    chat = chats.group(owner, [ann])
    message = send(ann, chat).get_json()["id"]
    api("put", owner, f"/chats/{chat}/pins/{message}")
    api("put", owner, f"/chats/{chat}/mutes/{ann}", json={"minutes": 5, "reason": "Off-topic <script>"})

    page = browser_for(admin).get("/admin/audit").get_data(as_text=True)

    assert "Message pinned" in page and "Chat member muted" in page and "Chat message" in page
    assert "Off-topic &lt;script&gt;" in page and "<script>" not in page.split("Off-topic")[1][:20]


def test_a_campus_chats_staff_are_its_teachers(api, chats, campus_chat, make_user):
    chat, teacher, student = campus_chat
    group = chats.group(student, [])

    staff = api("get", student, f"/chats/{chat}/staff").get_json()["items"]

    assert [person["user_id"] for person in staff] == [teacher]
    assert set(staff[0]) == {"user_id", "first_name", "last_name"}
    assert api("get", student, f"/chats/{group}/staff").get_json()["items"] == []
    assert code(api("get", make_user(), f"/chats/{chat}/staff"), 404) == "not_found"
    assert api("delete", teacher, f"/chats/{chat}/members/{teacher}").status_code == 204
    assert api("get", student, f"/chats/{chat}/staff").get_json()["items"] == []


def test_the_pages_cookie_needs_the_csrf_value_to_pin_or_mute(app, client, auth, send, chats, make_user):
    owner, ann = make_user(), make_user()
    chat = chats.group(owner, [ann])
    message = send(ann, chat).get_json()["id"]
    csrf_value = auth.set_cookies(client, auth.token(owner))

    for method, path, body in (
        ("put", f"/chats/{chat}/pins/{message}", None),
        ("put", f"/chats/{chat}/mutes/{ann}", {"minutes": 5, "reason": "x"}),
    ):
        refused = getattr(client, method)(API + path, json=body)
        assert code(refused, 403) == "csrf_failed"
        header = {app.config["JWT_ACCESS_CSRF_HEADER_NAME"]: csrf_value}
        assert getattr(client, method)(API + path, json=body, headers=header).status_code == 200
