"""The chat page in a real browser against the production entry point (docs/protocol.md).

Every user has their own browser context (own cookies). One user's connection goes through a
loopback proxy the test controls, so it can be cut for real.
"""

from __future__ import annotations

import itertools
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import jwt
import pytest
import requests
from playwright.sync_api import expect

from tests.support.accounts import PASSWORD, bearer
from tests.support.chat_client import CampusApi, ChatSocket
from tests.support.chat_page import bodies, chat_item, open_conversation, pick_user, send
from tests.support.proxy import TcpProxy
from tests.support.server import LiveServer

_numbers = itertools.count(1)


def test_two_users_chat_privately_with_typing_and_seen(open_chat_page, chat_user):
    alice, bob = chat_user("Alice"), chat_user("Bob")
    alice_page, bob_page = open_chat_page(alice), open_chat_page(bob)

    alice_page.locator("#new-private-button").click()
    pick_user(alice_page, "private", bob)
    expect(alice_page.locator("#conversation-title")).to_have_text(bob.name)

    send(alice_page, "Hello Bob")
    mine = alice_page.locator("#message-list li.msg.mine")
    expect(mine.locator(".msg-body")).to_have_text(["Hello Bob"])
    # Acknowledged, not yet read: "sent".
    expect(mine.locator(".msg-status")).to_have_attribute("data-status", "sent")

    # Bob's list shows the new chat with one unread message, and so does the tab title.
    expect(chat_item(bob_page, alice.name).locator(".unread-badge")).to_have_text("1")
    expect(bob_page).to_have_title(re.compile(r"^\(1\) "))
    open_conversation(bob_page, alice.name)
    expect(bodies(bob_page)).to_have_text(["Hello Bob"])
    expect(bob_page).not_to_have_title(re.compile(r"^\(\d+\) "))

    # Bob has read it: Alice sees "seen".
    expect(mine.locator(".msg-status")).to_have_attribute("data-status", "seen")

    # Bob types: Alice sees it; Bob sends: the indicator goes and the reply arrives.
    bob_page.locator("#composer-input").press_sequentially("Hi Al")
    expect(alice_page.locator("#typing-indicator")).to_contain_text(bob.first_name)
    bob_page.locator("#composer-input").press_sequentially("ice")
    bob_page.locator("#composer-input").press("Enter")
    expect(bodies(alice_page)).to_have_text(["Hello Bob", "Hi Alice"])
    expect(alice_page.locator("#typing-indicator")).to_have_text("")
    expect(bodies(bob_page)).to_have_text(["Hello Bob", "Hi Alice"])


def test_typing_shows_for_at_most_six_seconds_unless_repeated(open_chat_page, chat_user, live_server):
    """§4: a `typing` without its `false` (the typist's tab died) fades after 6 s; a repeat
    keeps it up. The page's clock is driven by the test; bob and carol type from python-socketio
    clients (alice's socket receives their events in the order the server sent them, so carol
    showing up means bob's earlier repeat has arrived too)."""
    alice, bob, carol = chat_user("Alice"), chat_user("Bob"), chat_user("Carol")
    chat_id = bob.create_group("Typists", [alice, carol])
    page = open_chat_page(alice, prepare=lambda page: page.clock.install())
    open_conversation(page, "Typists")
    indicator = page.locator("#typing-indicator")
    with (
        ChatSocket(live_server.url, bob.token) as bob_socket,
        ChatSocket(live_server.url, carol.token) as carol_socket,
    ):
        bob_socket.ok("typing", {"chat_id": chat_id, "typing": True})
        expect(indicator).to_contain_text(bob.first_name)
        page.clock.run_for(4000)
        bob_socket.ok("typing", {"chat_id": chat_id, "typing": True})  # bob repeats at 4 s
        carol_socket.ok("typing", {"chat_id": chat_id, "typing": True})  # carol starts at 4 s
        expect(indicator).to_contain_text(carol.first_name)
        page.clock.run_for(3000)  # 7 s: bob's first would have faded at 6 s, his repeat holds
        expect(indicator).to_contain_text(bob.first_name)
        expect(indicator).to_contain_text(carol.first_name)
        page.clock.run_for(3500)  # 10.5 s: 6.5 s after the last of each
        expect(indicator).to_have_text("")


