"""axe-core on the chat page with a conversation showing what issue 11 added — a reply's quote,
mentions, links, reactions and the picker, a system line, the reply bar and the @ list — in both
languages, at 360 px and 1280 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.accessibility import serious_violations
from tests.support.chat_page import open_conversation, send


@pytest.mark.parametrize(("language", "width"), [("en", 1280), ("ru", 360)])
def test_the_chat_page_has_no_serious_accessibility_violations(new_page, chat_user, live_server, language, width):
    alice, bob, carol = chat_user("Alice"), chat_user("Bob"), chat_user("Carol")
    assert alice.call("PATCH", "/users/me", json={"language": language}).status_code == 200
    chat_id = alice.create_group("Axe", [bob])
    first = bob.post_message(chat_id, "see https://example.org", "a-1")
    response = bob.call(
        "POST",
        f"/chats/{chat_id}/messages",
        json={"client_id": "a-2", "body": f"@{alice.name} look", "reply_to": first["id"], "mentions": [alice.id]},
    )
    assert response.status_code == 201
    assert alice.call("POST", f"/chats/{chat_id}/members", json={"user_id": carol.id}).status_code == 201
    react = bob.call("POST", f"/chats/{chat_id}/messages/{first['id']}/reactions", json={"emoji": "👍", "on": True})
    assert react.status_code == 200

    page = new_page(locale="ru-RU" if language == "ru" else "en-US", viewport={"width": width, "height": 800})
    alice.sign_in(page, live_server.url)
    expect(page.locator("#chat-app")).to_have_attribute("data-connection", "online")
    open_conversation(page, "Axe")
    send(page, "mine")
    expect(page.locator("#message-list li.msg.mine .msg-status")).to_have_attribute("data-status", "sent")
    expect(page.locator("#message-list li.msg.system")).to_have_count(1)
    expect(page.locator(".msg-reactions .reaction")).to_have_count(1)

    assert serious_violations(page) == []
    page.locator("#message-list li.msg.theirs .react-button").first.click()
    page.locator("#message-list li.msg.theirs .reply-button").first.click()
    page.locator("#composer-input").press_sequentially("@")
    expect(page.locator("#mention-list [role=option]").first).to_be_visible()
    assert serious_violations(page) == []


def test_dark_mode_follows_the_system_and_passes_axe(new_page, chat_user, live_server):
    alice, bob = chat_user("Alice"), chat_user("Bob")
    chat_id = alice.create_group("Night", [bob])
    first = bob.post_message(chat_id, "see https://example.org", "d-1")
    response = bob.call(
        "POST",
        f"/chats/{chat_id}/messages",
        json={"client_id": "d-2", "body": f"@{alice.name} look", "reply_to": first["id"], "mentions": [alice.id]},
    )
    assert response.status_code == 201
    assert (
        bob.call(
            "POST", f"/chats/{chat_id}/messages/{first['id']}/reactions", json={"emoji": "👍", "on": True}
        ).status_code
        == 200
    )
    page = new_page(color_scheme="dark", viewport={"width": 1280, "height": 800})
    alice.sign_in(page, live_server.url)
    expect(page.locator("#chat-app")).to_have_attribute("data-connection", "online")
    open_conversation(page, "Night")
    send(page, "mine")
    expect(page.locator("#message-list li.msg.mine .msg-status")).to_have_attribute("data-status", "sent")
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(18, 22, 28)"
    assert serious_violations(page) == []
    page.locator("#members-button").click()
    assert serious_violations(page) == []
