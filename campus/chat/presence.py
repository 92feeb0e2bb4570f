"""Who is online: connected sockets counted per user.

One worker (the SQLite default): the count lives in the worker's memory and is exact.

Several workers (Redis as the message queue): each worker still counts its own sockets, and
mirrors the set of users it holds to a Redis hash of its own, `<prefix>:host:<id>`, with a
heartbeat (`<prefix>:hosts`, a sorted set of worker ids by last beat). A user is online when this
worker or any worker that beat within `TTL` holds a socket of theirs, so a tab closed on one
worker does not announce "offline" while another tab is open on another, and the users of a
crashed worker go offline once its heartbeat is `TTL` old. Redis trouble degrades to the local
count (logged), never to a refused connection. Delivery never depends on presence (rooms and
`sync` do).

When a user's last socket closes, the time is kept as `users.last_seen_at` (`went_offline`), what
the `presence` event and `<chat>`'s members show as `last_seen`.

Announcements are for real changes only: going offline is announced `PRESENCE_OFFLINE_GRACE`
seconds after the last socket closed, if none came back meanwhile — a reconnect (a page reload, a
token's expiry, a network blip) announces nothing, neither "offline" nor "online" again.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import select, update

from campus.chat.access import member_chat_ids
from campus.core.models import utcnow
from campus.core.schemas import dump_time
from campus.extensions import db, socketio
from campus.users.models import User

log = logging.getLogger(__name__)


class PresenceCounter:
    """Sockets per user in this process; thread-safe (the threading server runs events in threads)."""

    def __init__(self) -> None:
        self._counts: Counter[int] = Counter()
        self._lock = threading.Lock()

    def connected(self, user_id: int) -> bool:
        """Count a new socket; True when the user came online (their first socket)."""
        with self._lock:
            self._counts[user_id] += 1
            return self._counts[user_id] == 1

    def disconnected(self, user_id: int) -> bool:
        """Count a closed socket; True when the user went offline (their last socket)."""
        with self._lock:
            if self._counts[user_id] <= 1:
                self._counts.pop(user_id, None)
                return True
            self._counts[user_id] -= 1
            return False

    def is_online(self, user_id: int) -> bool:
        """Whether the user has a socket here."""
        return self._counts.get(user_id, 0) > 0

    def online_among(self, user_ids: Iterable[int]) -> set[int]:
        """Those of `user_ids` who have a socket here."""
        return {user_id for user_id in user_ids if self._counts.get(user_id, 0) > 0}


class SharedPresence(PresenceCounter):
    """The local count plus the other live workers' users, through Redis (see the module doc)."""

    TTL = 90.0  # seconds after its last beat that a worker's users still count as online
    BEAT = 30.0  # seconds between beats

    def __init__(self, redis_url: str, prefix: str) -> None:
        super().__init__()
        import redis

        self.redis = redis.Redis.from_url(redis_url)
        self.host = uuid.uuid4().hex
        self.prefix = prefix
        self.hosts_key = f"{prefix}:hosts"
        self._beating = False

    def _host_key(self, host: str) -> str:
        return f"{self.prefix}:host:{host}"

    def beat(self) -> None:
        """Say this worker is alive; forget workers silent for long."""
        now = time.time()
        pipe = self.redis.pipeline()
        pipe.zadd(self.hosts_key, {self.host: now})
        pipe.zremrangebyscore(self.hosts_key, "-inf", now - 10 * self.TTL)
        pipe.expire(self._host_key(self.host), int(self.TTL * 2))
        pipe.execute()

    def _start_beating(self) -> None:
        if self._beating:
            return
        self._beating = True

        def beat_forever() -> None:
            while True:
                try:
                    self.beat()
                except Exception:
                    log.exception("presence heartbeat failed")
                socketio.sleep(self.BEAT)

        socketio.start_background_task(beat_forever)

    def _elsewhere(self, user_ids: list[int]) -> set[int]:
        """Which of `user_ids` have a socket on another live worker."""
        if not user_ids:
            return set()
        hosts = [h.decode() for h in self.redis.zrangebyscore(self.hosts_key, time.time() - self.TTL, "+inf")]
        hosts = [h for h in hosts if h != self.host]
        if not hosts:
            return set()
        pipe = self.redis.pipeline()
        for host in hosts:
            pipe.hmget(self._host_key(host), user_ids)
        found: set[int] = set()
        for values in pipe.execute():
            found.update(user_id for user_id, value in zip(user_ids, values, strict=True) if value is not None)
        return found

    def connected(self, user_id: int) -> bool:
        """Count a new socket; True when the user came online on every worker."""
        first_here = super().connected(user_id)
        try:
            self._start_beating()
            if first_here:
                self.redis.hset(self._host_key(self.host), str(user_id), 1)
                self.beat()
                return not self._elsewhere([user_id])
        except Exception:
            log.exception("presence: Redis unavailable, counting this worker only")
        return first_here

    def disconnected(self, user_id: int) -> bool:
        """Count a closed socket; True when the user went offline on every worker."""
        last_here = super().disconnected(user_id)
        if not last_here:
            return False
        try:
            self.redis.hdel(self._host_key(self.host), str(user_id))
            return not self._elsewhere([user_id])
        except Exception:
            log.exception("presence: Redis unavailable, counting this worker only")
            return True

    def is_online(self, user_id: int) -> bool:
        """Whether the user has a socket on any live worker."""
        return bool(self.online_among([user_id]))

    def online_among(self, user_ids: Iterable[int]) -> set[int]:
        """Those of `user_ids` who have a socket on any live worker."""
        user_ids = list(user_ids)
        here = super().online_among(user_ids)
        try:
            return here | self._elsewhere([u for u in user_ids if u not in here])
        except Exception:
            log.exception("presence: Redis unavailable, counting this worker only")
            return here