def test_group_chat_of_three(open_chat_page, chat_user):
    alice, bob, carol = chat_user("Alice"), chat_user("Bob"), chat_user("Carol")
    pages = {user: open_chat_page(user) for user in (alice, bob, carol)}

    alice_page = pages[alice]
    alice_page.locator("#new-group-button").click()
    alice_page.locator("#group-title").fill("Study group")
    pick_user(alice_page, "group", bob)
    pick_user(alice_page, "group", carol)
    expect(alice_page.locator("#group-chosen li")).to_have_count(2)
    alice_page.locator("#group-create").click()
    expect(alice_page.locator("#conversation-title")).to_have_text("Study group")

    for user in (bob, carol):
        expect(chat_item(pages[user], "Study group")).to_be_visible()
        open_conversation(pages[user], "Study group")

    expected = []
    for user in (alice, bob, carol):
        text = f"{user.first_name} says hi"
        send(pages[user], text)
        expected.append(text)
        for page in pages.values():
            expect(bodies(page)).to_have_text(expected)

    # The search box filters the chat list.
    search = pages[bob].locator("#chat-search")
    search.fill("no such chat")
    expect(chat_item(pages[bob], "Study group")).to_be_hidden()
    expect(pages[bob].locator("#chat-list-empty")).to_be_visible()
    search.fill("study")
    expect(chat_item(pages[bob], "Study group")).to_be_visible()

    # Others' messages carry their sender's name in a group.
    expect(pages[carol].locator("#message-list li.msg.theirs .msg-sender")).to_have_text([alice.name, bob.name])
    # The member list shows all three.
    alice_page.locator("#members-button").click()
    expect(alice_page.locator("#member-list li")).to_have_count(3)


def test_cut_connection_comes_back_with_every_message_once_in_order(open_chat_page, chat_user, live_server):
    alice, bob, carol = chat_user("Alice"), chat_user("Bob"), chat_user("Carol")
    alice.create_group("Reconnect group", [bob, carol])
    with TcpProxy(("127.0.0.1", live_server.port)) as proxy:
        carol_page = open_chat_page(carol, base_url=proxy.url)
        alice_page, bob_page = open_chat_page(alice), open_chat_page(bob)
        for page in (alice_page, bob_page, carol_page):
            open_conversation(page, "Reconnect group")
        send(alice_page, "before the cut")
        expect(bodies(carol_page)).to_have_text(["before the cut"])

        proxy.hold()
        assert proxy.cut() >= 1
        expect(carol_page.locator("#chat-app")).to_have_attribute("data-connection", "reconnecting")

        expected = ["before the cut"]
        for number in range(1, 7):
            page = alice_page if number % 2 else bob_page
            send(page, f"while away {number}")
            expected.append(f"while away {number}")
            expect(bodies(page)).to_have_text(expected)
        # Carol writes while cut off: pending now, delivered once she is back.
        send(carol_page, "written offline")
        expect(carol_page.locator("#pending-list .msg-status")).to_have_attribute("data-status", "pending")
        expect(bodies(carol_page)).to_have_text(["before the cut"])

        proxy.resume()
        expect(carol_page.locator("#chat-app")).to_have_attribute("data-connection", "online")
        expected.append("written offline")
        for page in (alice_page, bob_page, carol_page):
            expect(bodies(page)).to_have_text(expected)
        expect(carol_page.locator("#pending-list li")).to_have_count(0)
        seqs = carol_page.locator("#message-list li.msg").evaluate_all("items => items.map(i => Number(i.dataset.seq))")
        assert seqs == list(range(1, len(expected) + 1))


def test_markup_in_a_message_is_shown_as_text(open_chat_page, chat_user):
    alice, bob = chat_user("Alice"), chat_user("Bob")
    payload = "<img src=x onerror=alert(1)>"
    alice_page, bob_page = open_chat_page(alice), open_chat_page(bob)
    alice_page.locator("#new-private-button").click()
    pick_user(alice_page, "private", bob)
    expect(alice_page.locator("#conversation-title")).to_have_text(bob.name)
    send(alice_page, payload)
    open_conversation(bob_page, alice.name)
    for page in (alice_page, bob_page):
        expect(bodies(page)).to_have_text([payload])
        expect(page.locator("#messages img")).to_have_count(0)
        assert page.dialogs == []


