"""Roles and permissions as people read them, translated: the one set every page shows."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from campus.roles.services import ADMIN, GUEST, MODERATOR, PERMISSIONS, STUDENT, SUPER_ADMIN, TEACHER, USER

ROLE_LABELS = {
    GUEST: _l("Guest"),
    USER: _l("User"),
    STUDENT: _l("Student"),
    TEACHER: _l("Teacher"),
    MODERATOR: _l("Moderator"),
    ADMIN: _l("Administrator"),
    SUPER_ADMIN: _l("Super administrator"),
}


def role_label(name: str | None) -> str:
    """A role's name in the page's language ("" for none, the name itself for an unknown role)."""
    if name is None:
        return ""
    return str(ROLE_LABELS.get(name, name))


def permission_label(name: str) -> str:
    """What a permission lets a role do (`PERMISSIONS`), in the page's language."""
    description = PERMISSIONS.get(name)
    return gettext(description) if description else name
