"""The chat's JSON API (docs/protocol.md): every endpoint, its status codes and refusals; messages
sent over HTTP reach sockets."""

from __future__ import annotations

import pytest

API = "/api/v1"


@pytest.fixture
def api(client, auth):
    """`api.get(user_id, path, **kw)` etc. with that user's Bearer token."""

    class Api:
        def __getattr__(self, method):
            def call(user_id, path, **kwargs):
                headers = auth.headers(user_id) if user_id else {}
                return getattr(client, method)(API + path, headers=headers, **kwargs)

            return call

    return Api()


def error(response, status: int) -> str:
    assert response.status_code == status, (response.status_code, response.get_json())
    return response.get_json()["error"]["code"]


def test_private_chat_is_created_once_per_pair(api, make_user):
    ann, bob = make_user(), make_user()
    created = api.post(ann, "/chats", json={"type": "private", "user_id": bob})
    again = api.post(bob, "/chats", json={"type": "private", "user_id": ann})

    assert created.status_code == 201 and again.status_code == 200
    chat = created.get_json()
    assert again.get_json()["id"] == chat["id"]
    assert (chat["type"], chat["title"], chat["kind"], chat["last_seq"]) == ("private", None, None, 0)
    assert sorted(m["user_id"] for m in chat["members"]) == sorted([ann, bob])
    assert {"user_id", "role", "first_name", "last_name", "last_read_seq", "online", "last_seen"} <= set(
        chat["members"][0]
    )
    saved = api.post(ann, "/chats", json={"type": "private", "user_id": ann})
    assert saved.status_code == 201 and [m["user_id"] for m in saved.get_json()["members"]] == [ann]


@pytest.mark.parametrize(
    "body",
    [
        {"type": "private"},
        {"type": "private", "user_id": "2"},
        {"type": "private", "user_id": 2, "title": "x"},
        {"type": "group"},
        {"type": "group", "title": ""},
        {"type": "group", "title": "x" * 101},
        {"type": "group", "title": "ok", "user_id": 2},
        {"type": "group", "title": "ok", "member_ids": [999999]},
        {"type": "channel", "title": "x"},
        {"type": "group", "title": "ok", "owner_id": 1},
    ],
)
def test_bad_chat_bodies_are_422(api, make_user, body):
    assert error(api.post(make_user(), "/chats", json=body), 422) == "validation_error"


@pytest.mark.parametrize("member_ids", [[2**53], [2, "3"], [0, True]])
def test_a_bad_member_id_is_reported_by_its_path_as_a_list_of_problems(api, make_user, member_ids):
    """docs/api.md: every `fields` value is a list of text, also for an item of a list."""
    response = api.post(make_user(), "/chats", json={"type": "group", "title": "ok", "member_ids": member_ids})
    assert error(response, 422) == "validation_error"
    fields = response.get_json()["error"]["fields"]
    bad = [
        f"member_ids.{index}"
        for index, value in enumerate(member_ids)
        if not (type(value) is int and value > 0 and value < 2**53)
    ]
    assert sorted(fields) == bad
    assert all(problems and all(isinstance(problem, str) for problem in problems) for problems in fields.values())


def test_private_chat_with_a_missing_user_is_404(api, make_user):
    assert error(api.post(make_user(), "/chats", json={"type": "private", "user_id": 999999}), 404) == "not_found"


def test_chat_endpoints_need_a_token_and_the_chat_permission(api, make_user):
    assert error(api.get(None, "/chats"), 401) == "token_missing"
    assert error(api.get(make_user("guest"), "/chats"), 403) == "forbidden"


