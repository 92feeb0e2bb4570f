"""Translated names of audit actions and targets, for the admin pages (roles and permissions:
`campus.roles.labels`)."""

from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l

from campus.roles.labels import role_label

# Actions other domains record fall back to their stable name until they get a label here.
ACTION_LABELS = {
    "user.role_changed": _l("Role changed"),
    "user.activated": _l("Account activated"),
    "user.deactivated": _l("Account deactivated"),
    "user.created_admin": _l("Administrator created"),
    "user.signed_in": _l("Signed in"),
    "user.sign_in_failed": _l("Failed sign-in"),
    "user.password_changed": _l("Password changed"),
    "user.password_reset": _l("Password reset by mail"),
    "user.logged_out_everywhere": _l("Signed out everywhere"),
    "user.email_verified": _l("Address verified"),
    "user.invited": _l("Invitation sent"),
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
    "chat.message_deleted": _l("Message deleted by a moderator"),
    "chat.message_pinned": _l("Message pinned"),
    "chat.message_unpinned": _l("Message unpinned"),
    "chat.member_muted": _l("Chat member muted"),
    "chat.member_unmuted": _l("Chat member unmuted"),
    "chat.member_removed": _l("Chat member removed"),
}

TARGET_LABELS = {
    "user": _l("Account"),
    "major": _l("Major"),
    "student": _l("Student record"),
    "message": _l("Chat message"),
}


def target_label(target_type: str) -> str:
    return str(TARGET_LABELS.get(target_type, target_type))


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
