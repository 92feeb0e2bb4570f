"""account hardening: phones not unique (no oracle), users.tokens_valid_after

Revision ID: 0012_account_hardening
Revises: 0011_email_verification
Create Date: 2026-12-06 22:20:00

"""

import sqlalchemy as sa
from alembic import op

import campus.core.models

# revision identifiers, used by Alembic.
revision = "0012_account_hardening"
down_revision = "0011_email_verification"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("tokens_valid_after", campus.core.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.drop_constraint(batch_op.f("uq_users_phone"), type_="unique")


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_users_phone"), ["phone"])
        batch_op.drop_column("tokens_valid_after")
