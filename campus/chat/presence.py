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

Announcements are for real changes only: going offline is announced `PRESENCE_OFFLINE_GRACE`
seconds after the last socket closed, if none came back meanwhile — a reconnect (a page reload, a
token's expiry, a network blip) announces nothing, neither "offline" nor "online" again. Then
the time the last socket closed (to the second) is kept as `users.last_seen_at`, what the
`presence` event and `<chat>`'s members show as `last_seen`.

Departures are coalesced (docs/design.md#storms-and-idle-sockets): one task per app, while
anyone is waiting, wakes every `PRESENCE_FLUSH_INTERVAL` seconds and announces everyone whose
grace is over in batches — one UPDATE of their `last_seen_at`, one query of their chats, their
`presence` emits — so 10,000 sockets closing at once cost a few statements, not 10,000 tasks,
commits and queries.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, select, update

from campus.chat import notify
from campus.chat.models import ChatMember
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
    """Users whose last socket closed and whose going offline is not announced yet: when each
    is due (monotonic seconds) and when they left, in the order they left."""

    def __init__(self) -> None:
        self._pending: dict[int, tuple[float, datetime]] = {}
        self._lock = threading.Lock()
        self._flushing = False
        self._announcing = threading.Event()  # set while a batch is being announced

    def start(self, user_id: int, due: float, departed: datetime) -> bool:
        """The user's last socket closed; True when no flusher runs (the caller starts one)."""
        with self._lock:
            self._pending.pop(user_id, None)  # a second departure goes to the end of the line
            self._pending[user_id] = (due, departed)
            start_flusher, self._flushing = not self._flushing, True
            return start_flusher

    def take(self, user_id: int) -> bool:
        """The user is back: end their grace; True if it was running."""
        with self._lock:
            return self._pending.pop(user_id, None) is not None

    def take_due(self, now: float, limit: int) -> list[tuple[int, datetime]]:
        """Up to `limit` users whose grace ended by `now` (they left first), taken out."""
        with self._lock:
            due = []
            for user_id, (when, departed) in self._pending.items():
                if when > now or len(due) == limit:
                    break
                due.append((user_id, departed))
            for user_id, _departed in due:
                del self._pending[user_id]
            return due

    def clear(self, wait: float = 5.0) -> None:
        """Forget everyone pending (an app torn down): the flusher ends at its next wake,
        announcing and writing nothing more; a batch it is announcing now is waited for, at
        most `wait` seconds."""
        with self._lock:
            self._pending.clear()
        deadline = time.monotonic() + wait
        while self._announcing.is_set() and time.monotonic() < deadline:
            time.sleep(0.01)

    @contextmanager
    def announcing(self) -> Iterator[None]:
        """Mark a batch being announced (`clear` waits for it)."""
        self._announcing.set()
        try:
            yield
        finally:
            self._announcing.clear()

    def stop_if_idle(self) -> bool:
        """The flusher may end: True (and it is marked ended) when nobody is pending."""
        with self._lock:
            if self._pending:
                return False
            self._flushing = False
            return True


def _grace() -> OfflineGrace:
    app = current_app
    return app.extensions.get("campus_chat_offline") or app.extensions.setdefault("campus_chat_offline", OfflineGrace())


def came_online(user_id: int) -> bool:
    """A user's first socket here: True when that is news to announce (they were announced
    offline, or never online), False when it ends their grace after a disconnect."""
    return not _grace().take(user_id)


def went_away(user_id: int) -> None:
    """A user's last socket closed: announced offline once the grace is over, if they did not
    come back (at once without a grace)."""
    grace = current_app.config["PRESENCE_OFFLINE_GRACE"]
    if grace <= 0:
        announce_offline([(user_id, utcnow())])
        return
    if _grace().start(user_id, time.monotonic() + grace, utcnow()):
        socketio.start_background_task(_flush_departures, current_app._get_current_object(), _grace())


def _flush_departures(app, departures: OfflineGrace) -> None:
    """The one task per app (while anyone is pending) that announces whoever's grace ended:
    every `PRESENCE_FLUSH_INTERVAL` seconds, all of them, `FLUSH_BATCH` at a time."""
    interval = app.config["PRESENCE_FLUSH_INTERVAL"]
    while True:
        socketio.sleep(interval)
        with app.app_context():
            while due := departures.take_due(time.monotonic(), FLUSH_BATCH):
                with departures.announcing():
                    try:
                        announce_offline(due)
                    except Exception:  # a failed batch must not stop the announcements after it
                        log.exception("presence: announcing %d departures failed", len(due))
                        db.session.rollback()
                    finally:
                        db.session.remove()
                socketio.sleep(0)  # other requests between batches
        if departures.stop_if_idle():
            return


# Users announced per batch: one UPDATE, one membership query and their emits, then the event
# loop serves others.
FLUSH_BATCH = 200


def announce_offline(departures: list[tuple[int, datetime]]) -> None:
    """Those of `departures` (user, when their last socket closed) with no socket anywhere now:
    record their `last_seen_at` and tell everyone who shares a chat."""
    counter = presence()
    back = counter.online_among([user_id for user_id, _departed in departures])
    gone = [(user_id, departed.replace(microsecond=0)) for user_id, departed in departures if user_id not in back]
    if not gone:
        return
    record_last_seen(gone)
    chat_ids = member_chat_ids_of([user_id for user_id, _seen in gone])
    for user_id, seen in gone:
        if not counter.is_online(user_id):  # came back while the batch was written
            notify.presence(chat_ids.get(user_id, []), user_id, False, dump_time(seen))


def record_last_seen(departures: list[tuple[int, datetime]]) -> None:
    """`users.last_seen_at` for each (user, time): one UPDATE per distinct time, one commit."""
    by_time: dict[datetime, list[int]] = defaultdict(list)
    for user_id, seen in departures:
        by_time[seen].append(user_id)
    connection = db.session.connection()
    for seen, user_ids in by_time.items():
        connection.execute(_RECORD_LAST_SEEN, {"seen": seen, "users": user_ids})
    db.session.commit()


_users = User.__table__
_RECORD_LAST_SEEN = (
    update(_users).where(_users.c.id.in_(bindparam("users", expanding=True))).values(last_seen_at=bindparam("seen"))
)
_MEMBER_CHATS = select(ChatMember.__table__.c.user_id, ChatMember.__table__.c.chat_id).where(
    ChatMember.__table__.c.user_id.in_(bindparam("users", expanding=True))
)


def member_chat_ids_of(user_ids: list[int]) -> dict[int, list[int]]:
    """The chat ids of each of `user_ids` (one query)."""
    found: dict[int, list[int]] = defaultdict(list)
    for user_id, chat_id in db.session.connection().execute(_MEMBER_CHATS, {"users": user_ids}):
        found[user_id].append(chat_id)
    return found


def last_seen(user) -> str | None:
    """When the user's last socket closed (None: never), as the `presence` event gives it: from
    the user as authentication read it, or from the database for a principal without it."""
    if isinstance(user, User):
        return dump_time(user.last_seen_at)
    return dump_time(db.session.scalar(select(User.last_seen_at).where(User.id == user.id)))
