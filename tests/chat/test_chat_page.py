"""The /chat page shell: who may open it and what it hands to chat.js (the rest runs in the
browser: tests/browser/test_chat.py)."""

from __future__ import annotations

import json
import re


def page_config(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="chat-config">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_chat_page_gives_chat_js_the_user_and_strings(client, auth, make_user):
    user_id = make_user(first_name="Alice")
    auth.sign_in(client, user_id)
    response = client.get("/chat")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    config = page_config(html)
    assert config["user"]["id"] == user_id
    assert config["namespace"] == "/chat"
    assert config["strings"]["seen"] == "Seen"
    assert "/static/vendor/socket.io/socket.io.min.js" in html
    # CSP allows no inline code: the only inline script is the JSON data block.
    assert len(re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", html)) == 0


def test_chat_page_in_russian(client, auth, make_user):
    user_id = make_user(language="ru")
    auth.sign_in(client, user_id)
    html = client.get("/chat").get_data(as_text=True)
    assert page_config(html)["strings"]["seen"] == "Прочитано"
    assert "Новый чат" in html


def test_markup_in_a_name_cannot_leave_the_json_block(client, auth, make_user):
    user_id = make_user(first_name="</script><script>alert(1)</script>")
    auth.sign_in(client, user_id)
    html = client.get("/chat").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert page_config(html)["user"]["first_name"] == "</script><script>alert(1)</script>"


def test_guests_may_not_open_the_chat(client, auth, make_user):
    auth.sign_in(client, make_user(role="guest"))
    assert client.get("/chat").status_code == 403


def test_only_those_who_may_post_announcements_get_a_composer_there(client, auth, make_user):
    auth.sign_in(client, make_user(role="teacher"))
    assert page_config(client.get("/chat").get_data(as_text=True))["can_post_announcements"] is True
    auth.sign_in(client, make_user(role="user"))
    assert page_config(client.get("/chat").get_data(as_text=True))["can_post_announcements"] is False
