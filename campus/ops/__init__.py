"""Operations: health and readiness probes, Prometheus metrics, the start-up check and the
graceful shutdown of a worker (docs/design.md#operations). On top of the layers, like admin:
it reads every domain and nothing imports it but the factory and the entry point."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The probes and the metrics endpoint, request timing and the scrape-time gauges."""
    from campus.ops import gauges, health
    from campus.ops.views import bp, request_hooks

    health.init_app(app)
    app.register_blueprint(bp)
    request_hooks(app)
    gauges.register(app)
