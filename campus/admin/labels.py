"""Translated names of roles and audit actions, for the admin pages."""

from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "guest": _l("Guest"),
    "user": _l("User"),
    "student": _l("Student"),
    "teacher": _l("Teacher"),
    "moderator": _l("Moderator"),
    "admin": _l("Admin"),
    "super_admin": _l("Super admin"),
}

# Actions other domains record fall back to their stable name until they get a label here.
ACTION_LABELS = {
    "user.role_changed": _l("Role changed"),
    "user.activated": _l("Account activated"),
    "user.deactivated": _l("Account deactivated"),
    "user.created_admin": _l("Administrator created"),
    "major.created": _l("Major created"),
    "major.updated": _l("Major changed"),
    "major.deleted": _l("Major deleted"),
    "student.created": _l("Student created"),
    "student.updated": _l("Student changed"),
    "student.deleted": _l("Student deleted"),
    "student.contacts_updated": _l("Student corrected own contacts"),
    "student.photo_changed": _l("Student photo changed"),
    "student.photo_removed": _l("Student photo removed"),
    "students.imported": _l("Students imported"),
}

# What each permission lets a role do (campus.roles.services.PERMISSIONS), as admins read it.
PERMISSION_LABELS = {
    "profile.edit": _l("See and edit one's own profile"),
    "chat.use": _l("Private chats and the group chats one belongs to"),
    "directory.read_public": _l("See the directory's public fields"),
    "users.search": _l("Search users to start a chat"),
    "students.own_record": _l("See one's own student record and correct its contact fields"),
    "directory.read_full": _l("See full student records"),
    "chat.join_campus": _l("Join any major or cohort chat"),
    "chat.post_announcements": _l("Post in major (announcement) chats"),
    "chat.moderate": _l("Delete others' messages and remove members in user-created groups"),
    "directory.write": _l("Create, edit and delete students and majors"),
    "users.manage": _l("Activate, deactivate and change roles up to moderator"),
    "audit.read": _l("Read the audit log"),
    "users.manage_admins": _l("Grant and remove admin and super_admin"),
}

TARGET_LABELS = {
    "user": _l("Account"),
    "major": _l("Major"),
    "student": _l("Student record"),
}


def target_label(target_type: str) -> str:
    return str(TARGET_LABELS.get(target_type, target_type))


def permission_label(name: str) -> str:
    return str(PERMISSION_LABELS.get(name, name))


def role_label(name: str | None) -> str:
    if name is None:
        return ""
    return str(ROLE_LABELS.get(name, name))


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def value_label(action: str, value: str | None) -> str:
    """An audit entry's old or new value as people read it."""
    if value is None:
        return "—"
    if action == "user.role_changed" or action == "user.created_admin":
        return role_label(value)
    if action in ("user.activated", "user.deactivated") and value in ("true", "false"):
        return str(_l("active") if value == "true" else _l("inactive"))
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    if isinstance(decoded, dict):
        return ", ".join(f"{key}: {item}" for key, item in decoded.items())
    return value


# The nav link in base.html; listed here so that this domain's catalog carries its translation.
NAV_LABEL = _l("Administration")