def test_history_loads_while_scrolling_up(open_chat_page, chat_user):
    alice, bob = chat_user("Alice"), chat_user("Bob")
    chat_id = alice.private_chat_with(bob)
    texts = [f"message {number}" for number in range(1, 61)]
    for number, text in enumerate(texts, 1):
        alice.post_message(chat_id, text, client_id=f"history-{number}")

    bob_page = open_chat_page(bob)
    expect(chat_item(bob_page, alice.name).locator(".unread-badge")).to_have_text("60")
    open_conversation(bob_page, alice.name)
    expect(bodies(bob_page)).to_have_count(50)
    expect(bodies(bob_page).last).to_have_text("message 60")
    bob_page.locator("#messages").evaluate("box => { box.scrollTop = 0; }")
    expect(bodies(bob_page)).to_have_text(texts)
    expect(bob_page.locator("#history-note")).not_to_have_text("")
    assert not bob_page.locator("#history-note button").count()


def test_proxy_forwards_holds_cuts_and_refuses():
    import socket
    import threading

    upstream = socket.create_server(("127.0.0.1", 0))

    def echo_back(connection):
        with connection:  # closed once the proxy closes its side
            for data in iter(lambda: connection.recv(1024), b""):
                connection.sendall(data)

    def echo():
        while True:
            try:
                connection, _ = upstream.accept()
            except OSError:
                return
            threading.Thread(target=echo_back, args=(connection,), daemon=True).start()

    threading.Thread(target=echo, daemon=True).start()
    with TcpProxy(upstream.getsockname()) as proxy:
        client = socket.create_connection((proxy.host, proxy.port), timeout=5)
        client.sendall(b"ping")
        assert client.recv(16) == b"ping"

        proxy.hold()
        assert proxy.cut() == 1
        assert client.recv(16) == b""  # closed by the proxy
        held = socket.create_connection((proxy.host, proxy.port), timeout=5)
        held.sendall(b"waiting")
        held.settimeout(0.3)
        with pytest.raises(socket.timeout):
            held.recv(16)  # accepted, not forwarded
        proxy.resume()
        held.settimeout(5)
        assert held.recv(16) == b"waiting"

        proxy.refuse()
        refused = socket.create_connection((proxy.host, proxy.port), timeout=5)
        assert refused.recv(16) == b""
        for sock in (client, held, refused):
            sock.close()
    upstream.close()


def access_cookie(page, url: str) -> str:
    return next(cookie["value"] for cookie in page.context.cookies(url) if cookie["name"] == "access_token_cookie")


def expire_access_cookie(page, url: str, server: LiveServer) -> str:
    """Replace the page's access cookie for `url` by the same token expired an hour ago
    (signed with the server's key); returns the expired token."""
    claims = jwt.decode(access_cookie(page, url), options={"verify_signature": False})
    claims.update(iat=claims["iat"] - 7200, nbf=claims["iat"] - 7200, exp=claims["iat"] - 3600)
    expired = jwt.encode(claims, server.environment()["JWT_SECRET_KEY"], algorithm="HS256")
    page.context.add_cookies(
        [{"name": "access_token_cookie", "value": expired, "url": url, "httpOnly": True, "sameSite": "Lax"}]
    )
    return expired


def test_expired_access_cookie_is_refreshed_when_the_socket_reconnects(open_chat_page, chat_user, live_server):
    alice = chat_user("Alice")
    with TcpProxy(("127.0.0.1", live_server.port)) as proxy:
        page = open_chat_page(alice, base_url=proxy.url)
        # The access cookie expires while the page is open (the refresh cookie is still good).
        expired = expire_access_cookie(page, proxy.url, live_server)
        proxy.hold()
        proxy.cut()
        expect(page.locator("#chat-app")).to_have_attribute("data-connection", "reconnecting")
        proxy.resume()
        # The socket is refused with token_expired; the page refreshes and connects again.
        expect(page.locator("#chat-app")).to_have_attribute("data-connection", "online")
        assert access_cookie(page, proxy.url) != expired


def test_the_page_refreshes_its_access_cookie_before_it_expires(open_chat_page, chat_user, live_server):
    """An API call after the access cookie's expiry refreshes first instead of meeting a 401
    (which Chromium logs as a console error, failing this test)."""
    alice, bob = chat_user("Alice"), chat_user("Bob")
    page = open_chat_page(alice, prepare=lambda page: page.clock.install())
    # The access cookie has expired on the server's side and, 20 minutes later, on the page's.
    expired = expire_access_cookie(page, live_server.url, live_server)
    page.clock.set_system_time(page.evaluate("Date.now()") + 20 * 60 * 1000)

    page.locator("#new-private-button").click()
    pick_user(page, "private", bob)  # GET /users?q=, POST /chats
    expect(page.locator("#conversation-title")).to_have_text(bob.name)
    assert access_cookie(page, live_server.url) != expired


