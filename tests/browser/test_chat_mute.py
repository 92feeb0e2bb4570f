"""Muting a chat on the chat page (issue 11, docs/protocol.md#muting-a-chat): the toggle, the
list's icon, and notifications that a muted chat lets through only for mentions."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.support.chat_page import chat_item, open_conversation

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 360, "height": 740}}


def post(user, chat_id: int, body: str, client_id: str, **extra) -> dict:
    response = user.call("POST", f"/chats/{chat_id}/messages", json={"client_id": client_id, "body": body, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def test_a_muted_chat_notifies_only_for_a_mention(open_chat_page, chat_user):
    alice, bob = chat_user("Alice"), chat_user("Bob")
    private = alice.private_chat_with(bob)
    alice.create_group("Elsewhere", [bob])
    page = open_chat_page(bob, **DESKTOP)
    app = page.locator("#chat-app")

    open_conversation(page, alice.name)
    toggle = page.locator("#mute-button")
    expect(toggle).to_have_text("Mute notifications")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(toggle).to_have_text("Unmute notifications")
    expect(chat_item(page, alice.name).locator(".muted-icon")).to_have_attribute("aria-label", "Notifications muted")
    assert bob.call("GET", f"/chats/{private}").json()["muted"] is True

    # Bob reads another chat: news from Alice counts as unread, but a plain message is quiet…
    open_conversation(page, "Elsewhere")
    post(alice, private, "just chatting", "m-1")
    expect(chat_item(page, alice.name).locator(".unread-badge")).to_have_text("1")
    expect(app).not_to_have_attribute("data-notices", re.compile(".*"))
    # …and one that mentions him gets through.
    mention = post(alice, private, "look, " + bob.name, "m-2", mentions=[bob.id])
    expect(app).to_have_attribute("data-last-notice", f"{private}:{mention['seq']}")
    expect(app).to_have_attribute("data-notices", "1")
    expect(page).to_have_title(re.compile(r"^\(2\) "))

    # Unmuted again (after a reload: the mute is the server's), a plain message notifies.
    page.reload()
    expect(app).to_have_attribute("data-connection", "online")
    open_conversation(page, alice.name)
    expect(toggle).to_have_attribute("aria-pressed", "true")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(chat_item(page, alice.name).locator(".muted-icon")).to_have_count(0)
    open_conversation(page, "Elsewhere")
    plain = post(alice, private, "plain again", "m-3")
    expect(app).to_have_attribute("data-last-notice", f"{private}:{plain['seq']}")


def test_the_toggle_in_russian_at_360_px(open_chat_page, chat_user):
    alice, bob = chat_user("Alice"), chat_user("Bob")
    alice.private_chat_with(bob)
    assert bob.call("PATCH", "/users/me", json={"language": "ru"}).status_code == 200
    page = open_chat_page(bob, **PHONE)
    open_conversation(page, alice.name)
    toggle = page.locator("#mute-button")
    expect(toggle).to_have_text("Отключить уведомления")
    toggle.click()
    expect(toggle).to_have_text("Включить уведомления")
    box = toggle.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 360
