"""chat mute: a member mutes a chat's notifications (`chat_members.muted`)

Revision ID: 0090_chat_mute
Revises: 0061_message_search
Create Date: 2026-12-06 23:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0090_chat_mute"
down_revision = "0061_message_search"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("chat_members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("muted", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("chat_members", schema=None) as batch_op:
        batch_op.drop_column("muted")
