"""uploads: chat attachments, one message per upload

Revision ID: 0040_uploads
Revises: 0006_directory_search_index
Create Date: 2026-12-06 19:29:13.953729

"""

import sqlalchemy as sa
from alembic import op

import campus.core.models

# revision identifiers, used by Alembic.
revision = "0040_uploads"
down_revision = "0006_directory_search_index"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "uploads",
        sa.Column("id", BigId, nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("mime", sa.String(length=127), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("thumb_key", sa.String(length=64), nullable=True),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("note", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", campus.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attached_at", campus.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('image', 'audio', 'video', 'file')", name=op.f("ck_uploads_kind")),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_uploads_owner_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uploads")),
    )
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.create_index("ix_uploads_attached_at_created_at", ["attached_at", "created_at"], unique=False)
        batch_op.create_index("ix_uploads_owner_id", ["owner_id"], unique=False)

    # The column waited for this table: now a foreign key, and one message per upload.
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.alter_column("attachment_id", existing_type=sa.BIGINT(), type_=BigId, existing_nullable=True)
        batch_op.create_unique_constraint(batch_op.f("uq_messages_attachment_id"), ["attachment_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_messages_attachment_id_uploads"),
            "uploads",
            ["attachment_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_messages_attachment_id_uploads"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_messages_attachment_id"), type_="unique")
        batch_op.alter_column("attachment_id", existing_type=BigId, type_=sa.BIGINT(), existing_nullable=True)

    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.drop_index("ix_uploads_owner_id")
        batch_op.drop_index("ix_uploads_attached_at_created_at")

    op.drop_table("uploads")
