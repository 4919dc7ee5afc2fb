"""Prometheus metrics of one service: requests, latency, errors by status, the served version.

Each app gets its own `CollectorRegistry`, so two apps in one process (tests, a notebook) do not
collide. Routes are labelled by their template (`/users/{user_id}`), never by the raw path, and
paths that match no route share one label, so a scanner cannot blow up the number of series.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from mlplatform.serving.model_source import ServedModel

UNMATCHED = "unmatched"
# Buckets in seconds: fine below 100 ms, where a recommender answers; coarse up to an OCR photo.
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
CONTENT_TYPE = CONTENT_TYPE_LATEST


@dataclass
class ServiceMetrics:
    """The metric families of one service; `render()` is the `/metrics` body."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        labels = ["method", "route", "status"]
        self.requests = Counter(
            "http_requests_total", "Requests answered", labels, registry=self.registry
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time from request to response",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            "http_errors_total", "Responses with status >= 400", labels, registry=self.registry
        )
        self.model_version = Gauge(
            "model_version_served",
            "Registry version of the model being served",
            ["name", "alias"],
            registry=self.registry,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)
        if status >= 400:
            self.errors.labels(method, route, str(status)).inc()

    def set_model(self, served: ServedModel) -> None:
        """Record the version now served (versions are whole numbers in MLflow's registry)."""
        self.model_version.labels(served.name, served.alias).set(float(served.version))

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
