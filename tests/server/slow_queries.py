"""`python wsgi.py` plus one test-only route: `python -m tests.server.slow_queries --port N`.

GET /test/slow-query?seconds=S runs `pg_sleep(S)` through the app's own database session and
returns PostgreSQL's clock (clock_timestamp()) just before and after the sleep, plus the
backend's pid. The app, its PostgreSQL driver set-up and the server are campus.serving's, exactly
as in production; only the route is added, so it never exists in Campus itself.
"""

from __future__ import annotations

import os

if __name__ == "__main__":
    # Patch first, as wsgi.py does, before Flask or Campus is imported.
    import eventlet

    eventlet.monkey_patch()
    os.environ["SOCKETIO_ASYNC_MODE"] = "eventlet"


def create_app_with_slow_route():
    from flask import Blueprint, request
    from sqlalchemy import text

    from campus import create_app
    from campus.extensions import db

    bp = Blueprint("test_slow_queries", __name__)

    @bp.route("/test/slow-query")
    def slow_query():
        seconds = float(request.args.get("seconds", "1.5"))
        row = db.session.execute(
            text(
                "SELECT pg_backend_pid() AS pid, clock_timestamp() AS started, "
                "pg_sleep(:seconds) AS slept, clock_timestamp() AS ended"
            ),
            {"seconds": seconds},
        ).one()
        return {"pid": row.pid, "started": row.started.isoformat(), "ended": row.ended.isoformat()}

    app = create_app()
    app.register_blueprint(bp)
    return app


if __name__ == "__main__":
    from campus.serving import main

    main("eventlet", factory=create_app_with_slow_route)
