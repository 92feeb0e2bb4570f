"""The chat page's rough edges of issue 11, each with the test that failed before its fix."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.support.accounts import PASSWORD
from tests.support.chat_page import chat_item, open_conversation, send
from tests.support.proxy import TcpProxy

PHONE = {"viewport": {"width": 360, "height": 740}}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}

# Each element's height against its line height: more than one line means it broke inside a word.
ONE_LINE = """elements => elements.filter(e => {
  const height = e.getBoundingClientRect().height;
  const line = parseFloat(getComputedStyle(e).lineHeight) || parseFloat(getComputedStyle(e).fontSize) * 1.4;
  return height > line * 1.5;
}).map(e => e.textContent)"""


def russian_page(new_page, user, live_server, **options):
    assert user.call("PATCH", "/users/me", json={"language": "ru"}).status_code == 200
    page = new_page(locale="ru-RU", **options)
    user.sign_in(page, live_server.url)
    expect(page.locator("#chat-app")).to_have_attribute("data-connection", "online")
    return page


def test_in_russian_at_360_px_time_status_and_actions_do_not_break_inside_words(new_page, chat_user, live_server):
    alice, bob = chat_user("Alice"), chat_user("Bob")
    chat_id = alice.create_group("Группа", [bob])
    bob.post_message(chat_id, "Привет", "b-1")
    page = russian_page(new_page, alice, live_server, **PHONE)
    open_conversation(page, "Группа")
    send(page, "Ответ")
    expect(page.locator("#message-list li.msg.mine .msg-status")).to_have_attribute("data-status", "sent")

    parts = page.locator(
        "#message-list .msg-meta time, #message-list .msg-status-text, #message-list .msg-actions button"
    )
    expect(parts.filter(has_text="Изменить")).to_have_count(1)
    assert parts.evaluate_all(ONE_LINE) == []
    # The placeholder fits its box.
    box = page.locator("#composer-input")
    assert box.evaluate("b => b.scrollWidth <= b.clientWidth")


def test_dialog_inputs_and_buttons_have_borders(open_chat_page, chat_user):
    alice = chat_user("Alice")
    alice.create_group("Borders", [])
    page = open_chat_page(alice, **PHONE)
    open_conversation(page, "Borders")
    page.locator("#members-button").click()
    for selector in ("#rename-input", "#rename-button", "#add-member-search", "#leave-button"):
        style = page.locator(selector).evaluate(
            "e => [getComputedStyle(e).borderTopStyle, getComputedStyle(e).borderTopWidth]"
        )
        assert style == ["solid", "1px"], (selector, style)


def test_the_user_menu_button_is_named_by_the_user_on_a_phone(open_chat_page, chat_user):
    alice = chat_user("Alice")
    page = open_chat_page(alice, **PHONE)
    summary = page.locator(".user-menu summary")
    expect(page.locator(".user-menu .user-name")).not_to_be_in_viewport()  # hidden from sight
    expect(summary).to_have_accessible_name(alice.name)


def test_while_reconnecting_the_header_does_not_claim_online(open_chat_page, chat_user, live_server):
    alice, bob = chat_user("Alice"), chat_user("Bob")
    bob.private_chat_with(alice)
    with TcpProxy(("127.0.0.1", live_server.port)) as proxy:
        alice_page = open_chat_page(alice, base_url=proxy.url, **DESKTOP)
        open_chat_page(bob)
        open_conversation(alice_page, bob.name)
        status = alice_page.locator("#conversation-status")
        expect(status).to_have_text("online")
        proxy.hold()
        assert proxy.cut() >= 1
        expect(alice_page.locator("#chat-app")).to_have_attribute("data-connection", "reconnecting")
        expect(status).to_have_text("waiting for the connection…")
        expect(status).not_to_have_class(re.compile("online"))
        proxy.resume()
        expect(status).to_have_text("online")


def test_chats_without_messages_do_not_jump_to_the_top_after_a_reload(open_chat_page, chat_user):
    alice, bob = chat_user("Alice"), chat_user("Bob")
    busy = bob.create_group("Busy", [alice])
    alice.create_group("Quiet", [bob])  # newer, but nothing was ever said there
    bob.post_message(busy, "news", "n-1")
    page = open_chat_page(alice, **DESKTOP)
    expect(chat_item(page, "Busy")).to_be_visible()
    page.reload()
    expect(page.locator("#chat-app")).to_have_attribute("data-connection", "online")
    expect(page.locator("#chat-list li .chat-item-title")).to_have_text(["Busy", "Quiet"])


def test_in_a_group_seen_says_who_read_it(open_chat_page, chat_user):
    alice, bob, carol = chat_user("Alice"), chat_user("Bob"), chat_user("Carol")
    alice.create_group("Seen by", [bob, carol])
    pages = {user: open_chat_page(user, **DESKTOP) for user in (alice, bob)}
    open_conversation(pages[alice], "Seen by")
    send(pages[alice], "who reads this?")
    status = pages[alice].locator("#message-list li.msg.mine .msg-status")
    expect(status).to_have_attribute("data-status", "sent")
    open_conversation(pages[bob], "Seen by")
    expect(status.locator(".msg-status-text")).to_have_text("Seen by 1")
    expect(status).to_have_attribute("title", bob.name)
    carol_page = open_chat_page(carol, **PHONE)
    open_conversation(carol_page, "Seen by")
    expect(status.locator(".msg-status-text")).to_have_text("Seen by 2")
    expect(status).to_have_attribute("title", f"{bob.name}, {carol.name}")


def test_a_deactivated_users_chat_says_so_and_signing_in_again_says_so_too(
    open_chat_page, new_page, chat_user, live_server
):
    import uuid

    from tests.support.browser import sign_in

    admin = f"admin-{uuid.uuid4().hex[:6]}@example.test"
    live_server.flask("users", "create-admin", admin, "--password", "admin password 1", "--role", "admin")
    alice = chat_user("Alice")
    page = open_chat_page(alice, **PHONE)
    page.expected_errors.append(r"401")

    admin_page = new_page(**DESKTOP)
    sign_in(admin_page, admin, "admin password 1", "/admin/users")
    admin_page.goto(f"/admin/users/{alice.id}")
    admin_page.locator("#active-form").click()  # Deactivate asks first
    admin_page.locator("#confirm-form button").click()
    expect(admin_page.locator("#current-status")).to_have_text("inactive")

    notice = page.locator("#signed-out")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("deactivated")
    expect(page.locator("#connection-status")).to_contain_text("deactivated")
    notice.locator("a").click()
    page.locator("input[name=email]").fill(alice.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".form-errors")).to_contain_text("This account is deactivated.")


def test_russian_chosen_on_the_sign_in_page_stays_after_signing_in(new_page, chat_user, live_server):
    alice = chat_user("Alice")
    assert alice.call("PATCH", "/users/me", json={"language": "en"}).status_code == 200
    page = new_page(locale="en-US", **PHONE)
    page.goto("/login?next=/chat")
    page.get_by_role("button", name="RU").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.locator("input[name=email]").fill(alice.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page.locator("#chat-app")).to_have_attribute("data-connection", "online")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("#connection-status")).to_have_text("Подключено")
