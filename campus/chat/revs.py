"""A chat's numbers: every change takes the chat's next `rev`, a message also the next `seq`.

Both come from one `UPDATE chats … RETURNING`, which is also the lock: on PostgreSQL the chat row
stays locked until the commit, so numbers are handed out in commit order with no gaps; SQLite has
a single writer. A new message takes its numbers with `campus.chat.messages`' prebuilt statement
(membership and the announcement rule in its WHERE); every other change through `next_rev`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from campus.chat.models import Chat
from campus.core.models import utcnow
from campus.extensions import db


def next_rev(chat_id: int, *, chat_change: bool = False) -> tuple[int, int] | None:
    """Take the chat's next rev: `(last_seq, rev)` after the bump (None: no such chat). Locks the
    chat row until the commit; `chat_change` marks a change of the chat itself (title, members)."""
    values: dict[str, Any] = {"rev": Chat.rev + 1, "updated_at": utcnow()}
    if chat_change:
        values["changed_rev"] = Chat.rev + 1
    statement = update(Chat.__table__).where(Chat.id == chat_id).values(**values).returning(Chat.last_seq, Chat.rev)
    row = db.session.execute(statement).first()
    return (row[0], row[1]) if row else None
