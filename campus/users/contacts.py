"""Who shares a conversation with whom, as the higher layers (the chat) say: what a user may see
of another beyond their name (when they were last seen).

The chat registers its answer with `register` from the factory; with none registered, nobody is
anybody's contact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

ContactFinder = Callable[[int, list[int]], set[int]]

_finders: dict[str, ContactFinder] = {}


def register(name: str, finder: ContactFinder) -> None:
    """`finder(viewer_id, user_ids)` → the ids among `user_ids` who share something with the viewer."""
    _finders[name] = finder


def contacts_among(viewer_id: int, user_ids: Iterable[int]) -> set[int]:
    ids = list(user_ids)
    found: set[int] = set()
    for finder in _finders.values():
        if ids:
            found |= finder(viewer_id, ids)
    return found
