"""seed roles and permissions: `flask db upgrade` alone makes a working database

Revision ID: 0030_seed_roles
Revises: 0012_account_hardening
Create Date: 2026-12-06 21:55:00

The role table as it stood at this revision (docs/design.md#roles-and-permissions), frozen here:
a later change to the table is a later migration, so that every database walks the same steps.
Rows that `flask seed roles` made before are kept and completed, never duplicated.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0030_seed_roles"
down_revision = "0012_account_hardening"
branch_labels = None
depends_on = None

PERMISSIONS = {
    "profile.edit": "See and edit one's own profile",
    "chat.use": "Private chats and the group chats one belongs to",
    "directory.read_public": "See the directory's public fields",
    "users.search": "Search users to start a chat",
    "students.own_record": "See one's own student record and correct its contact fields",
    "directory.read_full": "See full student records",
    "chat.join_campus": "Join any major or cohort chat",
    "chat.post_announcements": "Post in major (announcement) chats",
    "chat.moderate": "Delete others' messages and remove members in user-created groups",
    "directory.write": "Create, edit and delete students and majors",
    "users.manage": "Activate, deactivate and change roles up to moderator",
    "audit.read": "Read the audit log",
    "users.manage_admins": "Grant and remove admin and super_admin",
}

# Each role adds to the one above it, except guest.
ROLE_GRANTS = [
    ("guest", {"profile.edit"}),
    ("user", {"profile.edit", "chat.use", "directory.read_public", "users.search"}),
    ("student", {"students.own_record"}),
    ("teacher", {"directory.read_full", "chat.join_campus", "chat.post_announcements"}),
    ("moderator", {"chat.moderate"}),
    ("admin", {"directory.write", "users.manage", "audit.read"}),
    ("super_admin", {"users.manage_admins"}),
]

permissions = sa.table(
    "permissions", sa.column("id", sa.Integer), sa.column("name", sa.String), sa.column("description", sa.String)
)
roles = sa.table("roles", sa.column("id", sa.Integer), sa.column("name", sa.String), sa.column("rank", sa.Integer))
role_permissions = sa.table(
    "role_permissions", sa.column("role_id", sa.Integer), sa.column("permission_id", sa.Integer)
)


def role_sets():
    accumulated = set()
    for name, grants in ROLE_GRANTS:
        if name != "guest":
            accumulated |= grants
        yield name, set(grants) if name == "guest" else set(accumulated)


def upgrade():
    conn = op.get_bind()
    have = dict(conn.execute(sa.select(permissions.c.name, permissions.c.id)).all())
    for name, description in PERMISSIONS.items():
        if name not in have:
            conn.execute(permissions.insert().values(name=name, description=description))
    permission_ids = dict(conn.execute(sa.select(permissions.c.name, permissions.c.id)).all())
    role_ids = dict(conn.execute(sa.select(roles.c.name, roles.c.id)).all())
    for rank, (name, granted) in enumerate(role_sets()):
        if name not in role_ids:
            conn.execute(roles.insert().values(name=name, rank=rank))
            role_ids[name] = conn.execute(sa.select(roles.c.id).where(roles.c.name == name)).scalar_one()
        held = set(
            conn.execute(
                sa.select(role_permissions.c.permission_id).where(role_permissions.c.role_id == role_ids[name])
            ).scalars()
        )
        for permission in sorted(granted):
            if permission_ids[permission] not in held:
                conn.execute(
                    role_permissions.insert().values(role_id=role_ids[name], permission_id=permission_ids[permission])
                )


def downgrade():
    # The rows stay: accounts point at their roles, and `flask seed roles` would make them again.
    pass
