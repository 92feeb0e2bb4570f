"""The hot paths' SQL statements, counted (zulip's query-count tests): a change that adds a
statement to a send, a sync or a history page fails here, listing the statements, and is then a
deliberate change of the pinned number (docs/performance.md, "Chat")."""

from __future__ import annotations

import pytest

from campus.extensions import db
from tests.support.statements import assert_statement_count

API = "/api/v1"


@pytest.fixture
def db_engine(app):
    with app.app_context():
        return db.engine


def send(sock, chat_id: int, client_id: str) -> dict:
    ack = sock.ack("send_message", {"chat_id": chat_id, "client_id": client_id, "body": "hello"})
    assert ack["ok"], ack
    return ack["message"]


def test_a_send_runs_three_statements(app, make_user, connect, chats, db_engine):
    ann, bob = make_user(), make_user()
    chat_id = chats.group(ann, [bob])
    sock = connect(ann)

    # The chat's next seq and rev (membership and the announcement rule in its WHERE); the
    # message; the sender's read marker. The actor's permissions were read by the connect's token
    # check and are kept (campus.chat.connections).
    with assert_statement_count(db_engine, 3):
        send(sock, chat_id, "s-1")
    with assert_statement_count(db_engine, 3):
        send(sock, chat_id, "s-2")


def test_a_role_change_makes_the_next_event_read_the_actor_again(app, make_user, connect, chats, db_engine):
    from campus.users import services as users
    from campus.users.models import User

    admin, ann, bob = make_user("admin"), make_user(), make_user()
    chat_id = chats.group(ann, [bob])
    sock = connect(ann)
    send(sock, chat_id, "c-1")
    with app.app_context():
        users.change_role(db.session.get(User, admin), db.session.get(User, ann), "teacher")

    with assert_statement_count(db_engine, 4):
        send(sock, chat_id, "c-2")


@pytest.mark.parametrize(
    ("chat_changed", "count"),
    [
        # The requested chats the caller is in; the changed messages (the actor is kept since
        # the socket's first event).
        (False, 2),
        # … and the members of the chat that changed itself (renamed).
        (True, 3),
    ],
)
def test_a_sync_of_one_changed_chat_runs_a_fixed_number_of_statements(
    app, make_user, connect, chats, client, auth, db_engine, chat_changed, count
):
    ann, bob = make_user(), make_user()
    chat_id = chats.group(ann, [bob])
    sock = connect(ann)
    cursor = send(sock, chat_id, "y-1")["rev"]
    send(sock, chat_id, "y-2")
    send(sock, chat_id, "y-3")
    if chat_changed:
        response = client.patch(f"{API}/chats/{chat_id}", json={"title": "Renamed"}, headers=auth.headers(ann))
        assert response.status_code == 200

    with assert_statement_count(db_engine, count):
        answer = sock.ack("sync", {"cursors": {str(chat_id): cursor}})

    (synced,) = answer["chats"]
    # (a rename also leaves its system line)
    assert [m["client_id"] for m in synced["messages"] if m["kind"] == "message"] == ["y-2", "y-3"]
    assert (synced["chat"] is not None) is chat_changed


def test_a_history_page_runs_two_statements(app, make_user, connect, chats, client, auth, db_engine):
    ann, bob = make_user(), make_user()
    chat_id = chats.group(ann, [bob])
    sock = connect(ann)
    for n in range(3):
        send(sock, chat_id, f"h-{n}")
    headers = auth.headers(ann)

    # The bearer's account, its role's permissions and the token's revocation; the page, only
    # if the caller is a member.
    with assert_statement_count(db_engine, 2):
        response = client.get(f"{API}/chats/{chat_id}/messages?limit=2", headers=headers)

    assert response.status_code == 200
    assert [m["client_id"] for m in response.get_json()["items"]] == ["h-1", "h-2"]


def test_an_empty_history_page_runs_one_statement_more(app, make_user, chats, client, auth, db_engine):
    ann, bob, eve = make_user(), make_user(), make_user()
    chat_id = chats.group(ann, [bob])
    member, outsider = auth.headers(ann), auth.headers(eve)

    # The two of a history page; no rows, so: is the caller a member (an empty page) or not (404)?
    with assert_statement_count(db_engine, 3):
        assert client.get(f"{API}/chats/{chat_id}/messages", headers=member).status_code == 200
    with assert_statement_count(db_engine, 3):
        assert client.get(f"{API}/chats/{chat_id}/messages", headers=outsider).status_code == 404


def test_a_send_with_mentions_runs_one_statement_more(app, make_user, connect, chats, db_engine):
    ann, bob = make_user(), make_user()
    chat_id = chats.group(ann, [bob])
    sock = connect(ann)

    # The three of a send, and which of the mentioned users are members.
    with assert_statement_count(db_engine, 4):
        ack = sock.ack("send_message", {"chat_id": chat_id, "client_id": "m-1", "body": "@Bob", "mentions": [bob]})
    assert ack["message"]["mentions"] == [bob]


def test_a_reaction_runs_five_statements(app, make_user, connect, chats, db_engine):
    ann, bob = make_user(), make_user()
    chat_id = chats.group(ann, [bob])
    sock = connect(ann)
    message = send(sock, chat_id, "r-1")

    # The message with the caller's membership; the chat's next rev; the message again under the
    # chat's lock; the message's reactions and rev (the actor is kept since the first send).
    with assert_statement_count(db_engine, 4):
        ack = sock.ack("react", {"message_id": message["id"], "emoji": "👍", "on": True})
    assert ack["ok"], ack


def test_a_history_page_around_a_seq_runs_three_statements(app, make_user, connect, chats, client, auth, db_engine):
    ann, bob = make_user(), make_user()
    chat_id = chats.group(ann, [bob])
    sock = connect(ann)
    for n in range(5):
        send(sock, chat_id, f"a-{n}")
    headers = auth.headers(ann)

    # The two of a history page, with the page in two halves: older than the seq, and from it on.
    with assert_statement_count(db_engine, 3):
        response = client.get(f"{API}/chats/{chat_id}/messages?around=3&limit=2", headers=headers)
    assert [m["seq"] for m in response.get_json()["items"]] == [2, 3]


def test_a_connect_runs_the_token_check_and_one_query_of_its_chats(app, make_user, auth, chats, db_engine):
    from tests.support.sockets import Socket

    ann, bob = make_user(), make_user()
    chats.group(ann, [bob])
    chats.private(ann, bob)
    token = auth.token(ann)

    # The token check (campus.users.tokens.check_token: the account, its role's permissions and
    # the blocklist in one statement); the user's chat ids; `last_seen` for the "online"
    # announcement.
    with assert_statement_count(db_engine, 3) as statements:
        sock = Socket(app, token)
    assert "chat_members" in statements[1] and "last_seen_at" in statements[2]
    sock.disconnect()
