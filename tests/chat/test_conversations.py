"""Replies, mentions and reactions (docs/protocol.md#conversations) over the socket and HTTP."""

from __future__ import annotations

import pytest

from campus.chat.schemas import REACTIONS

API = "/api/v1"
THUMBS, HEART = REACTIONS[0], REACTIONS[1]


def error_code(ack) -> str:
    assert ack["ok"] is False, ack
    return ack["error"]["code"]


def send(sock, chat_id, client_id, body="hello", **extra):
    ack = sock.ack("send_message", {"chat_id": chat_id, "client_id": client_id, "body": body, **extra})
    return ack


def sent(sock, chat_id, client_id, body="hello", **extra) -> dict:
    ack = send(sock, chat_id, client_id, body, **extra)
    assert ack["ok"], ack
    return ack["message"]


def react(sock, message_id, emoji=THUMBS, on=True):
    return sock.ack("react", {"message_id": message_id, "emoji": emoji, "on": on})


# --- replies and history around a seq ------------------------------------------------------


def test_a_reply_carries_a_quote_of_the_original_live_in_history_and_in_sync(make_user, connect, chats, client, auth):
    ann, bob = make_user(), make_user()
    chat_id = chats.group(ann, [bob])
    ann_socket, bob_socket = connect(ann), connect(bob)
    original = sent(ann_socket, chat_id, "r-1", "x" * 300)

    reply = sent(bob_socket, chat_id, "r-2", "yes", reply_to=original["id"])

    quote = {"id": original["id"], "seq": original["seq"], "sender_id": ann, "body": "x" * 200, "deleted": False}
    assert reply["reply_to"] == original["id"] and reply["reply"] == quote
    assert ann_socket.events("message")[-1]["reply"] == quote
    page = client.get(f"{API}/chats/{chat_id}/messages", headers=auth.headers(ann)).get_json()
    assert page["items"][-1]["reply"] == quote and page["items"][0]["reply"] is None
    synced = ann_socket.ack("sync", {"cursors": {str(chat_id): 0}})["chats"][0]["messages"]
    assert synced[-1]["reply"] == quote


def test_a_reply_to_a_deleted_message_quotes_no_text(make_user, connect, chats):
    ann = make_user()
    chat_id = chats.group(ann, [make_user()])
    sock = connect(ann)
    original = sent(sock, chat_id, "d-1", "secret")
    reply = sent(sock, chat_id, "d-2", "answer", reply_to=original["id"])
    assert sock.ack("delete_message", {"message_id": original["id"]})["ok"]

    edited = sock.ack("edit_message", {"message_id": reply["id"], "body": "answer!"})["message"]

    assert edited["reply"] == {"id": original["id"], "seq": 1, "sender_id": ann, "body": None, "deleted": True}


def test_a_reply_into_another_chat_is_refused(make_user, connect, chats):
    ann, bob = make_user(), make_user()
    first, second = chats.group(ann, [bob]), chats.private(ann, bob)
    sock = connect(ann)
    elsewhere = sent(sock, first, "o-1")

    ack = send(sock, second, "o-2", reply_to=elsewhere["id"])

    assert error_code(ack) == "validation_error"


def test_history_around_a_seq_holds_it_in_the_middle(make_user, connect, chats, client, auth):
    ann = make_user()
    chat_id = chats.group(ann, [make_user()])
    sock = connect(ann)
    for n in range(1, 21):
        sent(sock, chat_id, f"a-{n}", f"m{n}")
    headers = auth.headers(ann)

    page = client.get(f"{API}/chats/{chat_id}/messages?around=10&limit=6", headers=headers).get_json()

    assert [m["seq"] for m in page["items"]] == [7, 8, 9, 10, 11, 12]
    older = client.get(f"{API}/chats/{chat_id}/messages?cursor={page['next_cursor']}&limit=6", headers=headers)
    assert [m["seq"] for m in older.get_json()["items"]] == [1, 2, 3, 4, 5, 6]
    start = client.get(f"{API}/chats/{chat_id}/messages?around=2&limit=6", headers=headers).get_json()
    assert [m["seq"] for m in start["items"]] == [1, 2, 3, 4, 5, 6] and start["next_cursor"] is None