def test_group_lifecycle_rename_add_remove_leave(api, make_user):
    owner, ann, bob, outsider = make_user(), make_user(), make_user(), make_user()
    response = api.post(owner, "/chats", json={"type": "group", "title": "Robotics", "member_ids": [ann]})
    assert response.status_code == 201
    chat = response.get_json()
    chat_id = chat["id"]
    assert {m["user_id"]: m["role"] for m in chat["members"]} == {owner: "owner", ann: "member"}

    assert api.patch(owner, f"/chats/{chat_id}", json={"title": "Robots"}).get_json()["title"] == "Robots"
    assert error(api.patch(ann, f"/chats/{chat_id}", json={"title": "Mine"}), 403) == "forbidden"
    assert error(api.patch(outsider, f"/chats/{chat_id}", json={"title": "x"}), 404) == "not_found"
    assert error(api.get(outsider, f"/chats/{chat_id}"), 404) == "not_found"

    assert api.post(owner, f"/chats/{chat_id}/members", json={"user_id": bob}).status_code == 201
    assert api.post(owner, f"/chats/{chat_id}/members", json={"user_id": bob}).status_code == 200
    assert error(api.post(ann, f"/chats/{chat_id}/members", json={"user_id": outsider}), 403) == "forbidden"
    assert error(api.post(owner, f"/chats/{chat_id}/members", json={"user_id": 999999}), 404) == "not_found"
    assert error(api.post(owner, f"/chats/{chat_id}/members", json={"user_id": "5"}), 422) == "validation_error"

    assert error(api.delete(ann, f"/chats/{chat_id}/members/{bob}"), 403) == "forbidden"
    assert api.delete(owner, f"/chats/{chat_id}/members/{bob}").status_code == 204
    assert error(api.delete(owner, f"/chats/{chat_id}/members/{bob}"), 404) == "not_found"
    assert api.delete(ann, f"/chats/{chat_id}/members/{ann}").status_code == 204
    assert error(api.get(ann, f"/chats/{chat_id}"), 404) == "not_found"
    # The owner leaves: someone else inherits the group.
    api.post(owner, f"/chats/{chat_id}/members", json={"user_id": bob})
    assert api.delete(owner, f"/chats/{chat_id}/members/{owner}").status_code == 204
    assert api.get(bob, f"/chats/{chat_id}").get_json()["members"] == [
        {**api.get(bob, f"/chats/{chat_id}").get_json()["members"][0], "user_id": bob, "role": "owner"}
    ]


def test_private_chats_cannot_be_renamed_joined_or_left(api, make_user):
    ann, bob, eve = make_user(), make_user(), make_user()
    chat_id = api.post(ann, "/chats", json={"type": "private", "user_id": bob}).get_json()["id"]
    assert error(api.patch(ann, f"/chats/{chat_id}", json={"title": "x"}), 403) == "forbidden"
    assert error(api.post(ann, f"/chats/{chat_id}/members", json={"user_id": eve}), 403) == "forbidden"
    assert error(api.delete(ann, f"/chats/{chat_id}/members/{ann}"), 403) == "forbidden"


def test_a_moderator_removes_members_of_user_groups(api, make_user):
    owner, member, moderator = make_user(), make_user(), make_user("moderator")
    chat_id = api.post(
        owner, "/chats", json={"type": "group", "title": "G", "member_ids": [member, moderator]}
    ).get_json()["id"]
    assert api.delete(moderator, f"/chats/{chat_id}/members/{member}").status_code == 204


def test_messages_send_history_and_read(api, make_user, connect):
    ann, bob = make_user(), make_user()
    chat_id = api.post(ann, "/chats", json={"type": "private", "user_id": bob}).get_json()["id"]
    bob_socket = connect(bob)

    sent = api.post(ann, f"/chats/{chat_id}/messages", json={"client_id": "h-1", "body": "over HTTP"})
    resent = api.post(ann, f"/chats/{chat_id}/messages", json={"client_id": "h-1", "body": "changed"})

    assert sent.status_code == 201 and resent.status_code == 200
    assert resent.get_json() == sent.get_json() and sent.get_json()["body"] == "over HTTP"
    assert bob_socket.events("message") == [sent.get_json()]
    for n in range(2, 6):
        api.post(bob if n == 3 else ann, f"/chats/{chat_id}/messages", json={"client_id": f"h-{n}", "body": f"m{n}"})

    newest = api.get(ann, f"/chats/{chat_id}/messages?limit=2").get_json()
    assert [m["seq"] for m in newest["items"]] == [4, 5] and newest["next_cursor"]
    older = api.get(ann, f"/chats/{chat_id}/messages?limit=2&cursor={newest['next_cursor']}").get_json()
    assert [m["seq"] for m in older["items"]] == [2, 3]
    assert [m["seq"] for m in api.get(ann, f"/chats/{chat_id}/messages?before=3").get_json()["items"]] == [1, 2]
    after = api.get(ann, f"/chats/{chat_id}/messages?after=1&limit=3").get_json()
    assert [m["seq"] for m in after["items"]] == [2, 3, 4]
    rest = api.get(ann, f"/chats/{chat_id}/messages?cursor={after['next_cursor']}").get_json()
    assert [m["seq"] for m in rest["items"]] == [5] and rest["next_cursor"] is None
    assert [m["body"] for m in api.get(bob, f"/messages/{ann}").get_json()["items"]] == [
        "over HTTP",
        "m2",
        "m3",
        "m4",
        "m5",
    ]

    listed = api.get(bob, "/chats").get_json()["items"][0]
    assert (listed["unread"], listed["last_message"]["seq"]) == (2, 5)  # bob sent 3: read up to it
    assert api.post(bob, f"/chats/{chat_id}/read", json={"seq": 5}).status_code == 200
    assert api.get(bob, "/chats").get_json()["items"][0]["unread"] == 0
    assert error(api.post(bob, f"/chats/{chat_id}/read", json={"seq": 6}), 422) == "validation_error"


