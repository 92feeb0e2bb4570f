"""Admin pages: users, roles, the audit log (imports every domain; nothing imports it)."""
