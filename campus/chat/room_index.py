"""python-socketio's room bookkeeping without its scans (docs/design.md#storms-and-idle-sockets).

python-socketio 5 keeps `rooms[namespace][room] = {sid: eio_sid}` and nothing the other way:
a disconnect copies the namespace's whole room table and looks for the sid in every room (every
socket's own room, every user's, every chat's), and `get_rooms` does the same. With 10,000
sockets that is ~40,000 rooms per disconnect: 10,000 sockets closing at once kept the server
busy for minutes. Its pending connects and disconnects are lists, searched on every event.

`IndexedRooms` adds the other direction — the rooms of each sid — kept by the two functions
every join and leave goes through (`basic_enter_room`, `basic_leave_room`), so a disconnect
leaves just that socket's rooms; and keeps the pending sids in insertion-ordered dicts that
answer the list methods python-socketio calls on them.
"""

from __future__ import annotations


class _PendingSids(dict):
    """The sids of one namespace waiting to (dis)connect: a dict answering `append`, `remove`
    and `in` as python-socketio uses its list, in constant time."""

    def append(self, sid) -> None:
        self[sid] = None

    def remove(self, sid) -> None:
        del self[sid]


class _PendingByNamespace(dict):
    """`pending_connect` / `pending_disconnect`: python-socketio stores a new `[]` per
    namespace; it is kept as `_PendingSids`."""

    def __setitem__(self, namespace, sids) -> None:
        super().__setitem__(namespace, sids if isinstance(sids, _PendingSids) else _PendingSids.fromkeys(sids))


class IndexedRooms:
    """Mixin for a python-socketio client manager (before it in the bases): each sid's rooms
    indexed, so disconnecting and listing a socket's rooms cost what that socket is in."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pending_connect = _PendingByNamespace()
        self.pending_disconnect = _PendingByNamespace()
        # namespace → sid → its rooms (None: the namespace's own); a list: a socket is in a
        # handful of rooms, and a small list is a fifth of a small set's memory.
        self._rooms_of: dict[str, dict[str, list]] = {}

    def basic_enter_room(self, sid, namespace, room, eio_sid=None):
        super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)
        rooms = self._rooms_of.setdefault(namespace, {}).setdefault(sid, [])
        if room not in rooms:
            rooms.append(room)

    def basic_leave_room(self, sid, namespace, room):
        super().basic_leave_room(sid, namespace, room)
        by_sid = self._rooms_of.get(namespace)
        rooms = by_sid.get(sid) if by_sid else None
        if rooms is not None and room in rooms:
            rooms.remove(room)
            if not rooms:
                del by_sid[sid]

    def basic_disconnect(self, sid, namespace, **kwargs):
        if namespace not in self.rooms:
            return
        rooms = self._rooms_of.get(namespace, {}).get(sid, ())
        # The namespace's own room (None) last: the sid counts as connected until then.
        for room in sorted(rooms, key=lambda name: name is None):  # a copy: leaving edits the list
            self.basic_leave_room(sid, namespace, room)
        self.callbacks.pop(sid, None)
        for pending in (self.pending_connect, self.pending_disconnect):
            sids = pending.get(namespace)
            if sids is not None and sid in sids:
                sids.remove(sid)
                if not sids:
                    del pending[namespace]

    def get_rooms(self, sid, namespace):
        """The rooms a client is in (its own sid room included, as python-socketio answers)."""
        return [room for room in self._rooms_of.get(namespace, {}).get(sid, ()) if room is not None]
