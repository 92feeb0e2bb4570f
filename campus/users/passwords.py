"""Password hashing with argon2id, off the event loop, at the cost the config sets."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import HashingError, InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app

from campus.core.concurrency import offload

# A real hash of a random password: verifying against it costs what a real check costs, so an
# unknown email takes as long as a wrong password (login never tells whether an email exists).
_DUMMY_PASSWORD = "campus-dummy-password-for-timing"


def hasher_for(config: Mapping) -> PasswordHasher:
    """The argon2id hasher of `PASSWORD_HASH_TIME_COST` / `_MEMORY_COST` (KiB) / `_PARALLELISM`.

    Raises `RuntimeError` for parameters argon2 refuses, so a bad setting stops the start-up
    instead of failing the first login.
    """
    params = {
        "time_cost": config["PASSWORD_HASH_TIME_COST"],
        "memory_cost": config["PASSWORD_HASH_MEMORY_COST"],
        "parallelism": config["PASSWORD_HASH_PARALLELISM"],
    }
    hasher = PasswordHasher(**params)
    try:
        hasher.hash("check the parameters")
    except HashingError as error:  # says which parameter is wrong
        raise RuntimeError(f"PASSWORD_HASH_* settings {params} are refused by argon2: {error}") from None
    return hasher


def init_app(app) -> None:
    """Build the hasher once at start-up (and check its settings)."""
    app.extensions["campus_hasher"] = hasher_for(app.config)


def _hasher() -> PasswordHasher:
    return current_app.extensions["campus_hasher"]


def hash_password(password: str) -> str:
    """An argon2id hash of `password`, computed off the event loop."""
    return offload(_hasher().hash, password)


def _dummy_hash() -> str:
    dummy = current_app.extensions.get("campus_dummy_hash")
    if dummy is None:
        dummy = current_app.extensions["campus_dummy_hash"] = hash_password(_DUMMY_PASSWORD)
    return dummy


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; a missing hash costs as much as a real check (no timing oracle)."""
    if password_hash is None:
        password_hash = _dummy_hash()
        password = password + "\x01"  # never matches
    try:
        return offload(_hasher().verify, password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with other parameters than the configured ones."""
    return _hasher().check_needs_rehash(password_hash)


@cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def is_common(password: str) -> bool:
    """Whether `password` (any case) is among the 30,000 most common passwords, the list zxcvbn
    ships: the first ones an attacker tries, whatever the limits on guessing."""
    return password.lower() in _common_passwords()
