"""Demo data for development: one account per role (the directory adds majors and students)."""
from __future__ import annotations

from typing import Iterator

from flask import current_app

from campus.roles.services import ROLE_NAMES, seed_roles
from campus.users.services import find_by_email, register_user

DEMO_PASSWORD = "campus-demo"


def demo_email(role: str) -> str:
    return f"{role.replace('_', '-')}@campus.local"


def seed_demo() -> Iterator[str]:
    """Idempotent: existing demo accounts are left as they are."""
    if not current_app.config.get("DEMO_DATA"):
        raise RuntimeError("Demo data is for development only (CAMPUS_CONFIG=development).")
    seed_roles()
    yield "Roles and permissions are up to date."
    for role in ROLE_NAMES:
        email = demo_email(role)
        if find_by_email(email) is None:
            register_user(email=email, password=DEMO_PASSWORD, first_name=role.replace("_", " ").title(),
                          last_name="Demo", role_name=role, language="en")
        yield f"demo account {email} / {DEMO_PASSWORD} ({role})"