def presence() -> PresenceCounter:
    """This app's counter (tests build many apps; each starts with nobody online)."""
    app = current_app
    counter = app.extensions.get("campus_chat_presence")
    if counter is None:
        queue = app.config.get("SOCKETIO_MESSAGE_QUEUE") or ""
        if queue.startswith(("redis://", "rediss://")):
            counter = SharedPresence(queue, f"campus:presence:{app.config.get('SOCKETIO_CHANNEL', 'flask-socketio')}")
        else:
            counter = PresenceCounter()
        counter = app.extensions.setdefault("campus_chat_presence", counter)
    return counter


class OfflineGrace:
    """Users whose last socket closed and whose going offline is not announced yet."""

    def __init__(self) -> None:
        self._pending: dict[int, object] = {}
        self._lock = threading.Lock()

    def start(self, user_id: int) -> object:
        with self._lock:
            self._pending[user_id] = ticket = object()
            return ticket

    def take(self, user_id: int, ticket: object | None = None) -> bool:
        """End the user's grace (only `ticket`'s, when given); True if it was running."""
        with self._lock:
            if user_id not in self._pending or (ticket is not None and self._pending[user_id] is not ticket):
                return False
            del self._pending[user_id]
            return True


def _grace() -> OfflineGrace:
    app = current_app
    return app.extensions.get("campus_chat_offline") or app.extensions.setdefault("campus_chat_offline", OfflineGrace())


def came_online(user_id: int) -> bool:
    """A user's first socket here: True when that is news to announce (they were announced
    offline, or never online), False when it ends their grace after a disconnect."""
    return not _grace().take(user_id)


def went_away(user_id: int, announce) -> None:
    """A user's last socket closed: `announce(chat_ids, last_seen)` once the grace is over, if
    they did not come back (at once without a grace)."""
    grace = current_app.config["PRESENCE_OFFLINE_GRACE"]
    if grace <= 0:
        announce(*went_offline(user_id))
        return
    ticket = _grace().start(user_id)
    app = current_app._get_current_object()

    def after_grace() -> None:
        socketio.sleep(grace)
        with app.app_context():
            if _grace().take(user_id, ticket) and not presence().is_online(user_id):
                announce(*went_offline(user_id))

    socketio.start_background_task(after_grace)


def went_offline(user_id: int) -> tuple[list[int], str]:
    """Record when the user was last seen; `(their chat ids, last_seen)` for the announcement."""
    now = utcnow()
    db.session.execute(
        update(User).where(User.id == user_id).values(last_seen_at=now).execution_options(synchronize_session=False)
    )
    db.session.commit()
    return member_chat_ids(user_id), dump_time(now)


def last_seen(user_id: int) -> str | None:
    """When the user's last socket closed (None: never), as the `presence` event gives it."""
    return dump_time(db.session.scalar(select(User.last_seen_at).where(User.id == user_id)))