@pytest.mark.parametrize("query", ["around=0", "around=x", "around=3&before=5", "around=3&after=1"])
def test_history_around_refuses_bad_queries(make_user, chats, client, auth, query):
    ann = make_user()
    chat_id = chats.group(ann, [])
    response = client.get(f"{API}/chats/{chat_id}/messages?{query}", headers=auth.headers(ann))
    assert response.status_code == 422, response.get_json()


def test_history_around_is_for_members_only(make_user, chats, client, auth):
    chat_id = chats.group(make_user(), [])
    response = client.get(f"{API}/chats/{chat_id}/messages?around=1", headers=auth.headers(make_user()))
    assert response.status_code == 404


# --- mentions ------------------------------------------------------------------------------


def test_mentions_keep_only_members_other_than_the_sender(make_user, connect, chats):
    ann, bob, cat, stranger = make_user(), make_user(), make_user(), make_user()
    chat_id = chats.group(ann, [bob, cat])
    sock = connect(ann)

    message = sent(sock, chat_id, "m-1", "@Bob @Cat", mentions=[cat, bob, stranger, ann, bob])

    assert message["mentions"] == sorted([bob, cat]) and message["mentions_all"] is False
    assert connect(bob).ack("sync", {"cursors": {str(chat_id): 0}})["chats"][0]["messages"][0]["mentions"] == sorted(
        [bob, cat]
    )


def test_mentioning_only_a_non_member_mentions_nobody(make_user, connect, chats):
    ann, bob, stranger = make_user(), make_user(), make_user()
    chat_id = chats.group(ann, [bob])
    assert sent(connect(ann), chat_id, "n-1", "@Stranger", mentions=[stranger])["mentions"] == []


@pytest.mark.parametrize("mentions", [["1"], [0], "3", [True], list(range(1, 60))])
def test_bad_mentions_are_refused(make_user, connect, chats, mentions):
    ann = make_user()
    chat_id = chats.group(ann, [make_user()])
    assert error_code(send(connect(ann), chat_id, "b-1", mentions=mentions)) == "validation_error"


def test_at_all_by_a_student_in_a_group_is_refused(make_user, connect, chats):
    owner, student = make_user(), make_user(role="student")
    chat_id = chats.group(owner, [student])

    ack = send(connect(student), chat_id, "s-1", "@all read this")

    assert error_code(ack) == "forbidden"
    # Inside an address, or in a private chat, it is plain text.
    assert sent(connect(student), chat_id, "s-2", "mail me at me@all.org")["mentions_all"] is False
    private = chats.private(student, owner)
    assert sent(connect(student), private, "s-3", "@all")["mentions_all"] is False


@pytest.mark.parametrize("who", ["owner", "teacher", "moderator"])
def test_at_all_by_an_owner_teacher_or_moderator_mentions_everyone(make_user, connect, chats, who):
    owner, member = make_user(), make_user(role=who if who != "owner" else "student")
    chat_id = chats.group(owner, [member])
    sender = owner if who == "owner" else member

    message = sent(connect(sender), chat_id, "all-1", "Hello @All!")

    assert message["mentions_all"] is True


# --- reactions -----------------------------------------------------------------------------


def test_a_reaction_takes_the_next_rev_and_reaches_every_member(make_user, connect, chats):
    ann, bob = make_user(), make_user()
    chat_id = chats.group(ann, [bob])
    ann_socket, bob_socket = connect(ann), connect(bob)
    message = sent(ann_socket, chat_id, "x-1")

    ack = react(bob_socket, message["id"])

    assert ack["ok"], ack
    reacted = ack["message"]
    assert reacted["rev"] == message["rev"] + 1 and reacted["body"] == "hello" and reacted["edited_at"] is None
    assert reacted["reactions"] == [{"emoji": THUMBS, "count": 1, "user_ids": [bob]}]
    assert ann_socket.events("message_reacted") == [reacted]
    both = react(ann_socket, message["id"], HEART)["message"]
    both = react(ann_socket, message["id"])["message"]
    assert both["reactions"] == [
        {"emoji": THUMBS, "count": 2, "user_ids": [bob, ann]},
        {"emoji": HEART, "count": 1, "user_ids": [ann]},
    ]
    # sync replays it like an edit: the message in its current state above the cursor.
    (synced,) = bob_socket.ack("sync", {"cursors": {str(chat_id): reacted["rev"]}})["chats"]
    assert synced["messages"] == [both] and synced["rev"] == both["rev"]


