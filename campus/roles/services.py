"""The role table (docs/design.md#roles-and-permissions) and its idempotent seeding."""

from __future__ import annotations

from sqlalchemy import select

from campus.core.errors import NotReady
from campus.core.i18n import N_
from campus.extensions import db
from campus.roles.models import Permission, Role

GUEST, USER, STUDENT, TEACHER, MODERATOR, ADMIN, SUPER_ADMIN = (
    "guest",
    "user",
    "student",
    "teacher",
    "moderator",
    "admin",
    "super_admin",
)

# What each permission lets a role do, in English: stored with the permission, shown translated
# (`campus.roles.labels.permission_label`).
PERMISSIONS: dict[str, str] = {
    "profile.edit": N_("See and edit one's own profile"),
    "chat.use": N_("Private chats and the group chats one belongs to"),
    "directory.read_public": N_("See the directory's public fields"),
    "users.search": N_("Search users to start a chat"),
    "students.own_record": N_("See one's own student record and correct its contact fields"),
    "directory.read_full": N_("See full student records"),
    "chat.join_campus": N_("Join any major or cohort chat"),
    "chat.post_announcements": N_("Post in major (announcement) chats"),
    "chat.moderate": N_("Delete others' messages and remove members in user-created groups"),
    "directory.write": N_("Create, edit and delete students and majors"),
    "users.manage": N_("Activate, deactivate and change roles up to moderator"),
    "audit.read": N_("Read the audit log"),
    "users.manage_admins": N_("Grant and remove admin and super_admin"),
}

# Each role adds to the one above it, except guest (docs/design.md#roles-and-permissions).
ROLE_GRANTS: list[tuple[str, set[str]]] = [
    (GUEST, {"profile.edit"}),
    (USER, {"profile.edit", "chat.use", "directory.read_public", "users.search"}),
    (STUDENT, {"students.own_record"}),
    (TEACHER, {"directory.read_full", "chat.join_campus", "chat.post_announcements"}),
    (MODERATOR, {"chat.moderate"}),
    (ADMIN, {"directory.write", "users.manage", "audit.read"}),
    (SUPER_ADMIN, {"users.manage_admins"}),
]

ROLE_NAMES = [name for name, _ in ROLE_GRANTS]


def role_permissions() -> dict[str, set[str]]:
    """Each role's full permission set, accumulated down the table."""
    result: dict[str, set[str]] = {}
    accumulated: set[str] = set()
    for name, grants in ROLE_GRANTS:
        if name != GUEST:
            accumulated |= grants
        result[name] = set(grants) if name == GUEST else set(accumulated)
    return result


def seed_roles() -> None:
    """Create or correct every permission and role; running it again changes nothing."""
    permissions = {p.name: p for p in db.session.scalars(select(Permission))}
    for name, description in PERMISSIONS.items():
        if name not in permissions:
            permissions[name] = Permission(name=name, description=description)
            db.session.add(permissions[name])
        else:
            permissions[name].description = description
    roles = {r.name: r for r in db.session.scalars(select(Role))}
    for rank, (name, granted) in enumerate(role_permissions().items()):
        role = roles.get(name) or Role(name=name, rank=rank)
        role.rank = rank
        role.permissions = [permissions[p] for p in sorted(granted)]
        db.session.add(role)
    db.session.commit()


def get_role(name: str) -> Role:
    """The seeded role with this name (a 503 `NotReady` when the roles are missing: the start-up
    check refuses such a database, so only a database changed under a running server sees it)."""
    role = db.session.scalar(select(Role).where(Role.name == name))
    if role is None:
        raise NotReady(f"Role {name!r} is missing: run `flask db upgrade` (or `flask seed roles`).")
    return role


def missing_reference_data() -> list[str]:
    """What the role table lacks in the database: one line per missing role or permission."""
    have_permissions = set(db.session.scalars(select(Permission.name)))
    have_roles = set(db.session.scalars(select(Role.name)))
    missing = [f"permission {name!r}" for name in PERMISSIONS if name not in have_permissions]
    return missing + [f"role {name!r}" for name in ROLE_NAMES if name not in have_roles]
