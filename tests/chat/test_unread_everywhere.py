"""The unread total on every page: the title and the "Chat" link (issue 11)."""

from __future__ import annotations

import re


def send(client, auth, user_id, chat_id, client_id):
    response = client.post(
        f"/api/v1/chats/{chat_id}/messages", json={"client_id": client_id, "body": "hi"}, headers=auth.headers(user_id)
    )
    assert response.status_code == 201


def test_every_page_shows_the_unread_total_in_its_title_and_chat_link(client, auth, make_user, chats):
    ann, bob = make_user(), make_user()
    first, second = chats.group(bob, [ann]), chats.private(ann, bob)
    for n, chat_id in enumerate((first, first, second)):
        send(client, auth, bob, chat_id, f"u-{n}")
    send(client, auth, ann, second, "mine")  # her own message reads the chat up to it
    send(client, auth, bob, second, "u-9")
    auth.sign_in(client, ann)

    for path in ("/", "/profile", "/chat"):
        html = client.get(path).get_data(as_text=True)
        assert re.search(r"<title>\(3\) ", html), path
        assert re.search(r'class="nav-chat"[^>]*>Chat <span class="nav-badge">3<', html), path

    client.post(f"/api/v1/chats/{first}/read", json={"seq": 2}, headers=auth.headers(ann))
    html = client.get("/").get_data(as_text=True)
    assert "<title>(1) " in html and 'nav-badge">1<' in html


def test_nothing_unread_shows_no_number_nor_does_a_visitor_signed_out(client, auth, make_user, chats):
    ann, bob = make_user(), make_user()
    send(client, auth, bob, chats.group(bob, [ann]), "v-1")
    assert "nav-badge" not in client.get("/").get_data(as_text=True)  # signed out
    auth.sign_in(client, bob)
    html = client.get("/").get_data(as_text=True)
    assert "<title>Campus" in html and "nav-badge" not in html


def test_a_page_renders_without_the_count_when_it_cannot_be_read(client, auth, make_user, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from campus.chat import views

    def broken(_user_id):
        raise OperationalError("SELECT", {}, Exception("database gone"))

    monkeypatch.setattr(views, "unread_total", broken)
    auth.sign_in(client, make_user())
    response = client.get("/")
    assert response.status_code == 200 and "nav-badge" not in response.get_data(as_text=True)
