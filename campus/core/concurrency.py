"""Run CPU-heavy calls (password hashing) off the event loop of the configured async mode."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import copy_current_request_context, current_app, has_request_context

T = TypeVar("T")


def offload(fn: Callable[..., T], *args) -> T:
    """Call `fn(*args)` in a real OS thread when running under eventlet or gevent.

    Under those hubs a 50 ms argon2 hash would stall every other connection; in a thread (the
    argon2 binding releases the GIL) the hub keeps serving. In threading mode it is a plain call.
    """
    socketio = current_app.extensions.get("socketio")
    mode = getattr(socketio, "async_mode", None)
    if mode == "eventlet":
        from eventlet import tpool  # only ever imported under the eventlet entry point

        return tpool.execute(fn, *args)
    if mode == "gevent":
        import gevent

        return gevent.get_hub().threadpool.apply(fn, args)
    return fn(*args)


def offload_in_request(fn: Callable[..., T], *args) -> T:
    """`offload` with the request's context in the thread (configuration, translated error
    messages): for CPU-heavy steps such as decoding and re-encoding an image — never for I/O
    the hub can wait on cooperatively (storage writes, S3)."""
    if has_request_context():
        fn = copy_current_request_context(fn)
    return offload(fn, *args)


def cooperative_pause() -> Callable[[], None]:
    """A function that lets the event loop run other greenlets (`sleep(0)` of the configured
    async mode; nothing in threading mode). Taken while the app context is there, called from a
    response body that runs after it."""
    socketio = current_app.extensions.get("socketio")
    if getattr(socketio, "async_mode", None) in ("eventlet", "gevent"):
        sleep = socketio.server.sleep
        return lambda: sleep(0)
    return lambda: None
