"""Chat test helpers: chats made through the services, client ids (sockets on `/chat` come from
tests/support/sockets.py)."""

from __future__ import annotations

import itertools

import pytest

from campus.extensions import db


@pytest.fixture
def chats(app):
    """Make chats through the services: `chats.group(owner, [members], title=...)`, `chats.private(a, b)`."""
    from campus.chat.chats import create_group_chat, create_private_chat
    from campus.users.models import User

    class Chats:
        def group(self, owner_id: int, member_ids=(), title: str = "Group") -> int:
            with app.app_context():
                return create_group_chat(db.session.get(User, owner_id), title, member_ids)["id"]

        def private(self, a: int, b: int) -> int:
            with app.app_context():
                return create_private_chat(db.session.get(User, a), b)[0]["id"]

    return Chats()


_client_ids = itertools.count(1)


@pytest.fixture
def client_id():
    return lambda: f"c-{next(_client_ids)}"
