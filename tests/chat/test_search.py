"""Search in messages (docs/protocol.md#search): word forms in Russian and English, only the chats
the caller is in now, the index in step with edits and deletions, plain-text queries, paging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from campus.chat.messages import delete_message, edit_message
from campus.extensions import db
from campus.users.models import User

SEARCH = "/api/v1/messages/search"


@pytest.fixture
def talk(app, client, auth, client_id):
    """`talk.send(user, chat, body)` → message id; `talk.search(user, q, **params)` → the response."""

    class Talk:
        def send(self, user_id: int, chat_id: int, body: str) -> int:
            response = client.post(
                f"/api/v1/chats/{chat_id}/messages",
                json={"client_id": client_id(), "body": body},
                headers=auth.headers(user_id),
            )
            assert response.status_code == 201, response.get_json()
            return response.get_json()["id"]

        def search(self, user_id: int, q: str, **params):
            return client.get(SEARCH, query_string={"q": q, **params}, headers=auth.headers(user_id))

        def found(self, user_id: int, q: str, **params) -> list[int]:
            response = self.search(user_id, q, **params)
            assert response.status_code == 200, response.get_json()
            return [item["message"]["id"] for item in response.get_json()["items"]]

        def edit(self, user_id: int, message_id: int, body: str) -> None:
            with app.app_context():
                edit_message(db.session.get(User, user_id), message_id, body)

        def delete(self, user_id: int, message_id: int) -> None:
            with app.app_context():
                delete_message(db.session.get(User, user_id), message_id)

    return Talk()


def test_russian_and_english_words_match_their_forms(talk, chats, make_user):
    ann, bob = make_user(), make_user()
    chat = chats.group(ann, [bob])
    coursework = talk.send(ann, chat, "Кто уже сдал курсовую? Ёлка на кафедре.")
    papers = talk.send(bob, chat, "Two papers are due on Friday")
    talk.send(bob, chat, "Nothing to see here")

    assert talk.found(bob, "курсовая") == [coursework]
    assert talk.found(bob, "КУРСОВОЙ") == [coursework]
    assert talk.found(bob, "елки") == [coursework]
    assert talk.found(ann, "paper") == [papers]
    assert talk.found(ann, "курсовая paper") == []  # every word must match

    item = talk.search(bob, "курсовая").get_json()["items"][0]
    assert item["message"]["body"] == "Кто уже сдал курсовую? Ёлка на кафедре."
    assert [segment for segment in item["snippet"] if segment["hit"]] == [{"text": "курсовую", "hit": True}]
    assert "".join(segment["text"] for segment in item["snippet"]) == item["message"]["body"]


def test_only_chats_the_user_is_in_now(talk, chats, make_user, client, auth):
    ann, bob, eve, leaver = make_user(), make_user(), make_user(), make_user()
    chat = chats.group(ann, [bob, leaver])
    other = chats.group(eve, [])
    mine = talk.send(ann, chat, "exam schedule posted")
    talk.send(eve, other, "exam answers leaked")

    assert talk.found(ann, "exam") == [mine]
    assert talk.found(leaver, "exam") == [mine]
    assert talk.found(eve, "exam") != [mine] and mine not in talk.found(eve, "exam")  # never was in

    # Leaving, and being removed, end it at once.
    left = client.delete(f"/api/v1/chats/{chat}/members/{leaver}", headers=auth.headers(leaver))
    assert left.status_code == 204
    assert talk.found(leaver, "exam") == []
    removed = client.delete(f"/api/v1/chats/{chat}/members/{bob}", headers=auth.headers(ann))
    assert removed.status_code == 204
    assert talk.found(bob, "exam") == []
    # Naming the chat is no way in: it is not found, as elsewhere.
    response = talk.search(bob, "exam", chat_id=chat)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_edits_and_deletions_keep_the_index_in_step(talk, chats, make_user):
    ann, bob = make_user(), make_user()
    chat = chats.group(ann, [bob])
    edited_in = talk.send(ann, chat, "see you at lunch")
    edited_out = talk.send(ann, chat, "the seminar moved to room 5")
    deleted = talk.send(bob, chat, "seminar notes attached")
    assert sorted(talk.found(ann, "seminar")) == sorted([edited_out, deleted])

    talk.edit(ann, edited_in, "see you at the seminars")
    talk.edit(ann, edited_out, "the lecture moved to room 5")
    talk.delete(bob, deleted)

    assert talk.found(ann, "seminar") == [edited_in]
    assert talk.found(ann, "lunch") == []
    assert talk.found(ann, "lecture") == [edited_out]


@pytest.mark.parametrize(
    "q",
    [
        "%",
        "_",
        '"',
        "*",
        "NEAR",
        "NEAR(a b)",
        '"unbalanced',
        "exam*",
        "exam OR x",
        "-exam",
        "^exam",
        "terms:exam",
        "a AND",
        "(exam",
        "exam'",
        "\\",
        "exam & !x | y:*",
        "%exam%",
        "x " * 90 + "exam",  # more words than a query takes
    ],
)
def test_query_syntax_is_plain_text(talk, chats, make_user, q):
    ann = make_user()
    chat = chats.group(ann, [])
    talk.send(ann, chat, "exam results")
    talk.send(ann, chat, '100% NEAR the lab, a * and a " quote')

    response = talk.search(ann, q)

    assert response.status_code == 200, response.get_json()
    for item in response.get_json()["items"]:
        # Whatever is found holds every word of the query as a word (no wildcard, no operator).
        hits = {s["text"].casefold() for s in item["snippet"] if s["hit"]}
        assert hits, item


def test_operators_are_words(talk, chats, make_user):
    ann = make_user()
    chat = chats.group(ann, [])
    plain = talk.send(ann, chat, "exam results")
    near = talk.send(ann, chat, "meet near the lab")

    assert talk.found(ann, "NEAR") == [near]
    assert talk.found(ann, "%") == []
    assert talk.found(ann, "exam*") == [plain]
    assert talk.found(ann, "exam OR lab") == []  # "or" is a word nobody wrote


def test_ranked_pages_cover_every_match_once(talk, chats, make_user):
    ann = make_user()
    chat = chats.group(ann, [])
    sent = [talk.send(ann, chat, "report " * (1 + n % 3) + f"number {n} with more words after it") for n in range(7)]
    talk.send(ann, chat, "unrelated")

    seen, cursor = [], None
    for _ in range(10):
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = talk.search(ann, "reports", **params).get_json()
        seen += [item["message"]["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) and set(seen) == set(sent)
    assert seen == talk.found(ann, "reports", limit=50)
    # Saying "report" three times ranks first; among equals, the newest first.
    assert seen[:2] == [sent[5], sent[2]]
    assert seen[-3:] == [sent[6], sent[3], sent[0]]


def test_filters_by_chat_sender_and_time(talk, chats, make_user, app):
    ann, bob = make_user(), make_user()
    first, second = chats.group(ann, [bob]), chats.group(bob, [ann])
    by_ann = talk.send(ann, first, "budget draft")
    by_bob = talk.send(bob, first, "budget final")
    elsewhere = talk.send(bob, second, "budget questions")

    assert talk.found(ann, "budget", chat_id=first) == [by_bob, by_ann]
    assert talk.found(ann, "budget", sender_id=bob) == [elsewhere, by_bob]
    with app.app_context():
        db.session.execute(
            text("UPDATE messages SET created_at = :at WHERE id = :id"),
            {"at": datetime(2020, 1, 1, tzinfo=UTC), "id": by_ann},
        )
        db.session.commit()
    assert talk.found(ann, "budget", before="2021-01-01T00:00:00Z") == [by_ann]
    assert by_ann not in talk.found(ann, "budget", after="2021-01-01T00:00:00+03:00")
    now = datetime.now(UTC)
    assert talk.found(ann, "budget", after=(now - timedelta(days=1)).isoformat(), sender_id=ann) == []


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": ""},
        {"q": "x" * 201},
        {"q": "a\x00b"},
        {"q": "x", "limit": 0},
        {"q": "x", "limit": 51},
        {"q": "x", "chat_id": "abc"},
        {"q": "x", "chat_id": 2**60},
        {"q": "x", "before": "yesterday"},
        {"q": "x", "after": "0001-01-01T00:00:00+05:00"},
        {"q": "x", "after": "2024-01-02T00:00:00Z", "before": "2024-01-01T00:00:00Z"},
        {"q": "x", "cursor": "not-a-cursor"},
        {"q": "x", "cursor": "WyJhIiwxXQ"},  # ["a",1]
    ],
)
def test_bad_queries_are_422(client, auth, make_user, params):
    response = client.get(SEARCH, query_string=params, headers=auth.headers(make_user()))
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == "validation_error"


def test_search_needs_a_user_who_may_chat(client, auth, make_user):
    assert client.get(SEARCH, query_string={"q": "x"}).status_code == 401
    guest = client.get(SEARCH, query_string={"q": "x"}, headers=auth.headers(make_user(role="guest")))
    assert guest.status_code == 403


def test_reindex_command_rebuilds_the_index(talk, chats, make_user, app, runner):
    ann = make_user()
    chat = chats.group(ann, [])
    message = talk.send(ann, chat, "library hours changed")
    with app.app_context():
        db.session.execute(text("DELETE FROM message_search"))
        db.session.commit()
    assert talk.found(ann, "library") == []

    result = runner.invoke(args=["chat", "reindex-search"])

    assert result.exit_code == 0, result.output
    assert "1 messages" in result.output
    assert talk.found(ann, "libraries") == [message]


def test_a_rolled_back_send_leaves_nothing_in_the_index(app, chats, make_user, talk):
    ann = make_user()
    chat = chats.group(ann, [])
    with app.app_context():
        db.session.execute(
            text(
                "INSERT INTO messages (chat_id, seq, rev, sender_id, client_id, body, created_at)"
                " VALUES (:chat, 99, 99, :user, 'rolled-back', 'phantom words', :now)"
            ),
            {"chat": chat, "user": ann, "now": datetime.now(UTC)},
        )
        db.session.rollback()
    assert talk.found(ann, "phantom") == []
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM message_search")).scalar_one() == 0


def test_only_the_newest_matches_are_ranked(talk, chats, make_user, monkeypatch):
    from campus.chat import search

    monkeypatch.setattr(search, "CANDIDATES", 3)
    ann, bob = make_user(), make_user()
    mine, other = chats.group(ann, []), chats.group(bob, [])
    sent = [talk.send(ann, mine, "thesis " * (5 - n) + "draft") for n in range(5)]
    talk.send(bob, other, "thesis in a chat ann is not in")  # newer, but not a candidate for ann

    found = talk.found(ann, "thesis")

    # The three newest of ann's, the one saying "thesis" most first; the two oldest not at all.
    assert found == [sent[2], sent[3], sent[4]]
