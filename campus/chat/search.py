"""Search in messages (docs/design.md#search-in-messages, docs/protocol.md#search).

The index is the database's own full-text search, written by triggers on `messages` in the same
transaction as the send, edit or delete (migration 0061_message_search): SQLite's FTS5 over the bodies' stems
(`campus.core.textsearch`), PostgreSQL's `tsvector` in the `russian` configuration. A search
sees only the chats the caller is a member of at the moment of the search — membership is a join
in the query, not a list taken earlier.

Results are ranked by relevance (FTS5's bm25, PostgreSQL's `ts_rank`), then newest first, and
paged by the key `(score, id)`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import Float, and_, bindparam, cast, column, func, literal_column, or_, select, table, text
from sqlalchemy.dialects.postgresql import TSVECTOR

from campus.chat.access import require_member
from campus.chat.models import ChatMember, Message
from campus.chat.payloads import MessagePayload, message_from_row, select_messages
from campus.core.api import decode_cursor, encode_cursor
from campus.core.textsearch import MAX_QUERY_WORDS, query_stems, stem, words
from campus.extensions import db

SNIPPET_CHARS = 160
# A query ranks the newest matches in the caller's chats, at most this many: ranking every match
# of a common word costs a second at a million messages (docs/performance.md, "Search").
CANDIDATES = 1000
# The search index's tables (SQLite's FTS5 adds shadow tables named after it): migrations keep
# them, the models do not describe them.
SEARCH_TABLE = "message_search"

_fts = table(SEARCH_TABLE, column("rowid"), column("terms"))
_vectors = table(SEARCH_TABLE, column("message_id"), column("vector", TSVECTOR))
_WORD = re.compile(r"[^\W_]+")


def is_index_table(name: str | None) -> bool:
    """Whether `name` is the search index or one of its shadow tables (for alembic)."""
    return bool(name) and (name == SEARCH_TABLE or name.startswith(SEARCH_TABLE + "_"))


def include_in_migrations(name: str | None, type_: str, _parent_names: dict) -> bool:
    """alembic's `include_name`: autogenerate leaves the search index alone."""
    return not (type_ == "table" and is_index_table(name))


class Segment(TypedDict):
    text: str
    hit: bool


class SearchResult(TypedDict):
    message: MessagePayload
    snippet: list[Segment]


def _matching(query_words: list[str], stems: list[str]):
    """`(FROM clause, score, WHERE, newest first)` of the dialect's full-text match; higher
    scores first. The order is the index's own key, so the index streams the newest matches."""
    if db.engine.dialect.name == "sqlite":
        # Each stem as an FTS5 string: operators, quotes and `*` in the query are text.
        match = " ".join('"' + item.replace('"', '""') + '"' for item in stems)
        score = -func.bm25(literal_column(SEARCH_TABLE))
        where = literal_column(SEARCH_TABLE).op("MATCH")(bindparam("match", match))
        return _fts.join(Message, Message.id == _fts.c.rowid), score, where, _fts.c.rowid.desc()
    query = func.plainto_tsquery(text("'russian'::regconfig"), bindparam("words", " ".join(query_words)))
    score = cast(func.ts_rank(_vectors.c.vector, query), Float(precision=53))
    where = _vectors.c.vector.op("@@")(query)
    return _vectors.join(Message, Message.id == _vectors.c.message_id), score, where, Message.id.desc()


def search_messages(
    user_id: int,
    q: str,
    *,
    chat_id: int | None = None,
    sender_id: int | None = None,
    before: datetime | None = None,
    after: datetime | None = None,
    limit: int = 20,
    cursor: str | None = None,
) -> dict[str, Any]:
    """A page of `{message, snippet}` matching every word of `q`, in the caller's chats: the
    newest `CANDIDATES` matches, best first."""
    if chat_id is not None:
        require_member(chat_id, user_id)
    key = decode_cursor(cursor, (float, int))
    query_words = words(q)[:MAX_QUERY_WORDS]
    stems = query_stems(q)
    if not stems:
        return {"items": [], "next_cursor": None}
    source, score, where, newest = _matching(query_words, stems)
    conditions = [where, Message.deleted_at.is_(None)]
    if chat_id is not None:
        conditions.append(Message.chat_id == chat_id)
    if sender_id is not None:
        conditions.append(Message.sender_id == sender_id)
    if before is not None:
        conditions.append(Message.created_at < before)
    if after is not None:
        conditions.append(Message.created_at >= after)
    member = and_(ChatMember.chat_id == Message.chat_id, ChatMember.user_id == user_id)
    found = (
        select_messages()
        .add_columns(score.label("score"))
        .select_from(source)
        .join(ChatMember, member)
        .where(*conditions)
        .order_by(newest)
        .limit(CANDIDATES)
        .subquery()
    )
    page = select(found).order_by(found.c.score.desc(), found.c.id.desc()).limit(limit + 1)
    if key is not None:
        last_score, last_id = key
        page = page.where(or_(found.c.score < last_score, and_(found.c.score == last_score, found.c.id < last_id)))
    rows = db.session.connection().execute(page).all()
    more = len(rows) > limit
    rows = rows[:limit]
    wanted = set(stems)
    items: list[SearchResult] = [
        {"message": message_from_row(row), "snippet": snippet(row.body or "", wanted)} for row in rows
    ]
    next_cursor = encode_cursor([rows[-1].score, rows[-1].id]) if more else None
    return {"items": items, "next_cursor": next_cursor}


def snippet(body: str, wanted: set[str], width: int = SNIPPET_CHARS) -> list[Segment]:
    """Up to `width` characters of `body` around its first matching word, as text segments with
    the matching words marked `hit` — plain text for the client to put in text nodes, never HTML."""
    hits = [m.span() for m in _WORD.finditer(body) if stem(words(m.group())[0]) in wanted]
    start = 0
    if hits and hits[0][1] > width:
        start = max(0, hits[0][0] - width // 3)
    end = min(len(body), start + width)
    segments: list[Segment] = []
    if start > 0:
        segments.append({"text": "…", "hit": False})
    position = start
    for hit_start, hit_end in hits:
        if hit_start < start or hit_end > end:
            continue
        if hit_start > position:
            segments.append({"text": body[position:hit_start], "hit": False})
        segments.append({"text": body[hit_start:hit_end], "hit": True})
        position = hit_end
    if position < end:
        segments.append({"text": body[position:end], "hit": False})
    if end < len(body):
        segments.append({"text": "…", "hit": False})
    return segments


def rebuild_index() -> int:
    """Fill the index again from every message's body (`flask chat reindex-search`); the count."""
    connection = db.session.connection()
    if db.engine.dialect.name == "sqlite":
        connection.execute(text(f"DELETE FROM {SEARCH_TABLE}"))
        connection.execute(
            text(
                f"INSERT INTO {SEARCH_TABLE} (rowid, terms)"
                " SELECT id, campus_stems(body) FROM messages WHERE body IS NOT NULL"
            )
        )
    else:
        connection.execute(text(f"TRUNCATE {SEARCH_TABLE}"))
        connection.execute(
            text(
                f"INSERT INTO {SEARCH_TABLE} (message_id, vector)"
                " SELECT id, to_tsvector('russian', body) FROM messages WHERE body IS NOT NULL"
            )
        )
    count = connection.execute(text(f"SELECT count(*) FROM {SEARCH_TABLE}")).scalar_one()
    db.session.commit()
    return count
