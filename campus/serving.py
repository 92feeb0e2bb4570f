"""The production server behind `python wsgi.py` (eventlet by default, gevent as an option).

Part of the entry point: the only code in Campus that touches eventlet or gevent directly
(apart from `core.concurrency.offload`, which asks the running hub for a thread).
"""

from __future__ import annotations

import argparse
import logging
import resource
import signal
import socket
import threading
import time
from collections.abc import Callable

from flask import Flask

log = logging.getLogger("campus.serving")

# eventlet's defaults are 1,024 connections and a listen backlog of 50 (docs/design.md#known-traps).
MAX_CONNECTIONS = 20_000
LISTEN_BACKLOG = 4096


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python wsgi.py", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default: %(default)s)")
    parser.add_argument(
        "--max-connections",
        type=int,
        default=MAX_CONNECTIONS,
        help="open connections served at once (default: %(default)s)",
    )
    parser.add_argument("--backlog", type=int, default=LISTEN_BACKLOG, help="listen backlog (default: %(default)s)")
    parser.add_argument("--access-log", action="store_true", help="log every HTTP request")
    parser.add_argument(
        "--proxies",
        type=int,
        default=0,
        metavar="N",
        help="reverse proxies in front (nginx: 1) whose X-Forwarded-For and -Proto are "
        "trusted; 0 (the default): the connection's own address. X-Forwarded-Host is never "
        "trusted: the proxy passes Host",
    )
    return parser.parse_args(argv)


def without_websocket_compression(app):
    """WSGI middleware hiding the client's permessage-deflate offer.

    Browsers always offer it and eventlet accepts, compressing every frame: group fan-out ran
    seven times slower with it on these machines. Messages are small; compression buys nothing.
    """

    def middleware(environ, start_response):
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        connection = environ.get("eventlet.input")
        if connection is not None:
            # Belt and braces: accepted sockets inherit TCP_NODELAY on Linux, not everywhere.
            try:
                connection.get_socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except (AttributeError, OSError):
                pass
        return app(environ, start_response)

    return middleware


