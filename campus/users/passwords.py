"""Password hashing with argon2id, off the event loop."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app

from campus.core.concurrency import offload

# A real hash of a random password: verifying against it costs what a real check costs, so an
# unknown email takes as long as a wrong password (login never tells whether an email exists).
_DUMMY_PASSWORD = "campus-dummy-password-for-timing"


def _hasher() -> PasswordHasher:
    params = current_app.config.get("PASSWORD_HASH_PARAMS") or {}
    return current_app.extensions.setdefault(("campus_hasher", tuple(sorted(params.items()))),
                                             PasswordHasher(**params))


def hash_password(password: str) -> str:
    return offload(_hasher().hash, password)


def verify_password(password_hash: str | None, password: str) -> bool:
    hasher = _hasher()
    if password_hash is None:
        dummy = current_app.extensions.get("campus_dummy_hash")
        if dummy is None:
            dummy = current_app.extensions["campus_dummy_hash"] = hasher.hash(_DUMMY_PASSWORD)
        password_hash = dummy
        password = password + "\x01"  # never matches
    try:
        return offload(hasher.verify, password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)