def test_reacting_twice_with_the_same_emoji_changes_nothing(make_user, connect, chats):
    ann = make_user()
    chat_id = chats.group(ann, [make_user()])
    sock = connect(ann)
    message = sent(sock, chat_id, "t-1")
    first = react(sock, message["id"])["message"]
    sock.clear()

    again = react(sock, message["id"])

    assert again == {"ok": True, "message": first}
    assert sock.events("message_reacted") == []
    taken_back = react(sock, message["id"], on=False)["message"]
    assert taken_back["reactions"] == [] and taken_back["rev"] == first["rev"] + 1
    assert react(sock, message["id"], on=False)["message"] == taken_back


@pytest.mark.parametrize(
    "payload",
    [
        {"emoji": "🦄", "on": True},
        {"emoji": "", "on": True},
        {"emoji": THUMBS, "on": "yes"},
        {"emoji": THUMBS},
        {"emoji": THUMBS, "on": True, "extra": 1},
    ],
)
def test_bad_reactions_are_refused(make_user, connect, chats, payload):
    ann = make_user()
    chat_id = chats.group(ann, [])
    sock = connect(ann)
    message = sent(sock, chat_id, "u-1")
    assert error_code(sock.ack("react", {"message_id": message["id"], **payload})) == "validation_error"


def test_reacting_in_a_chat_one_is_not_in_is_not_found(make_user, connect, chats):
    ann, stranger = make_user(), make_user()
    chat_id = chats.group(ann, [])
    message = sent(connect(ann), chat_id, "v-1")
    assert error_code(react(connect(stranger), message["id"])) == "not_found"
    assert error_code(react(connect(stranger), 999_999)) == "not_found"


def test_a_deleted_message_takes_no_reactions_and_shows_none(make_user, connect, chats):
    ann = make_user()
    chat_id = chats.group(ann, [])
    sock = connect(ann)
    message = sent(sock, chat_id, "w-1")
    react(sock, message["id"])
    deleted = sock.ack("delete_message", {"message_id": message["id"]})["message"]
    assert deleted["reactions"] == []
    assert error_code(react(sock, message["id"], HEART)) == "validation_error"


def test_reactions_count_in_the_flood_budget(app, make_user, connect, chats):
    ann = make_user()
    chat_id = chats.group(ann, [])
    sock = connect(ann)
    message = sent(sock, chat_id, "f-1")
    app.config.update(CHAT_EVENT_RATE=0.0001, CHAT_EVENT_BURST=2)

    acks = [react(sock, message["id"], emoji) for emoji in REACTIONS[:3]]

    assert [ack["ok"] for ack in acks[:2]] == [True, True]
    assert error_code(acks[2]) == "rate_limited"


def test_reactions_over_http(make_user, connect, chats, client, auth):
    ann, bob = make_user(), make_user()
    chat_id, other = chats.group(ann, [bob]), chats.group(bob, [ann])
    ann_socket = connect(ann)
    message = sent(ann_socket, chat_id, "h-1")
    url = f"{API}/chats/{chat_id}/messages/{message['id']}/reactions"

    response = client.post(url, json={"emoji": HEART, "on": True}, headers=auth.headers(bob))

    assert response.status_code == 200
    assert response.get_json()["reactions"] == [{"emoji": HEART, "count": 1, "user_ids": [bob]}]
    assert ann_socket.events("message_reacted")[-1] == response.get_json()
    wrong_chat = f"{API}/chats/{other}/messages/{message['id']}/reactions"
    assert client.post(wrong_chat, json={"emoji": HEART, "on": True}, headers=auth.headers(bob)).status_code == 404
    stranger = auth.headers(make_user())
    assert client.post(url, json={"emoji": HEART, "on": True}, headers=stranger).status_code == 404
    unknown = client.post(url, json={"emoji": "🦄", "on": True}, headers=auth.headers(bob))
    assert unknown.status_code == 422 and "emoji" in unknown.get_json()["error"]["fields"]
    assert client.post(url, json={"emoji": HEART, "on": True}).status_code == 401


def test_the_openapi_document_shows_the_additions(client):
    spec = client.get("/openapi.json").get_json()
    message = spec["components"]["schemas"]["Message"]["properties"]
    assert {"kind", "data", "mentions", "mentions_all", "reactions", "reply"} <= set(message)
    assert "/api/v1/chats/{chat_id}/messages/{message_id}/reactions" in spec["paths"]
    history = spec["paths"]["/api/v1/chats/{chat_id}/messages"]["get"]["parameters"]
    assert "around" in {parameter["name"] for parameter in history}
    send = spec["components"]["schemas"]["MessageBodyFields"]["properties"]
    assert "mentions" in send


