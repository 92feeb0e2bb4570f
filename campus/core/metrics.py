"""Prometheus metrics of one worker process (docs/design.md#metrics).

The series are module-level objects on Campus's own registry (not the client library's global
one, which would add the process and platform collectors twice when tests build many apps).
Counting is cheap enough for the hot paths (a lock and an addition); gauges whose value lives
elsewhere (sockets per namespace, the database pool) are read at scrape time by collectors that
the edges register (`register_gauge`). Each worker serves its own series: Prometheus scrapes every
worker as a target of its own, and its `instance` label tells them apart.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REGISTRY = CollectorRegistry(auto_describe=True)

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

SOCKET_EVENTS = Counter(
    "campus_socket_events",
    "Socket.IO events handled, by namespace, event and outcome (ok or the error ack's code).",
    ["namespace", "event", "outcome"],
    registry=REGISTRY,
)
SOCKET_ACK_SECONDS = Histogram(
    "campus_socket_ack_seconds",
    "Time from an event's arrival in its handler to its ack, by namespace and event.",
    ["namespace", "event"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
HTTP_SECONDS = Histogram(
    "campus_http_request_seconds",
    "HTTP request latency by endpoint (Flask's endpoint name), method and status class.",
    ["endpoint", "method", "status"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
QUEUE_LAG_SECONDS = Histogram(
    "campus_queue_lag_seconds",
    "Time from a worker publishing an emit on the message queue to another worker handling it.",
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
SHUTDOWN_SOCKETS = Counter(
    "campus_shutdown_sockets_closed",
    "Sockets this worker told to reconnect elsewhere while shutting down.",
    registry=REGISTRY,
)


_event_series: dict[tuple[str, str, str], tuple] = {}


def record_event(namespace: str, event: str, outcome: str, seconds: float) -> None:
    """One handled event: its outcome and how long its ack took."""
    key = (namespace, event, outcome)
    series = _event_series.get(key)
    if series is None:  # a label lookup costs more than the count: keep the children (a bounded set)
        series = _event_series[key] = (SOCKET_EVENTS.labels(*key), SOCKET_ACK_SECONDS.labels(namespace, event))
    series[0].inc()
    series[1].observe(seconds)


class GaugeCollector(Collector):
    """A gauge family read at scrape time: `read()` returns `{label values: value}`."""

    def __init__(self, name: str, documentation: str, labels: list[str], read: Callable[[], dict[tuple, float]]):
        self.name, self.documentation, self.labels, self.read = name, documentation, labels, read

    def describe(self):
        return [GaugeMetricFamily(self.name, self.documentation, labels=self.labels)]

    def collect(self):
        family = GaugeMetricFamily(self.name, self.documentation, labels=self.labels)
        for values, value in self.read().items():
            family.add_metric(list(values), value)
        yield family


_gauges: dict[str, GaugeCollector] = {}


def register_gauge(name: str, documentation: str, labels: list[str], read: Callable[[], dict[tuple, float]]) -> None:
    """Serve the gauge `name` from `read`; registering the name again replaces its reader (the
    newest app's, when tests build several)."""
    if name in _gauges:
        _gauges[name].read = read
        return
    _gauges[name] = GaugeCollector(name, documentation, labels, read)
    REGISTRY.register(_gauges[name])