@pytest.mark.parametrize(
    "query",
    [
        "before=0",
        "before=x",
        "after=-1",
        "limit=0",
        "limit=101",
        "before=1&after=1",
        "cursor=garbage",
        "cursor=WyJzaWRld2F5cyIsMV0",
    ],
)
def test_bad_history_queries_are_422(api, make_user, query):
    ann = make_user()
    chat_id = api.post(ann, "/chats", json={"type": "private", "user_id": ann}).get_json()["id"]
    assert error(api.get(ann, f"/chats/{chat_id}/messages?{query}"), 422) == "validation_error"


def test_message_refusals_over_http(api, make_user):
    ann, eve = make_user(), make_user()
    chat_id = api.post(ann, "/chats", json={"type": "private", "user_id": ann}).get_json()["id"]
    path = f"/chats/{chat_id}/messages"
    assert error(api.post(eve, path, json={"client_id": "e", "body": "x"}), 404) == "not_found"
    assert error(api.get(eve, path), 404) == "not_found"
    assert error(api.post(ann, path, json={"client_id": "b", "body": "x" * 4001}), 413) == "too_large"
    assert error(api.post(ann, path, json={"client_id": "b", "body": "a\x00b"}), 422) == "validation_error"
    assert error(api.post(ann, path, json={"body": "x"}), 422) == "validation_error"
    assert error(api.post(ann, path, data="x", content_type="text/plain"), 415) == "unsupported_media_type"
    assert error(api.get(ann, "/messages/999999"), 404) == "not_found"
    assert api.get(ann, f"/messages/{eve}").get_json() == {"items": [], "next_cursor": None}


@pytest.mark.parametrize(
    "query", ["", "?before=1", "?after=1", "?around=1", "?cursor=garbage", "?cursor=WyJhZnRlciIsMF0"]
)
def test_history_of_a_chat_one_is_not_in_is_404_whatever_the_query(api, make_user, query):
    """The page and the membership are one statement now: a non-member still learns nothing,
    not even that a cursor is bad."""
    ann, eve = make_user(), make_user()
    chat_id = api.post(ann, "/chats", json={"type": "private", "user_id": ann}).get_json()["id"]
    api.post(ann, f"/chats/{chat_id}/messages", json={"client_id": "n-1", "body": "mine"})
    assert error(api.get(eve, f"/chats/{chat_id}/messages{query}"), 404) == "not_found"
    assert error(api.get(eve, f"/chats/999999/messages{query}"), 404) == "not_found"


@pytest.mark.parametrize("query", ["?before=1", "?after=1", "?around=5", ""])
def test_an_empty_history_page_is_empty_not_404(api, make_user, query):
    ann = make_user()
    chat_id = api.post(ann, "/chats", json={"type": "private", "user_id": ann}).get_json()["id"]
    if query != "?before=1":
        page = api.get(ann, f"/chats/{chat_id}/messages{query}")
        assert page.status_code == 200 and page.get_json() == {"items": [], "next_cursor": None}
    api.post(ann, f"/chats/{chat_id}/messages", json={"client_id": "e-1", "body": "first"})
    page = api.get(ann, f"/chats/{chat_id}/messages?before=1")
    assert page.status_code == 200 and page.get_json() == {"items": [], "next_cursor": None}


