"""A realistic chat population in a prepared (migrated) database, with an access token per user.

    python -m bench.suite.population <tokens.json> --users 10000   # run with the server's environment

Registering 10,000 users over HTTP takes minutes (argon2 at the production cost), so the users go
in by bulk SQL through the app's own tables (Core inserts fill the columns' defaults), and each
gets an access token from `campus.users.tokens.issue_tokens`, as a sign-in would. Each user is in
a group of `--group-size` neighbours and in private chats with the users 1 and 7 places along —
a few chats each, shared with many others, so presence has people to tell. The tokens are written
as a JSON list of `{"token": …}` objects (Socket.IO `auth` values), in user order.

Run it as a subprocess with the environment the server will have (`LiveServer.environment()`):
the same database and JWT secret.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import insert, select

from campus import create_app
from campus.chat.models import Chat, ChatMember
from campus.core.models import utcnow
from campus.extensions import db
from campus.roles.models import Role
from campus.users.models import User
from campus.users.tokens import issue_tokens

PRIVATE_STEPS = (1, 7)  # each user's private chats: with the users this many places along


def seed(users: int, group_size: int) -> list[int]:
    """Insert the users and their chats; the users' ids in order."""
    now = utcnow()
    role_id = db.session.scalar(select(Role.id).where(Role.name == "user"))
    rows = [
        {
            "email": f"idle{i}@bench.test",
            "first_name": f"Idle{i}",
            "last_name": "Bench",
            "password_hash": "!",  # no password: these accounts never sign in by password
            "role_id": role_id,
            "is_active": True,
            "email_verified_at": now,
        }
        for i in range(users)
    ]
    db.session.execute(insert(User), rows)
    user_ids = list(db.session.scalars(select(User.id).where(User.email.like("idle%@bench.test")).order_by(User.id)))

    chat_rows, members = [], []
    for first in range(0, users, group_size):
        chat_rows.append({"type": "group", "title": f"Group {first // group_size}", "created_by_id": user_ids[first]})
    pairs = set()
    for step in PRIVATE_STEPS:
        for i in range(users):
            a, b = sorted((user_ids[i], user_ids[(i + step) % users]))
            if a != b:
                pairs.add((a, b))
    pairs = sorted(pairs)
    chat_rows += [{"type": "private", "key": f"private:{a}:{b}"} for a, b in pairs]
    db.session.execute(insert(Chat), chat_rows)
    chat_ids = list(db.session.scalars(select(Chat.id).order_by(Chat.id)))[-len(chat_rows) :]

    groups = chat_ids[: len(chat_rows) - len(pairs)]
    for index, chat_id in enumerate(groups):
        for i, user_id in enumerate(user_ids[index * group_size : (index + 1) * group_size]):
            members.append({"chat_id": chat_id, "user_id": user_id, "role": "owner" if i == 0 else "member"})
    for chat_id, (a, b) in zip(chat_ids[len(groups) :], pairs, strict=True):
        members += [{"chat_id": chat_id, "user_id": a}, {"chat_id": chat_id, "user_id": b}]
    db.session.execute(insert(ChatMember), members)
    db.session.commit()
    return user_ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tokens", type=Path)
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--group-size", type=int, default=20)
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        user_ids = seed(args.users, args.group_size)
        auths = [
            {"token": issue_tokens(SimpleNamespace(id=user_id, token_generation=0), refresh=False)["access_token"]}
            for user_id in user_ids
        ]
    args.tokens.write_text(json.dumps(auths))


if __name__ == "__main__":
    main()
