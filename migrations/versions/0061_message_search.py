"""message search: a full-text index of message bodies, kept in step by triggers

SQLite: an FTS5 table of the bodies' stems (`campus_stems`, registered on every connection by
campus.core.database), rowid = the message's id. PostgreSQL: a table of `tsvector`s (the
`russian` configuration: Russian stems for Cyrillic words, English ones for Latin words) with a
GIN index. Triggers on `messages` write it inside the statement's own transaction
(docs/design.md#search-in-messages); `flask chat reindex-search` rebuilds it.

Revision ID: 0061_message_search
Revises: 0060_moderation
Create Date: 2026-12-06 22:00:00

"""

from alembic import op

# Keep in mind: on SQLite a migration that rebuilds `messages` (alembic's batch mode, e.g. to add
# a foreign key) drops these triggers with the old table; it must create them again.

# revision identifiers, used by Alembic.
revision = "0061_message_search"
down_revision = "0060_moderation"
branch_labels = None
depends_on = None

SQLITE = [
    "CREATE VIRTUAL TABLE message_search USING fts5(terms, tokenize = 'unicode61 remove_diacritics 0')",
    """CREATE TRIGGER messages_search_insert AFTER INSERT ON messages WHEN new.body IS NOT NULL BEGIN
        INSERT INTO message_search (rowid, terms) VALUES (new.id, campus_stems(new.body));
    END""",
    """CREATE TRIGGER messages_search_update AFTER UPDATE OF body ON messages BEGIN
        DELETE FROM message_search WHERE rowid = old.id;
        INSERT INTO message_search (rowid, terms) SELECT new.id, campus_stems(new.body) WHERE new.body IS NOT NULL;
    END""",
    """CREATE TRIGGER messages_search_delete AFTER DELETE ON messages BEGIN
        DELETE FROM message_search WHERE rowid = old.id;
    END""",
    """INSERT INTO message_search (rowid, terms)
        SELECT id, campus_stems(body) FROM messages WHERE body IS NOT NULL""",
]

POSTGRESQL = [
    """CREATE TABLE message_search (
        message_id bigint PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
        vector tsvector NOT NULL
    )""",
    "CREATE INDEX ix_message_search_vector ON message_search USING gin (vector)",
    """CREATE FUNCTION campus_message_search() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.body IS NULL THEN
            IF TG_OP = 'UPDATE' THEN
                DELETE FROM message_search WHERE message_id = NEW.id;
            END IF;
        ELSE
            INSERT INTO message_search (message_id, vector) VALUES (NEW.id, to_tsvector('russian', NEW.body))
            ON CONFLICT (message_id) DO UPDATE SET vector = EXCLUDED.vector;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER messages_search AFTER INSERT OR UPDATE OF body ON messages
        FOR EACH ROW EXECUTE FUNCTION campus_message_search()""",
    """INSERT INTO message_search (message_id, vector)
        SELECT id, to_tsvector('russian', body) FROM messages WHERE body IS NOT NULL""",
]


def upgrade():
    for statement in SQLITE if op.get_bind().dialect.name == "sqlite" else POSTGRESQL:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER messages_search_{trigger}")
    else:
        op.execute("DROP TRIGGER messages_search ON messages")
        op.execute("DROP FUNCTION campus_message_search()")
    op.execute("DROP TABLE message_search")