def test_history_errors_speak_the_callers_language(client, auth, make_user):
    """History checks its caller without loading the account as an ORM object; the language of
    the profile still picks the error's words."""
    reader = make_user(language="ru")
    response = client.get(f"{API}/chats/999999/messages", headers=auth.headers(reader))
    assert response.status_code == 404 and response.get_json()["error"]["message"] == "Чат не найден."
    response = client.get(f"{API}/messages/999999", headers=auth.headers(reader))
    assert response.status_code == 404 and response.get_json()["error"]["message"] == "Такого пользователя нет."


def test_chat_list_is_ordered_by_activity_and_paged(api, make_user):
    ann = make_user()
    others = [make_user() for _ in range(3)]
    ids = [api.post(ann, "/chats", json={"type": "private", "user_id": o}).get_json()["id"] for o in others]
    api.post(ann, f"/chats/{ids[0]}/messages", json={"client_id": "a-1", "body": "bump"})

    first = api.get(ann, "/chats?limit=2").get_json()
    second = api.get(ann, f"/chats?limit=2&cursor={first['next_cursor']}").get_json()

    assert [c["id"] for c in first["items"] + second["items"]] == [ids[0], ids[2], ids[1]]
    assert second["next_cursor"] is None
    assert first["items"][0]["last_message"]["body"] == "bump" and first["items"][1]["last_message"] is None
    assert error(api.get(ann, "/chats?cursor=nonsense"), 422) == "validation_error"


def test_error_messages_are_translated(client, auth, make_user):
    response = client.get(f"{API}/chats/999999", headers={**auth.headers(make_user()), "Accept-Language": "ru"})
    assert response.get_json()["error"]["message"] == "Чат не найден."


def test_http_sends_share_the_sockets_flood_limit(app, api, make_user, connect, chats):
    """A flood over POST …/messages is a 429 with §4's body, from the same per-user budget as the
    socket's events (so a client refused on one can't go on over the other); nothing is stored."""
    app.config.update(CHAT_EVENT_RATE=0.0001, CHAT_EVENT_BURST=3)
    ann, bob = make_user(), make_user()
    chat_id = chats.private(ann, bob)
    sock = connect(ann)
    assert sock.ack("send_message", {"chat_id": chat_id, "client_id": "s-1", "body": "over the socket"})["ok"]
    sent = [api.post(ann, f"/chats/{chat_id}/messages", json={"client_id": f"h-{n}", "body": "hi"}) for n in range(3)]

    assert [response.status_code for response in sent[:2]] == [201, 201]
    assert error(sent[2], 429) == "rate_limited"
    assert set(sent[2].get_json()["error"]) == {"code", "message"}
    assert sock.ack("typing", {"chat_id": chat_id, "typing": True})["error"]["code"] == "rate_limited"
    assert (
        api.post(bob, f"/chats/{chat_id}/messages", json={"client_id": "b-1", "body": "bob's own budget"}).status_code
        == 201
    )
    assert [m["body"] for m in api.get(bob, f"/chats/{chat_id}/messages").get_json()["items"]] == [
        "over the socket",
        "hi",
        "hi",
        "bob's own budget",
    ]


def test_chat_management_takes_from_the_flood_budget(app, api, make_user, chats):
    """Creating chats, adding and removing members and renaming spend the same per-user budget
    as messages: a flood of them is a 429 that changes nothing."""
    app.config.update(CHAT_EVENT_RATE=0.0001, CHAT_EVENT_BURST=4)
    ann, bob = make_user(), make_user()
    group = api.post(ann, "/chats", json={"type": "group", "title": "G", "member_ids": []})
    chat_id = group.get_json()["id"]
    added = api.post(ann, f"/chats/{chat_id}/members", json={"user_id": bob})
    renamed = api.patch(ann, f"/chats/{chat_id}", json={"title": "H"})
    removed = api.delete(ann, f"/chats/{chat_id}/members/{bob}")
    assert [r.status_code for r in (group, added, renamed, removed)] == [201, 201, 200, 204]
    refused = [
        api.post(ann, "/chats", json={"type": "private", "user_id": bob}),
        api.post(ann, f"/chats/{chat_id}/members", json={"user_id": bob}),
        api.patch(ann, f"/chats/{chat_id}", json={"title": "I"}),
        api.delete(ann, f"/chats/{chat_id}/members/{ann}"),
    ]
    assert [error(response, 429) for response in refused] == ["rate_limited"] * 4
    assert api.get(bob, f"/chats/{chat_id}").status_code == 404
    assert api.get(ann, f"/chats/{chat_id}").get_json()["title"] == "H"