# --- system lines --------------------------------------------------------------------------


def system_lines(messages) -> list[dict]:
    return [{k: m["data"][k] for k in m["data"] if k != "actor_id"} for m in messages if m["kind"] == "system"]


def test_adding_renaming_removing_and_leaving_leave_system_lines_for_every_member(
    make_user, connect, chats, client, auth
):
    ann, bob, cat = make_user(), make_user(), make_user()
    chat_id = chats.group(ann, [bob])
    bob_socket = connect(bob)
    url = f"{API}/chats/{chat_id}"
    headers = auth.headers(ann)

    assert client.post(f"{url}/members", json={"user_id": cat}, headers=headers).status_code == 201
    assert client.patch(url, json={"title": "Robots <3"}, headers=headers).status_code == 200
    assert client.delete(f"{url}/members/{cat}", headers=headers).status_code == 204
    assert client.delete(f"{url}/members/{bob}", headers=auth.headers(bob)).status_code == 204

    names = {
        user_id: client.get(f"{API}/users/me", headers=auth.headers(user_id)).get_json() for user_id in (ann, bob, cat)
    }
    full = {user_id: f"{u['first_name']} {u['last_name']}" for user_id, u in names.items()}
    expected = [
        {"action": "member_added", "actor_name": full[ann], "user_id": cat, "user_name": full[cat]},
        {"action": "renamed", "actor_name": full[ann], "title": "Robots <3"},
        {"action": "member_removed", "actor_name": full[ann], "user_id": cat, "user_name": full[cat]},
        {"action": "member_left", "actor_name": full[bob]},
    ]
    history = client.get(f"{url}/messages", headers=headers).get_json()["items"]
    assert system_lines(history) == expected
    assert all(m["body"] is None and m["sender_id"] in (ann, bob) for m in history)
    # Live, to whoever was a member at the time; and from sync.
    assert system_lines(bob_socket.events("message")) == expected[:3]
    synced = connect(ann).ack("sync", {"cursors": {str(chat_id): 0}})["chats"][0]["messages"]
    assert system_lines(synced) == expected
    # The actor has read their own lines: Ann has one unread, Bob's.
    listed = client.get(f"{API}/chats", headers=headers).get_json()["items"][0]
    assert listed["unread"] == 1 and listed["last_message"]["data"]["action"] == "member_left"


def test_a_new_member_hears_the_line_that_added_them(make_user, connect, chats, client, auth):
    ann, bob = make_user(), make_user()
    chat_id = chats.group(ann, [])
    bob_socket = connect(bob)

    client.post(f"{API}/chats/{chat_id}/members", json={"user_id": bob}, headers=auth.headers(ann))

    assert system_lines(bob_socket.events("message"))[0]["user_id"] == bob


def test_campus_chats_and_private_chats_get_no_system_lines(make_user, connect, chats, client, auth):
    ann, bob = make_user(), make_user()
    chat_id = chats.private(ann, bob)
    assert client.patch(f"{API}/chats/{chat_id}", json={"title": "x"}, headers=auth.headers(ann)).status_code == 403
    assert client.get(f"{API}/chats/{chat_id}/messages", headers=auth.headers(ann)).get_json()["items"] == []


def test_a_system_line_is_not_edited_deleted_reacted_to_or_replied_to(make_user, connect, chats, client, auth):
    ann, bob = make_user(), make_user(role="moderator")
    chat_id = chats.group(ann, [])
    client.post(f"{API}/chats/{chat_id}/members", json={"user_id": bob}, headers=auth.headers(ann))
    ann_socket = connect(ann)
    line = client.get(f"{API}/chats/{chat_id}/messages", headers=auth.headers(ann)).get_json()["items"][0]
    assert line["kind"] == "system"

    refusals = [
        ann_socket.ack("edit_message", {"message_id": line["id"], "body": "forged"}),
        ann_socket.ack("delete_message", {"message_id": line["id"]}),
        connect(bob).ack("delete_message", {"message_id": line["id"]}),
        react(ann_socket, line["id"]),
        send(ann_socket, chat_id, "q-1", reply_to=line["id"]),
    ]

    assert [error_code(ack) for ack in refusals] == ["validation_error"] * 5
