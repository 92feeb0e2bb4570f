"""`python wsgi.py` with one test-only delay: `python -m tests.server.slow_events --port N`
(eventlet, or gevent with SOCKETIO_ASYNC_MODE=gevent).

A `send_message` whose body starts with `slow:` waits SLOW_SEND_SECONDS (default 2) before it
is stored (on the fast path and the full one), so a test can send SIGTERM while the event is in flight. Everything else —
the app, the namespace, the server and its shutdown — is campus.serving's, as in production.
"""

from __future__ import annotations

import os

MODE = os.environ.get("SOCKETIO_ASYNC_MODE") or "eventlet"

if __name__ == "__main__":
    # Patch first, as wsgi.py does, before Flask or Campus is imported.
    if MODE == "gevent":
        from gevent import monkey

        monkey.patch_all()
    else:
        import eventlet

        eventlet.monkey_patch()


def delay_slow_sends() -> None:
    import time

    from campus.chat import events

    send_message = events.send_message
    seconds = float(os.environ.get("SLOW_SEND_SECONDS", "2"))

    def slowed(actor, chat_id, **payload):
        if str(payload.get("body") or "").startswith("slow:"):
            time.sleep(seconds)
        return send_message(actor, chat_id, **payload)

    events.send_message = slowed

    # The fast path (campus.chat.fast_events) answers plain sends itself: delay those too.
    from campus.chat.fast_events import FastEvents

    fast_send = FastEvents.HANDLERS["send_message"]

    def slowed_fast(fast, sid, user_id, data):
        if isinstance(data, dict) and str(data.get("body") or "").startswith("slow:"):
            time.sleep(seconds)
        return fast_send(fast, sid, user_id, data)

    FastEvents.HANDLERS["send_message"] = slowed_fast


if __name__ == "__main__":
    from campus.serving import main

    delay_slow_sends()
    main(MODE)
