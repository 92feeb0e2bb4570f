"""The parts of `<message>` that issue 11 added (docs/protocol.md#conversations): the quote of the
message a reply answers, and the reactions, as `campus.chat.payloads` builds them."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from campus.chat.schemas import REACTIONS, REPLY_QUOTE


class ReplyPayload(TypedDict):
    """A reply's `reply`: enough of the original to quote it and to load history around it."""

    id: int
    seq: int
    sender_id: int | None
    body: str | None
    deleted: bool


class ReactionPayload(TypedDict):
    """One emoji of a message's `reactions`: who reacted with it."""

    emoji: str
    count: int
    user_ids: list[int]


def reply_from_values(
    reply_to: int | None, seq: int | None, sender_id: int | None, body: str | None, deleted_at: datetime | None
) -> ReplyPayload | None:
    """`reply` from the original's columns (`REPLY_COLUMNS`' order); None without one."""
    if reply_to is None or seq is None:
        return None
    deleted = deleted_at is not None
    quote = None if deleted or body is None else body[:REPLY_QUOTE]
    return {"id": reply_to, "seq": seq, "sender_id": sender_id, "body": quote, "deleted": deleted}


def reactions_list(reactions: dict[str, list[int]] | None) -> list[ReactionPayload]:
    """`reactions` from the stored `{emoji: [user_id, ...]}`, in the picker's order."""
    if not reactions:
        return []
    order = {emoji: n for n, emoji in enumerate(REACTIONS)}
    return [
        {"emoji": emoji, "count": len(users), "user_ids": list(users)}
        for emoji, users in sorted(reactions.items(), key=lambda item: order.get(item[0], len(order)))
        if users
    ]
