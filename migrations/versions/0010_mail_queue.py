"""mail queue: mails sent by the process, outside requests, retried

Revision ID: 0010_mail_queue
Revises: 0040_uploads
Create Date: 2026-12-06 22:00:00

"""

import sqlalchemy as sa
from alembic import op

import campus.core.models

# revision identifiers, used by Alembic.
revision = "0010_mail_queue"
down_revision = "0040_uploads"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "mail_queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", campus.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", campus.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_queue")),
    )
    with op.batch_alter_table("mail_queue", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mail_queue_next_attempt_at"), ["next_attempt_at"], unique=False)


def downgrade():
    with op.batch_alter_table("mail_queue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_queue_next_attempt_at"))
    op.drop_table("mail_queue")
