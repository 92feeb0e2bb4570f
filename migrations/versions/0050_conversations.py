"""conversations: system lines, mentions and reactions on messages

Revision ID: 0050_conversations
Revises: 0030_seed_roles
Create Date: 2026-12-06 22:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0050_conversations"
down_revision = "0030_seed_roles"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("data", sa.JSON(none_as_null=True), nullable=True))
        batch.add_column(sa.Column("mentions", sa.JSON(none_as_null=True), nullable=True))
        batch.add_column(sa.Column("mentions_all", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("reactions", sa.JSON(none_as_null=True), nullable=True))


def downgrade():
    with op.batch_alter_table("messages") as batch:
        for name in ("reactions", "mentions_all", "mentions", "data", "kind"):
            batch.drop_column(name)
