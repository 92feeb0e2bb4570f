"""Roles and permissions (docs/design.md#roles-and-permissions), seeded idempotently and read from the database."""