def raise_open_file_limit(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, wanted)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def listening_socket(host: str, port: int, backlog: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # socketio.run() never sets TCP_NODELAY: an ack followed by a broadcast waited ~40 ms.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    return sock


def cooperative_postgres(app: Flask, mode: str) -> None:
    """psycopg2's waits must yield to the hub, or one slow query stalls every connection.

    Only psycopg2 is made cooperative (psycogreen); psycopg 3's wait blocks eventlet's hub, so
    another PostgreSQL driver is refused rather than left to stall the server.
    """
    from sqlalchemy.engine import make_url

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        return
    if url.get_driver_name() != "psycopg2":
        raise SystemExit(
            f"Campus cannot start: DATABASE_URL must use psycopg2 under {mode} "
            f"(postgresql:// or postgresql+psycopg2://), not {url.drivername}"
        )
    if mode == "eventlet":
        from psycogreen.eventlet import patch_psycopg
    else:
        from psycogreen.gevent import patch_psycopg
    patch_psycopg()


def checkpoint_sqlite_in_background(app: Flask) -> None:
    """On SQLite, the WAL's checkpoints leave the event loop's thread (campus.core.database)."""
    from campus.core.database import checkpoint_in_background
    from campus.extensions import db, socketio

    with app.app_context():
        engine = db.engine
    checkpoint_in_background(app, engine, socketio.start_background_task, socketio.sleep)


def behind_proxies(app, proxies: int):
    """Client address and scheme as the proxies saw them: the login rate limit counts per client
    address, which would otherwise be the proxy's for everyone.

    Never `X-Forwarded-Host`: nginx passes the client's `Host` itself and does not set that
    header, so one sent by the client would arrive untouched and be believed (the host of a
    mailed link, the Socket.IO origin check). Requests' hosts are checked against
    `TRUSTED_HOSTS` instead."""
    if proxies <= 0:
        return app
    from werkzeug.middleware.proxy_fix import ProxyFix

    return ProxyFix(app, x_for=proxies, x_proto=proxies, x_host=0)


def serve(app: Flask, mode: str, args: argparse.Namespace) -> None:
    """Serve until SIGTERM, then shut down gracefully within SHUTDOWN_TIMEOUT seconds."""
    raise_open_file_limit(args.max_connections + 100)
    checkpoint_sqlite_in_background(app)
    sock = listening_socket(args.host, args.port, args.backlog)
    wsgi_app = without_websocket_compression(behind_proxies(app, args.proxies))
    log.warning("Campus serving on http://%s:%d (%s)", args.host, sock.getsockname()[1], mode)
    if mode == "eventlet":
        serve_eventlet(app, sock, wsgi_app, args)
    elif mode == "gevent":
        serve_gevent(app, sock, wsgi_app, args)
    else:
        raise SystemExit(f"SOCKETIO_ASYNC_MODE must be eventlet or gevent for wsgi.py, not {mode!r}")
    log.warning("Campus stopped")


# SIGTERM (systemd, orchestrators) and SIGINT (Ctrl-C) both shut down gracefully.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def on_stop_signal(stop: Callable[[], None]) -> None:
    for signum in STOP_SIGNALS:
        signal.signal(signum, lambda *_: stop())


def drain(app: Flask) -> float:
    """After the listener closed: drain the worker (campus.ops.shutdown); the monotonic deadline
    by which the remaining requests must end."""
    from campus.extensions import socketio
    from campus.ops import shutdown

    deadline = time.monotonic() + app.config["SHUTDOWN_TIMEOUT"]
    log.warning("Stopping: no new connections; draining for at most %gs", app.config["SHUTDOWN_TIMEOUT"])
    shutdown.drain(socketio, deadline)
    return deadline


def serve_eventlet(app: Flask, sock: socket.socket, wsgi_app, args: argparse.Namespace) -> None:
    import eventlet
    import eventlet.wsgi

    green = eventlet.green.socket.socket(sock)
    server = eventlet.spawn(
        eventlet.wsgi.server,
        green,
        wsgi_app,
        max_size=args.max_connections,
        log_output=args.access_log,
        socket_timeout=None,
    )
    stopping = threading.Event()
    on_stop_signal(stopping.set)
    while not stopping.is_set() and not server.dead:
        eventlet.sleep(0.1)  # the signal handler only sets a flag: the drain runs here, in a greenlet
    if server.dead:
        server.wait()  # the server failed: raise its error
        return
    # eventlet's accept loop ends on SystemExit and then waits for its connections to finish.
    server.kill(SystemExit)
    green.close()
    deadline = drain(app)
    with eventlet.Timeout(max(deadline - time.monotonic(), 0), False):
        server.wait()


class RequestsInProgress:
    """WSGI middleware counting requests being served (a response counts until it is closed)."""

    def __init__(self, app):
        self.app, self.count = app, 0

    def __call__(self, environ, start_response):
        from werkzeug.wsgi import ClosingIterator

        self.count += 1
        try:
            return ClosingIterator(self.app(environ, start_response), self._done)
        except BaseException:
            self._done()
            raise

    def _done(self) -> None:
        self.count -= 1


def serve_gevent(app: Flask, sock: socket.socket, wsgi_app, args: argparse.Namespace) -> None:
    import gevent
    import gevent.event
    from gevent import pool, pywsgi

    serving = RequestsInProgress(wsgi_app)
    server = pywsgi.WSGIServer(
        sock, serving, spawn=pool.Pool(args.max_connections), log="default" if args.access_log else None
    )
    stopping = gevent.event.Event()
    for signum in STOP_SIGNALS:
        gevent.signal_handler(signum, stopping.set)
    server.start()
    stopping.wait()
    server.close()  # stops accepting, closes the listener; connections go on
    deadline = drain(app)
    # Requests being served finish; idle keep-alive connections (gevent would wait for their
    # next request) are closed after that.
    while serving.count > 0 and time.monotonic() < deadline:
        gevent.sleep(0.05)
    server.stop(timeout=0)


def refuse_unready_database(app: Flask) -> None:
    """Start only on a database that answers, is migrated and holds its reference data: a clear
    message now rather than 500s at the first registration."""
    from campus.ops.health import startup_problems

    found = startup_problems(app)
    if found:
        raise SystemExit("Campus cannot start: " + "; ".join(f"{name}: {problem}" for name, problem in found.items()))


def main(mode: str, argv: list[str] | None = None, factory: Callable[[], Flask] | None = None) -> None:
    """Build the app with `factory` (default `campus.create_app`) and serve it in `mode`.

    The event loop must already be patched (wsgi.py does it before importing anything else).
    """
    if factory is None:
        from campus import create_app as factory

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The start-up check reads the migrations; alembic's INFO lines about that are noise here.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    args = parse_args(argv)
    try:
        app = factory()
    except RuntimeError as error:  # a refused configuration: say why, without a traceback
        raise SystemExit(f"Campus cannot start: {error}") from None
    if app.config["LOG_FORMAT"] not in ("text", "json"):
        raise SystemExit(f"Campus cannot start: LOG_FORMAT must be text or json, not {app.config['LOG_FORMAT']!r}")
    if app.config["LOG_FORMAT"] == "json":
        from campus.core.logs import use_json_logs

        use_json_logs()
    refuse_unready_database(app)
    cooperative_postgres(app, mode)
    serve(app, mode, args)
