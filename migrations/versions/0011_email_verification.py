"""email verification: users.email_verified_at

Accounts that exist before this migration count as verified: they registered under the old rules
and may already chat or be linked to a student record.

Revision ID: 0011_email_verification
Revises: 0010_mail_queue
Create Date: 2026-12-06 22:05:00

"""

import sqlalchemy as sa
from alembic import op

import campus.core.models

# revision identifiers, used by Alembic.
revision = "0011_email_verification"
down_revision = "0010_mail_queue"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email_verified_at", campus.core.models.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute("UPDATE users SET email_verified_at = created_at")


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email_verified_at")
