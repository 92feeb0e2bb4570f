"""`/chat/<id>` and what the chat page's shell hands its JS for issue 11 (the rest runs in the
browser: tests/browser/test_conversations.py)."""

from __future__ import annotations

import json
import re


def page_config(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="chat-config">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_a_chat_address_opens_the_page_with_that_chat_wanted(client, auth, make_user, chats):
    ann = make_user()
    chat_id = chats.group(ann, [])
    auth.sign_in(client, ann)

    response = client.get(f"/chat/{chat_id}")

    assert response.status_code == 200
    config = page_config(response.get_data(as_text=True))
    assert (config["open_chat"], config["page_url"]) == (chat_id, "/chat")
    assert 'class="nav-chat" href="/chat" aria-current="page"' in response.get_data(as_text=True)
    assert page_config(client.get("/chat").get_data(as_text=True))["open_chat"] is None


def test_a_chat_address_reveals_nothing_about_the_chat(client, auth, make_user, chats):
    chat_id = chats.group(make_user(), [], title="Secret plans")
    auth.sign_in(client, make_user())
    html = client.get(f"/chat/{chat_id}").get_data(as_text=True)
    assert "Secret plans" not in html
    assert client.get("/chat/99999999999999999999").status_code == 404


def test_guests_and_strangers_may_not_open_a_chat_address(client, auth, make_user):
    assert client.get("/chat/1").status_code in (302, 401)
    auth.sign_in(client, make_user(role="guest"))
    assert client.get("/chat/1").status_code == 403


def test_mentioning_all_is_offered_to_teachers_and_moderators(client, auth, make_user):
    for role, offered in (("student", False), ("teacher", True), ("moderator", True), ("user", False)):
        auth.sign_in(client, make_user(role=role))
        assert page_config(client.get("/chat").get_data(as_text=True))["can_mention_all"] is offered, role