def test_a_russian_reader_sees_russian_and_times_in_their_own_time_zone(new_page, chat_user, live_server):
    alice, bob = chat_user("Alice"), chat_user("Bob")
    assert alice.call("PATCH", "/users/me", json={"language": "ru"}).status_code == 200
    sent = bob.post_message(bob.private_chat_with(alice), "Привет", client_id="tz-1")
    zone = "Asia/Vladivostok"  # UTC+10, no daylight saving: never the server's or UTC's wall clock
    page = new_page(locale="ru-RU", timezone_id=zone)
    alice.sign_in(page, live_server.url)
    expect(page.locator("#chat-app")).to_have_attribute("data-connection", "online")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("#connection-status")).to_have_text("Подключено")

    open_conversation(page, bob.name)
    created = datetime.fromisoformat(sent["created_at"].replace("Z", "+00:00"))
    expect(page.locator("#message-list li.msg time")).to_have_text(created.astimezone(ZoneInfo(zone)).strftime("%H:%M"))
    send(page, "Ответ")
    expect(page.locator("#message-list li.msg.mine .msg-status-text")).to_have_text("Отправлено")


def test_signing_out_in_another_tab_ends_the_chat_pages_connection(open_chat_page, chat_user):
    """The server disconnects the sockets of the signed-out browser session; the page, trying to
    reconnect without its cookies, shows that it is signed out. The same user's other browser
    stays online."""
    alice = chat_user("Alice")
    chat_page, other_browser = open_chat_page(alice), open_chat_page(alice)
    second_tab = chat_page.context.new_page()
    second_tab.goto("/")
    second_tab.locator(".user-menu summary").click()
    second_tab.locator(".user-menu form[action='/logout'] button").click()
    second_tab.locator(".topbar a[href='/login']").wait_for()

    expect(chat_page.locator("#chat-app")).to_have_attribute("data-connection", "signed-out")
    expect(chat_page.locator("#signed-out")).to_be_visible()
    expect(other_browser.locator("#chat-app")).to_have_attribute("data-connection", "online")


RECORD_NOTIFICATIONS = """
window.shownNotifications = [];
window.Notification = class extends window.Notification {
  constructor(title, options) {
    super(title, options);
    window.shownNotifications.push({title, body: options && options.body});
  }
};
"""

SET_VISIBILITY = """state => {
  Object.defineProperty(document, "visibilityState", {configurable: true, get: () => state});
  Object.defineProperty(document, "hidden", {configurable: true, get: () => state === "hidden"});
  document.dispatchEvent(new Event("visibilitychange"));
}"""


def test_hidden_page_counts_unread_in_the_title_and_notifies(open_chat_page, chat_user, live_server):
    alice, bob = chat_user("Alice"), chat_user("Bob")
    chat_id = alice.private_chat_with(bob)

    def prepare(page):
        page.context.grant_permissions(["notifications"], origin=live_server.url)
        page.add_init_script(RECORD_NOTIFICATIONS)

    bob_page = open_chat_page(bob, prepare=prepare)
    expect(bob_page.locator("#enable-notifications")).to_be_hidden()  # already granted: no offer
    expect(chat_item(bob_page, alice.name)).to_be_visible()
    open_conversation(bob_page, alice.name)
    bob_page.evaluate(SET_VISIBILITY, "hidden")

    alice.post_message(chat_id, "are you there?", client_id="while-hidden")
    expect(bodies(bob_page)).to_have_text(["are you there?"])
    expect(bob_page).to_have_title(re.compile(r"^\(1\) "))
    bob_page.wait_for_function("window.shownNotifications.length === 1")
    assert bob_page.evaluate("window.shownNotifications[0].body") == "are you there?"

    # Back on the page: the message is read, the count goes, Alice sees "seen".
    bob_page.evaluate(SET_VISIBILITY, "visible")
    expect(bob_page).not_to_have_title(re.compile(r"^\(\d+\) "))
    alice_page = open_chat_page(alice)
    open_conversation(alice_page, bob.name)
    expect(alice_page.locator("#message-list li.msg.mine .msg-status")).to_have_attribute("data-status", "seen")


