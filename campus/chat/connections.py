"""This worker's `/chat` sockets: whose each one is, and the credentials it was opened with.

The namespace (`campus.chat.events`) records a socket when it connects and forgets it when it
disconnects. `campus.chat.rooms`, ending sessions on this worker, reads which sockets were opened
with the revoked tokens and counts the end, so that a connect in progress checks its credentials
again. Kept per process like the sockets themselves: rooms applies moves in the message queue's
listener, where there is no app.

It also keeps each connected user's `Actor` (their permissions), read by the connect's token
check (or on a first event) instead of on every event. Whatever changes what a user may do moves their sockets — a role
change, a deactivation, a logout, a membership change (`campus.chat.rooms`) — and every such move,
on every worker, forgets the user's actor here, so the next event reads it again. A move lost
on the way (the message queue down for a moment) is bounded too: an actor is read again at the
latest `ACTOR_KEPT_SECONDS` after it was read.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from campus.chat.access import Actor

ACTOR_KEPT_SECONDS = 30.0


class Connections:
    """The sockets connected to this worker: user and revocation keys by socket id."""

    def __init__(self) -> None:
        self._user_of_sid: dict[str, int] = {}
        # The revocation keys whose revocation ends each socket (see `campus.chat.rooms.end_sessions`).
        self._tokens_of_sid: dict[str, frozenset[str]] = {}
        self._per_user: Counter[int] = Counter()
        self._actors: dict[int, tuple[Actor, float]] = {}  # user → (actor, when it was read)
        # Bumped by every `forget_actor`: an actor read before a forget is not kept after it.
        self.actor_epoch = 0
        self._lock = threading.Lock()
        # Bumped whenever sessions end on this worker: a connect that overlapped one checks its
        # credentials again before it completes.
        self.sessions_ended = 0

    def opened(self, sid: str, user_id: int, tokens: frozenset[str]) -> None:
        """Record a connected socket of `user_id`, ended by the revocation of any of `tokens`."""
        with self._lock:
            if sid not in self._user_of_sid:
                self._per_user[user_id] += 1
            self._user_of_sid[sid] = user_id
            self._tokens_of_sid[sid] = tokens

    def closed(self, sid: str) -> int | None:
        """Forget a socket; the user it was connected for (None if unknown here)."""
        with self._lock:
            self._tokens_of_sid.pop(sid, None)
            user_id = self._user_of_sid.pop(sid, None)
            if user_id is not None:
                self._per_user[user_id] -= 1
                if self._per_user[user_id] <= 0:
                    del self._per_user[user_id]
                    self._actors.pop(user_id, None)
            return user_id

    def count_of(self, user_id: int) -> int:
        """How many sockets of `user_id` are connected here."""
        with self._lock:
            return self._per_user.get(user_id, 0)

    def user_of(self, sid: str) -> int | None:
        """The user of a connected socket (None if unknown here)."""
        return self._user_of_sid.get(sid)

    def opened_with(self, sid: str) -> frozenset[str]:
        """The token ids whose revocation ends the socket `sid` (empty if unknown here)."""
        return self._tokens_of_sid.get(sid, frozenset())

    def actor_of(self, user_id: int) -> Actor | None:
        """The user's permissions as last read, None if they must be read again."""
        kept = self._actors.get(user_id)
        if kept is None or time.monotonic() - kept[1] > ACTOR_KEPT_SECONDS:
            return None
        return kept[0]

    def keep_actor(self, actor: Actor, epoch: int) -> None:
        """Keep `actor`, read when `actor_epoch` was `epoch`, unless an actor was forgotten since
        (the read may predate the change that made it stale) or the user has no socket here."""
        with self._lock:
            if epoch == self.actor_epoch and actor.id in self._per_user:
                self._actors[actor.id] = (actor, time.monotonic())

    def forget_actor(self, user_id: int) -> None:
        """What the user may do has changed: their next event reads it again."""
        with self._lock:
            self.actor_epoch += 1
            self._actors.pop(user_id, None)

    def ending_sessions(self) -> None:
        """Sessions end on this worker now: connects in progress check their credentials again."""
        self.sessions_ended += 1


connections = Connections()
