"""The chat page in a browser: an account that signs a browser context in, and the page's
parts as locators (`chat_item`, `open_conversation`, `send`, `bodies`, `pick_user`).
The fixtures `chat_user` and `open_chat_page` are in tests/browser/conftest.py."""

from __future__ import annotations

import itertools
import re

import requests
from playwright.sync_api import expect
from sqlalchemy import create_engine, update

from campus.core.models import utcnow
from campus.users.models import User
from tests.support.accounts import PASSWORD
from tests.support.browser import sign_in
from tests.support.chat_client import CampusApi
from tests.support.server import LiveServer

_numbers = itertools.count(1)


class ChatUser:
    """An account on the live server and the means to sign a browser context in as it."""

    def __init__(self, server: LiveServer, first_name: str):
        self.first_name = first_name
        self.last_name = f"Tester{next(_numbers)}x{first_name}"
        self.name = f"{self.first_name} {self.last_name}"
        self.server = server
        self.api = CampusApi(server.url)
        self.account = self.api.register(first_name, last_name=self.last_name)
        self.id, self.email, self.token = self.account.id, self.account.email, self.account.token

    def verify_email(self) -> None:
        """Mark the address verified, as opening the mailed link does: a student record links only
        to a verified account (docs/design.md, "Registration")."""
        engine = create_engine(self.server.database_url)
        try:
            with engine.begin() as connection:
                users = User.__table__
                connection.execute(update(users).where(users.c.id == self.id).values(email_verified_at=utcnow()))
        finally:
            engine.dispose()

    def sign_in(self, page, base_url: str) -> None:
        """Open the chat signed out, get sent to the login form, sign in, land on the chat."""
        sign_in(page, self.email, PASSWORD, "/chat", base_url=base_url)

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        """`method /api/v1<path>` as this user."""
        return self.api.call(self.account, method, path, **kwargs)

    def create_group(self, title: str, members: list[ChatUser]) -> int:
        return self.api.group(self.account, [member.account for member in members], title)["id"]

    def private_chat_with(self, other: ChatUser) -> int:
        return self.api.ok(self.account, "POST", "/chats", json={"type": "private", "user_id": other.id})["id"]

    def post_message(self, chat_id: int, body: str, client_id: str) -> dict:
        """Send a message over REST; the stored `<message>`."""
        response = self.call("POST", f"/chats/{chat_id}/messages", json={"client_id": client_id, "body": body})
        assert response.status_code == 201, response.text
        return response.json()


def chat_item(page, text: str):
    return page.locator("#chat-list li", has_text=text)


def open_conversation(page, text: str):
    chat_item(page, text).locator("button").click()
    expect(page.locator("#conversation-title")).to_have_text(re.compile(re.escape(text)))


def send(page, text: str):
    page.locator("#composer-input").fill(text)
    page.locator("#composer-input").press("Enter")


def bodies(page):
    return page.locator("#message-list li.msg .msg-body")


def pick_user(page, dialog: str, user: ChatUser):
    page.locator(f"#{dialog}-search").fill(user.last_name)
    page.locator(f"#{dialog}-results button", has_text=user.name).click()
