"""The production entry point: `python wsgi.py [--host HOST] [--port PORT]`.

Serves pages, the JSON API and Socket.IO in one process with eventlet (the default) or gevent
(`SOCKETIO_ASYNC_MODE=gevent`), tuned against the traps of docs/design.md#known-traps: websocket compression off,
TCP_NODELAY on, a high connection cap and listen backlog. Run several of these behind a load
balancer with `SOCKETIO_MESSAGE_QUEUE=redis://…` and PostgreSQL (see the README).

The event loop is patched here, before anything else is imported, and only when this file is
run as a program: importing `wsgi` (e.g. `FLASK_APP=wsgi flask …`) patches nothing.
"""

import os
import warnings

if __name__ == "__main__":
    # Two notices nobody running Campus can act on, printed at every start: eventlet's own
    # deprecation (a choice made for Campus, docs/design.md#the-server; gevent is the
    # alternative) and dnspython's, loaded by eventlet's green DNS, about DSA, which Campus never
    # uses. Anything else still shows.
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated", category=Warning, module="wsgi|__main__")
    warnings.filterwarnings("ignore", message="DSA is deprecated", module=r"dns\.dnssecalgs")
    ASYNC_MODE = os.environ.get("SOCKETIO_ASYNC_MODE") or "eventlet"
    os.environ["SOCKETIO_ASYNC_MODE"] = ASYNC_MODE
    # An empty CAMPUS_CONFIG would mean development (no secret check): production is the default.
    os.environ["CAMPUS_CONFIG"] = os.environ.get("CAMPUS_CONFIG") or "production"
    if ASYNC_MODE == "eventlet":
        import eventlet

        eventlet.monkey_patch()
    elif ASYNC_MODE == "gevent":
        from gevent import monkey

        monkey.patch_all()

    from campus.serving import main

    main(ASYNC_MODE)
else:
    from campus import create_app

    app = create_app()