def test_refused_message_shows_failed_with_a_retry_that_reuses_its_client_id(open_chat_page, chat_user):
    alice, bob = chat_user("Alice"), chat_user("Bob")
    chat_id = alice.private_chat_with(bob)
    alice_page = open_chat_page(alice)
    open_conversation(alice_page, bob.name)
    # A NUL character is refused by the server (validation_error): the message never gets stored.
    alice_page.locator("#composer-input").evaluate("box => { box.value = 'bad \\u0000 text'; }")
    alice_page.locator("#composer-input").press("Enter")
    pending = alice_page.locator("#pending-list li")
    expect(pending.locator(".msg-status")).to_have_attribute("data-status", "failed")
    client_id = pending.get_attribute("data-client-id")

    pending.locator(".retry-button").click()
    expect(pending.locator(".msg-status")).to_have_attribute("data-status", "failed")
    expect(pending).to_have_count(1)
    assert pending.get_attribute("data-client-id") == client_id
    send(alice_page, "good text")
    expect(bodies(alice_page)).to_have_text(["good text"])
    history = alice.call("GET", f"/chats/{chat_id}/messages").json()["items"]
    assert [message["body"] for message in history] == ["good text"]


def test_rename_and_leave_a_group_from_the_member_list(open_chat_page, chat_user):
    alice, bob, carol = chat_user("Alice"), chat_user("Bob"), chat_user("Carol")
    alice.create_group("Old name", [bob, carol])
    alice_page, bob_page = open_chat_page(alice), open_chat_page(bob)
    open_conversation(alice_page, "Old name")
    open_conversation(bob_page, "Old name")

    alice_page.locator("#members-button").click()
    expect(alice_page.locator("#member-list li")).to_have_count(3)
    alice_page.locator("#rename-input").fill("New name")
    alice_page.locator("#rename-button").click()
    expect(alice_page.locator("#conversation-title")).to_have_text("New name")
    expect(bob_page.locator("#conversation-title")).to_have_text("New name")
    expect(chat_item(bob_page, "New name")).to_be_visible()

    # A plain member may not rename; they may leave (after confirming).
    bob_page.locator("#members-button").click()
    expect(bob_page.locator("#rename-area")).to_be_hidden()
    bob_page.locator("#leave-button").click()
    bob_page.locator("#leave-confirm").click()
    expect(chat_item(bob_page, "New name")).to_have_count(0)
    expect(bob_page.locator("#conversation")).to_be_hidden()
    expect(alice_page.locator("#member-list li")).to_have_count(2)


def test_students_read_their_major_announcements_and_write_in_their_cohort(open_chat_page, chat_user, live_server):
    admin_email = f"chat-admin-{next(_numbers)}@example.org"
    live_server.flask("users", "create-admin", admin_email, "--password", PASSWORD, "--role", "admin")
    admin = bearer(CampusApi(live_server.url).token_pair(admin_email)["access_token"])
    major = requests.post(
        live_server.url + "/api/v1/majors", headers=admin, json={"name": f"Physics {next(_numbers)}"}
    ).json()
    student = chat_user("Sasha")
    student.verify_email()
    response = requests.post(
        live_server.url + "/api/v1/students",
        headers=admin,
        json={
            "first_name": "Sasha",
            "last_name": student.last_name,
            "date_of_birth": "2004-05-06",
            "email": student.email,
            "phone_number": "+79161234567",
            "address": "Lenina street 1, Moscow",
            "enrollment_year": 2023,
            "course": 2,
            "major_id": major["id"],
            "user_id": student.id,
        },
    )
    assert response.status_code == 201, response.text

    page = open_chat_page(student)
    announcements = page.locator("#chat-list li[data-kind=major] button")
    announcements.click()
    expect(page.locator("#read-only-note")).to_be_visible()
    expect(page.locator("#composer")).to_be_hidden()
    page.locator("#chat-list li[data-kind=cohort] button").click()
    expect(page.locator("#read-only-note")).to_be_hidden()
    send(page, "hello cohort")
    expect(bodies(page)).to_have_text(["hello cohort"])


