"""Roles and permissions (DESIGN.md §3), seeded idempotently and read from the database."""
