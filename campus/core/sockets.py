"""Socket.IO plumbing shared by namespaces: connect authentication, acks, room names."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_socketio import ConnectionRefusedError

from campus.core import metrics
from campus.core.errors import AuthError, CampusError, Forbidden
from campus.core.security import Caller, check_csrf, check_token

log = logging.getLogger(__name__)


USER_ROOM_PREFIX = "user:"


def user_room(user_id: int) -> str:
    return f"{USER_ROOM_PREFIX}{user_id}"


def chat_room(chat_id: int) -> str:
    return f"chat:{chat_id}"


def own_origins(environ: dict) -> set[str]:
    """The server's own origin as the client sees it.

    X-Forwarded-Proto/-Host are not read here: any client can send them. Behind a proxy,
    `python wsgi.py --proxies N` (werkzeug's ProxyFix, outside this app) has already put the
    public scheme and host into the environ.
    """
    host = environ.get("HTTP_HOST")
    return {f"{environ.get('wsgi.url_scheme', 'http')}://{host}"} if host else set()


def origin_check(allowed: list[str]) -> Callable[[str | None, dict], bool]:
    """The Socket.IO handshake's Origin check: the server's own origin or one of `allowed`.

    Given a list, engine.io would accept only the listed origins and refuse the server's own
    pages, so the check is a callable. Never "*": the handshake is a GET, CSRF never runs on it,
    so a foreign page could ride the user's cookie.
    """
    if "*" in allowed:
        raise RuntimeError('SOCKETIO_ALLOWED_ORIGINS must list origins; "*" is refused.')
    allowed_set = {origin.rstrip("/") for origin in allowed}

    def is_allowed(origin: str | None, environ: dict) -> bool:
        if not origin:
            return True  # no Origin (mobile apps, scripts): judged by the token alone
        return origin in allowed_set or origin in own_origins(environ)

    return is_allowed


class SocketEventSession(SecureCookieSession):
    """The `flask.session` of a Socket.IO event: empty, never saved, and refusing writes."""

    def _refuse(self, *args, **kwargs):
        raise RuntimeError("Socket.IO events have no Flask session: sockets authenticate with the JWT.")

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _refuse


class PageSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session for pages; an empty `SocketEventSession` for Socket.IO events.

    Flask-SocketIO runs every event in a request context built from the handshake's environ and
    takes `flask.session` there even with `manage_session=False`: with the page's session cookie
    (every page has one, for its forms' CSRF token) that is an HMAC check and a decode per event.
    No socket handler reads the session (sockets authenticate with a JWT), so it is not opened
    for requests under the Socket.IO path — only those event contexts get there: engine.io
    answers its own HTTP requests before Flask sees them. (Flask-SocketIO's test client builds
    its environ on `/socket.io`, without the slash, a page's path: its events still open it.)
    """

    def __init__(self, socketio_path: str):
        self.socketio_path = socketio_path

    def open_session(self, app, request):
        if request.environ.get("PATH_INFO", "").startswith(self.socketio_path):
            return SocketEventSession()
        return super().open_session(app, request)


def authenticate_socket(auth: Any) -> tuple[Caller, dict[str, Any]]:
    """docs/design.md#tokens-and-sessions: `auth.token`, or the JWT cookie plus its CSRF value in `auth.csrf`.

    Raises `ConnectionRefusedError("unauthorized", {"code": ...})` on refusal.
    """
    auth = auth if isinstance(auth, dict) else {}
    token = auth.get("token")
    try:
        if token is not None:
            if not isinstance(token, str) or not token:
                raise AuthError(code="token_invalid")
            return check_token(token, "access")
        cookie = request.cookies.get(current_app.config["JWT_ACCESS_COOKIE_NAME"])
        if not cookie:
            raise AuthError(code="token_missing")
        user, claims = check_token(cookie, "access")
        csrf = auth.get("csrf")
        check_csrf(claims, csrf if isinstance(csrf, str) else None)
        return user, claims
    except CampusError as error:
        raise ConnectionRefusedError("unauthorized", {"code": error.code}) from None


def error_ack(error: CampusError) -> dict[str, Any]:
    return {"ok": False, "error": {"code": error.code, "message": error.message}}


def _rollback() -> None:
    current_app.extensions["sqlalchemy"].session.rollback()


class InFlight:
    """Events being handled in this worker: a draining worker waits for them (`campus.ops.shutdown`)."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def add(self, delta: int) -> None:
        with self._lock:
            self.count += delta


in_flight = InFlight()

ACK_CODES = {"validation_error", "not_found", "forbidden", "rate_limited", "too_large", "internal_error"}


def acked(handler: Callable) -> Callable:
    """Wrap an event handler: domain errors become error acks, surprises an `internal_error` ack.

    Codes outside §4's ack set (e.g. `conflict`) are reported as the nearest one in it. Each
    event is counted by its outcome and its ack timed (`campus.core.metrics`).
    """
    event = handler.__name__.removeprefix("on_")

    @wraps(handler)
    def wrapper(self, *args):
        start = time.perf_counter()
        in_flight.add(1)
        try:
            ack = _handle(handler, self, *args)
        finally:
            in_flight.add(-1)
        outcome = (
            ack.get("error", {}).get("code", "error") if isinstance(ack, dict) and ack.get("ok") is False else "ok"
        )
        metrics.record_event(self.namespace, event, outcome, time.perf_counter() - start)
        return ack

    return wrapper


def _handle(handler: Callable, namespace, *args):
    try:
        return handler(namespace, *args)
    except CampusError as error:
        _rollback()
        if error.code not in ACK_CODES:
            error = (
                Forbidden(error.message)
                if error.status in (401, 403)
                else CampusError(error.message, code="validation_error")
            )
        return error_ack(error)
    except Exception:
        _rollback()
        log.exception("socket event %s failed", handler.__name__)
        return error_ack(CampusError("Something went wrong on our side.", code="internal_error"))