def test_a_missed_broadcast_is_noticed_by_its_seq_gap_and_synced(open_chat_page, chat_user):
    alice, bob = chat_user("Alice"), chat_user("Bob")
    chat_id = alice.private_chat_with(bob)
    dropped = []

    def drop_one_broadcast(page):
        """Bob's WebSocket goes through Playwright, which loses the "message" event of one message."""

        def handle(client):
            server = client.connect_to_server()

            def to_page(frame):
                if isinstance(frame, str) and frame.startswith('42/chat,["message"') and "lost in transit" in frame:
                    dropped.append(frame)
                    return
                client.send(frame)

            server.on_message(to_page)
            client.on_message(lambda frame: server.send(frame))

        page.route_web_socket(re.compile(r"/socket\.io/"), handle)

    bob_page = open_chat_page(bob, prepare=drop_one_broadcast)
    open_conversation(bob_page, alice.name)
    for number, text in enumerate(["one", "lost in transit", "three"], 1):
        alice.post_message(chat_id, text, client_id=f"gap-{number}")
    # "three" arrives with seq 3 after seq 1: the page syncs the chat and gets seq 2 from there.
    expect(bodies(bob_page)).to_have_text(["one", "lost in transit", "three"])
    assert len(dropped) == 1
    seqs = bob_page.locator("#message-list li.msg").evaluate_all("items => items.map(i => Number(i.dataset.seq))")
    assert seqs == [1, 2, 3]


def test_online_dot_and_last_seen_follow_presence(open_chat_page, chat_user):
    alice, bob = chat_user("Alice"), chat_user("Bob")
    alice.private_chat_with(bob)
    alice_page = open_chat_page(alice)
    open_conversation(alice_page, bob.name)
    dot = chat_item(alice_page, bob.name).locator(".presence-dot")
    expect(dot).not_to_have_class(re.compile(r"\bonline\b"))

    bob_page = open_chat_page(bob)
    expect(dot).to_have_class(re.compile(r"\bonline\b"))
    expect(alice_page.locator("#conversation-status")).to_have_text("online")

    bob_page.close()
    expect(dot).not_to_have_class(re.compile(r"\bonline\b"))
    expect(alice_page.locator("#conversation-status")).to_contain_text("last seen")


def test_own_messages_can_be_edited_and_deleted_for_everyone(open_chat_page, chat_user):
    alice, bob = chat_user("Alice"), chat_user("Bob")
    alice.private_chat_with(bob)
    alice_page, bob_page = open_chat_page(alice), open_chat_page(bob)
    open_conversation(alice_page, bob.name)
    open_conversation(bob_page, alice.name)
    send(alice_page, "typo here")
    send(alice_page, "sent by mistake")
    expect(bodies(bob_page)).to_have_text(["typo here", "sent by mistake"])
    expect(bob_page.locator("#message-list li.msg .edit-button")).to_have_count(0)  # not Bob's to edit

    first, second = (
        alice_page.locator("#message-list li.msg.mine").nth(0),
        alice_page.locator("#message-list li.msg.mine").nth(1),
    )
    first.locator(".edit-button").click()
    first.locator(".edit-input").fill("typo fixed")
    first.locator(".edit-input").press("Enter")  # Enter saves (Shift+Enter starts a new line)
    expect(first.locator(".edit-form")).to_have_count(0)
    second.locator(".delete-button").click()
    second.locator(".delete-button").click()  # "Delete for everyone?" — yes

    for page in (alice_page, bob_page):
        expect(page.locator("#message-list li.msg .msg-body")).to_have_text(["typo fixed", "Message deleted"])
        expect(page.locator("#message-list li.msg").nth(0).locator(".msg-edited")).to_be_visible()


def test_chat_list_is_usable_from_the_keyboard_while_messages_arrive(open_chat_page, chat_user):
    alice, bob = chat_user("Alice"), chat_user("Bob")
    chat_id = alice.private_chat_with(bob)
    bob_page = open_chat_page(bob)
    item = chat_item(bob_page, alice.name).locator("button")
    item.focus()
    alice.post_message(chat_id, "ping", client_id="keyboard-1")
    expect(item.locator(".unread-badge")).to_have_text("1")  # the list was redrawn …
    expect(item).to_be_focused()  # … and focus stayed on the chat
    bob_page.keyboard.press("Enter")
    expect(bodies(bob_page)).to_have_text(["ping"])
    expect(bob_page.locator("#composer-input")).to_be_focused()
    bob_page.keyboard.type("pong")
    bob_page.keyboard.press("Enter")
    expect(bodies(bob_page)).to_have_text(["ping", "pong"])
