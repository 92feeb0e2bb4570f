"""`/healthz` (alive), `/readyz` (may take traffic) and `/metrics` (Prometheus, behind a token).

None of them needs a session or a CSRF token, and none is in the OpenAPI document: they are for
load balancers, orchestrators and Prometheus, not for API clients (docs/api.md#operations).
"""

from __future__ import annotations

import hmac
import time

from flask import Blueprint, Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from campus.core import metrics
from campus.core.logs import request_id_from
from campus.ops import health, shutdown

bp = Blueprint("ops", __name__)


@bp.route("/healthz")
def healthz():
    """Alive: the process answers HTTP. Nothing else is checked (a restart would not fix it)."""
    return {"status": "ok"}


@bp.route("/readyz")
def readyz():
    """Ready: database reachable, migrated and seeded, Redis reachable, not shutting down."""
    found = {"shutdown": "draining"} if shutdown.draining() else health.problems(current_app)
    if found:
        return {"status": "unready", "problems": found}, 503
    return {"status": "ready"}


@bp.route("/metrics")
def prometheus_metrics():
    """This worker's series; `Authorization: Bearer <METRICS_TOKEN>`, a 404 while no token is set."""
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        abort(404)
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return {"error": {"code": "token_invalid", "message": "Metrics need their bearer token."}}, 401
    return Response(generate_latest(metrics.REGISTRY), mimetype=CONTENT_TYPE_LATEST)


def request_hooks(app) -> None:
    """Each request's id (`X-Request-ID`, in JSON logs and echoed in the response) and its latency
    by endpoint: Flask's endpoint name (a bounded set), never the raw path."""

    @app.before_request
    def start_clock():
        g.campus_request_started = time.perf_counter()
        g.request_id = request_id_from(request.headers.get("X-Request-ID"))

    @app.after_request
    def observe(response):
        started = g.pop("campus_request_started", None)
        if started is not None:
            metrics.HTTP_SECONDS.labels(
                request.endpoint or "unmatched", request.method, f"{response.status_code // 100}xx"
            ).observe(time.perf_counter() - started)
        if "request_id" in g:
            response.headers["X-Request-ID"] = g.request_id
        return response
