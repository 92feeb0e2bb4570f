"""Replies, mentions, reactions, links and system lines on the chat page (issue 11), with two or
three users in separate browser contexts, in English and Russian, at 1280 px and 360 px."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from tests.support.chat_page import chat_item, open_conversation, send
from tests.support.waiting import wait_until

PHONE = {"viewport": {"width": 360, "height": 740}}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}


def message_item(page, text: str):
    return page.locator("#message-list li.msg", has=page.locator(".msg-body", has_text=text))


def post(user, chat_id: int, body: str, client_id: str, **extra) -> dict:
    json = {"client_id": client_id, "body": body, **extra}
    response = user.call("POST", f"/chats/{chat_id}/messages", json=json)
    for _ in range(20):  # dozens of posts at once may spend the event budget (CHAT_EVENT_BURST): wait
        if response.status_code != 429:
            break
        time.sleep(0.5)
        response = user.call("POST", f"/chats/{chat_id}/messages", json=json)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_reply_quotes_its_original_and_a_click_loads_history_around_it(open_chat_page, chat_user):
    alice, bob = chat_user("Alice"), chat_user("Bob")
    chat_id = alice.create_group("Replies", [bob])
    first = post(bob, chat_id, "the very first question", "r-0")
    for n in range(1, 70):
        post(bob, chat_id, f"filler {n}", f"r-{n}")
    last = post(bob, chat_id, "answering myself", "r-reply", reply_to=first["id"])
    assert alice.call("POST", f"/chats/{chat_id}/read", json={"seq": last["seq"]}).status_code == 200
    alice_page, bob_page = open_chat_page(alice, **DESKTOP), open_chat_page(bob, **PHONE)
    open_conversation(alice_page, "Replies")

    reply = message_item(alice_page, "answering myself")
    quote = reply.locator(".msg-quote")
    expect(quote).to_contain_text("the very first question")
    expect(quote).to_contain_text(bob.name)
    expect(message_item(alice_page, "the very first question")).to_have_count(0)  # not loaded yet
    quote.click()
    original = message_item(alice_page, "the very first question")
    expect(original).to_be_in_viewport()
    expect(original).to_be_focused()
    # The conversation is one run again: every filler between is there.
    expect(alice_page.locator("#message-list li.msg")).to_have_count(71)

    # Alice answers one of Bob's messages from the page; Bob (on a phone) sees the quote.
    open_conversation(bob_page, "Replies")
    alice_page.locator("#message-list li.msg", has_text="filler 69").locator(".reply-button").click()
    expect(alice_page.locator("#reply-bar")).to_contain_text("filler 69")
    send(alice_page, "this one?")
    expect(alice_page.locator("#reply-bar")).to_be_hidden()
    expect(message_item(bob_page, "this one?").locator(".msg-quote")).to_contain_text("filler 69")
    # Escape cancels a reply before sending.
    alice_page.locator("#message-list li.msg", has_text="filler 68").locator(".reply-button").click()
    alice_page.locator("#composer-input").press("Escape")
    expect(alice_page.locator("#reply-bar")).to_be_hidden()
    send(alice_page, "no quote")
    expect(message_item(bob_page, "no quote").locator(".msg-quote")).to_have_count(0)


def test_mentions_are_picked_from_the_members_and_highlighted_for_the_mentioned(open_chat_page, chat_user):
    alice, bob, carol = chat_user("Alice"), chat_user("Bob"), chat_user("Carol")
    alice.create_group("Mentions", [bob, carol])
    pages = {user: open_chat_page(user, **DESKTOP) for user in (alice, bob, carol)}
    for page in pages.values():
        open_conversation(page, "Mentions")

    box = pages[alice].locator("#composer-input")
    box.press_sequentially("hey @" + bob.last_name)
    options = pages[alice].locator("#mention-list [role=option]")
    expect(options).to_have_text(["@" + bob.name])
    box.press("Enter")  # picks; does not send
    expect(box).to_have_value(f"hey @{bob.name} ")
    box.press_sequentially("look")
    box.press("Enter")

    mention = message_item(pages[bob], "look").locator("mark.mention")
    expect(mention).to_have_text("@" + bob.name)
    expect(mention).to_have_class(re.compile("mention-me"))
    expect(message_item(pages[bob], "look")).to_have_class(re.compile("mentions-me"))
    expect(message_item(pages[carol], "look").locator("mark.mention")).not_to_have_class(re.compile("mention-me"))
    # @all is offered to the group's owner, not to a member.
    pages[bob].locator("#composer-input").press_sequentially("@al")
    expect(pages[bob].locator("#mention-list [role=option]")).to_have_text(["@" + alice.name])
    pages[alice].locator("#composer-input").press_sequentially("@al")
    expect(pages[alice].locator("#mention-list [role=option]").first).to_have_text("@all")


def test_reactions_are_picked_counted_and_taken_back(open_chat_page, chat_user):
    alice, bob = chat_user("Alice"), chat_user("Bob")
    alice.create_group("Reactions", [bob])
    assert bob.call("PATCH", "/users/me", json={"language": "ru"}).status_code == 200  # Bob reads Russian
    alice_page, bob_page = open_chat_page(alice, **DESKTOP), open_chat_page(bob, **PHONE)
    open_conversation(alice_page, "Reactions")
    open_conversation(bob_page, "Reactions")
    send(alice_page, "pizza tonight?")

    item = message_item(bob_page, "pizza tonight?")
    expect(item.locator(".react-button")).to_have_accessible_name("Реакция")
    expect(item.locator(".reply-button")).to_have_text("Ответить")
    item.locator(".react-button").click()
    item.locator(".reaction-picker button", has_text="🎉").click()
    chip = message_item(alice_page, "pizza tonight?").locator(".reaction", has_text="🎉")
    expect(chip).to_have_text("🎉 1")
    expect(chip).to_have_attribute("aria-pressed", "false")
    expect(chip).to_have_attribute("title", bob.name)
    chip.click()
    expect(chip).to_have_text("🎉 2")
    expect(chip).to_have_attribute("aria-pressed", "true")
    expect(item.locator(".reaction", has_text="🎉")).to_have_text("🎉 2")
    item.locator(".reaction", has_text="🎉").click()  # Bob takes his back
    expect(chip).to_have_text("🎉 1")
    # The picker closes with Escape and gives focus back.
    item.locator(".react-button").click()
    expect(item.locator(".reaction-picker")).to_be_visible()
    bob_page.keyboard.press("Escape")
    expect(item.locator(".reaction-picker")).to_have_count(0)
    expect(item.locator(".react-button")).to_be_focused()


def test_links_open_in_a_new_tab_and_nothing_else_becomes_one(open_chat_page, chat_user):
    alice, bob = chat_user("Alice"), chat_user("Bob")
    bob.private_chat_with(alice)
    alice_page, bob_page = open_chat_page(alice, **DESKTOP), open_chat_page(bob, **DESKTOP)
    open_conversation(alice_page, bob.name)
    open_conversation(bob_page, alice.name)
    send(alice_page, "docs: https://example.org/a?b=1. mail mailto:x@example.org or javascript:alert(1)")

    links = message_item(bob_page, "docs:").locator("a")
    expect(links).to_have_count(2)
    expect(links.first).to_have_attribute("href", "https://example.org/a?b=1")
    expect(links.first).to_have_attribute("target", "_blank")
    expect(links.first).to_have_attribute("rel", "noopener noreferrer nofollow")
    expect(links.nth(1)).to_have_attribute("href", "mailto:x@example.org")
    expect(message_item(bob_page, "docs:").locator(".msg-body")).to_contain_text("javascript:alert(1)")


def test_system_lines_in_each_readers_language(open_chat_page, chat_user, new_page, live_server):
    alice, bob, carol = chat_user("Alice"), chat_user("Bob"), chat_user("Carol")
    chat_id = alice.create_group("Lines", [bob])
    assert bob.call("PATCH", "/users/me", json={"language": "ru"}).status_code == 200
    alice_page = open_chat_page(alice, **DESKTOP)
    bob_page = new_page(locale="ru-RU", **PHONE)
    bob.sign_in(bob_page, live_server.url)
    expect(bob_page.locator("#chat-app")).to_have_attribute("data-connection", "online")
    open_conversation(alice_page, "Lines")
    open_conversation(bob_page, "Lines")

    assert alice.call("POST", f"/chats/{chat_id}/members", json={"user_id": carol.id}).status_code == 201
    assert alice.call("PATCH", f"/chats/{chat_id}", json={"title": "Lines 2"}).status_code == 200

    lines = alice_page.locator("#message-list li.msg.system")
    expect(lines).to_have_text(
        [
            re.compile(re.escape(f"{alice.name} added {carol.name}")),
            re.compile(re.escape(f"{alice.name} renamed the group to “Lines 2”")),
        ]
    )
    expect(bob_page.locator("#message-list li.msg.system")).to_have_text(
        [
            re.compile(re.escape(f"{alice.name} добавил(а) {carol.name}")),
            re.compile(re.escape(f"{alice.name} переименовал(а) группу в «Lines 2»")),
        ]
    )
    expect(chat_item(bob_page, "Lines 2")).to_contain_text("переименовал(а)")
    # After a reload they come from history.
    alice_page.reload()
    open_conversation(alice_page, "Lines 2")
    expect(alice_page.locator("#message-list li.msg.system")).to_have_count(2)


def test_the_address_names_the_open_chat_reload_keeps_it_back_and_forward_work(open_chat_page, chat_user, live_server):
    alice, bob, carol = chat_user("Alice"), chat_user("Bob"), chat_user("Carol")
    first, second = alice.create_group("First", [bob]), alice.create_group("Second", [bob])
    other = carol.create_group("Not yours", [])
    page = open_chat_page(alice, **PHONE)

    open_conversation(page, "First")
    expect(page).to_have_url(f"{live_server.url}/chat/{first}")
    page.reload()
    expect(page.locator("#conversation-title")).to_have_text("First")
    page.locator("#back-button").click()
    expect(page).to_have_url(f"{live_server.url}/chat")
    open_conversation(page, "Second")
    expect(page).to_have_url(f"{live_server.url}/chat/{second}")
    page.go_back()
    expect(page).to_have_url(f"{live_server.url}/chat")
    expect(page.locator("#conversation")).to_be_hidden()
    page.go_back()
    expect(page).to_have_url(f"{live_server.url}/chat/{first}")
    expect(page.locator("#conversation-title")).to_have_text("First")
    page.go_forward()
    expect(page.locator("#conversation")).to_be_hidden()

    # Someone else's chat: the plain page, and a word why.
    page.goto(f"/chat/{other}")
    expect(page).to_have_url(f"{live_server.url}/chat")
    expect(page.locator("#connection-status")).to_contain_text("not one of yours")
    expect(page.locator("#conversation")).to_be_hidden()


def test_a_long_paste_is_refused_in_words_and_edits_save_with_enter(open_chat_page, chat_user):
    alice, bob = chat_user("Alice"), chat_user("Bob")
    alice.create_group("Limits", [bob])
    page = open_chat_page(alice, **PHONE)
    open_conversation(page, "Limits")
    box = page.locator("#composer-input")

    box.fill("x" * 5000)  # a paste: nothing cuts it
    expect(box).to_have_value("x" * 5000)
    expect(page.locator("#composer-counter")).to_have_text("1000 characters too many")
    box.press("Enter")
    expect(page.locator("#composer-counter")).to_contain_text("at most 4000 characters")
    expect(box).to_have_value("x" * 5000)
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#message-list li.msg")).to_have_count(0)
    box.fill("x" * 3900)
    expect(page.locator("#composer-counter")).to_have_text("100 characters left")
    box.fill("first try")
    expect(page.locator("#composer-counter")).to_have_text("")
    box.press("Enter")
    expect(page.locator("#message-list .msg-body")).to_have_text(["first try"])
    expect(page.locator("#message-list li.msg.mine .msg-status")).to_have_attribute("data-status", "sent")

    # Up edits the last own message; Enter saves; Escape cancels.
    box.press("ArrowUp")
    edit = page.locator(".edit-input")
    expect(edit).to_be_focused()
    edit.fill("second try")
    edit.press("Enter")
    expect(page.locator("#message-list .msg-body")).to_have_text(["second try"])
    expect(page.locator("#message-list .msg-edited")).to_be_visible()
    box.press("ArrowUp")
    page.locator(".edit-input").fill("never saved")
    page.locator(".edit-input").press("Escape")
    expect(page.locator(".edit-input")).to_have_count(0)
    expect(page.locator("#message-list .msg-body")).to_have_text(["second try"])
    expect(box).to_be_focused()


def test_a_new_messages_divider_and_the_read_marker_follows_what_is_shown(open_chat_page, chat_user):
    alice, bob = chat_user("Alice"), chat_user("Bob")
    chat_id = bob.create_group("Busy", [alice])
    for n in range(1, 6):
        post(bob, chat_id, f"old {n}", f"o-{n}")
    assert alice.call("POST", f"/chats/{chat_id}/read", json={"seq": 5}).status_code == 200
    # Bodies end with a full stop: "new 4" followed by its time "02:22" would also read "new 40…".
    for n in range(1, 41):
        post(bob, chat_id, f"new {n}.", f"n-{n}")
    page = open_chat_page(alice, **{"viewport": {"width": 360, "height": 640}})
    expect(chat_item(page, "Busy").locator(".unread-badge")).to_have_text("40")

    open_conversation(page, "Busy")
    divider = page.locator("#message-list li.new-divider")
    expect(divider).to_have_count(1)
    # It sits right above the first unread message, which is on screen.
    assert divider.evaluate("d => d.nextElementSibling.textContent").startswith("Bob")
    expect(page.locator("#message-list li.msg", has_text="new 1.")).to_be_in_viewport()
    expect(page.locator("#message-list li.msg", has_text="new 40.")).not_to_be_in_viewport()

    def my_marker() -> int:
        chat = alice.call("GET", f"/chats/{chat_id}").json()
        return next(m["last_read_seq"] for m in chat["members"] if m["user_id"] == alice.id)

    # Opening did not read all 40: the marker stops at what the screen showed.
    page.wait_for_timeout(500)  # let a (wrong) read go out if the page were to send one
    assert 5 < my_marker() < 45
    page.locator("#messages").evaluate("box => box.scrollTop = box.scrollHeight")
    expect(page.locator("#message-list li.msg", has_text="new 40.")).to_be_in_viewport()
    wait_until(lambda: my_marker() == 45, "the read marker at the last message")
    # Back up: the button jumps to the divider.
    expect(page.locator("#jump-new")).to_be_visible()
    page.locator("#jump-new").click()
    expect(divider).to_be_in_viewport()


def test_the_unread_total_shows_on_every_page_and_the_chat_page_keeps_it_current(open_chat_page, chat_user):
    alice, bob = chat_user("Alice"), chat_user("Bob")
    chat_id = bob.create_group("Counted", [alice])
    post(bob, chat_id, "one", "c-1")
    post(bob, chat_id, "two", "c-2")
    page = open_chat_page(alice, **PHONE)
    page.goto("/profile")
    expect(page).to_have_title(re.compile(r"^\(2\) "))
    expect(page.locator(".nav-chat .nav-badge")).to_have_text(re.compile(r"^2"))
    page.locator(".nav-chat").click()
    expect(page.locator("#chat-app")).to_have_attribute("data-connection", "online")
    post(bob, chat_id, "three", "c-3")
    expect(page.locator(".nav-chat .nav-badge")).to_have_text(re.compile(r"^3"))
    expect(page).to_have_title(re.compile(r"^\(3\) "))
    open_conversation(page, "Counted")
    expect(page.locator(".nav-chat .nav-badge")).to_be_hidden()
    expect(page).not_to_have_title(re.compile(r"^\(\d+\) "))


def test_new_messages_are_announced_to_screen_readers_once(open_chat_page, chat_user):
    alice, bob = chat_user("Alice"), chat_user("Bob")
    chat_id = bob.create_group("Spoken", [alice])
    page = open_chat_page(alice, **DESKTOP)
    open_conversation(page, "Spoken")
    announcer = page.locator("#message-announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    post(bob, chat_id, "can you hear me?", "s-1")
    expect(announcer).to_have_text(f"{bob.name}: can you hear me?")
    send(page, "yes")  # one's own message is not announced
    expect(page.locator("#message-list li.msg.mine")).to_have_count(1)
    expect(announcer).to_have_text(f"{bob.name}: can you hear me?")
    assert page.locator("#message-list").get_attribute("aria-live") is None
