"""Prometheus metrics of one service: requests, latency, errors by status, the served version.

Routes are labelled by their template (`/users/{user_id}`), never by the raw path, and paths that
match no route share one label, so a scanner cannot blow up the number of series.

The numbers are kept here and handed to prometheus-client as a custom collector (its documented
`Collector` interface) rather than in `Counter`/`Histogram` objects, because importing Feast sets
`PROMETHEUS_MULTIPROC_DIR` (feast/metrics.py), which switches prometheus-client's metric objects to
files shared by every metric of the same name in the process: two apps in one process (tests, a
notebook) would then count each other's requests.
"""

from __future__ import annotations

import bisect
import threading
from collections import defaultdict
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from mlplatform.serving.model_source import ServedModel

UNMATCHED = "unmatched"
# Buckets in seconds: fine below 100 ms, where a recommender answers; coarse up to an OCR photo.
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
CONTENT_TYPE = CONTENT_TYPE_LATEST
REQUEST_LABELS = ["method", "route", "status"]


class ServiceMetrics(Collector):
    """The metrics of one service; `render()` is the `/metrics` body."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str, str], int] = defaultdict(int)
        self._buckets: dict[tuple[str, str], list[int]] = {}
        self._sums: dict[tuple[str, str], float] = defaultdict(float)
        self._models: dict[tuple[str, str], float] = {}
        self.registry = CollectorRegistry()
        self.registry.register(self)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        with self._lock:
            self._requests[(method, route, str(status))] += 1
            counts = self._buckets.setdefault((method, route), [0] * (len(LATENCY_BUCKETS) + 1))
            counts[bisect.bisect_left(LATENCY_BUCKETS, seconds)] += 1
            self._sums[(method, route)] += seconds

    def set_model(self, served: ServedModel) -> None:
        """Record the version now served (versions are whole numbers in MLflow's registry)."""
        with self._lock:
            self._models[(served.name, served.alias)] = float(served.version)

    def collect(self) -> Iterator[Metric]:
        """The metric families, for prometheus-client's registry."""
        with self._lock:
            requests, buckets = dict(self._requests), {k: list(v) for k, v in self._buckets.items()}
            sums, models = dict(self._sums), dict(self._models)
        total = CounterMetricFamily("http_requests", "Requests answered", labels=REQUEST_LABELS)
        errors = CounterMetricFamily(
            "http_errors", "Responses with status >= 400", labels=REQUEST_LABELS
        )
        for labels, count in sorted(requests.items()):
            total.add_metric(list(labels), count)
            if int(labels[2]) >= 400:
                errors.add_metric(list(labels), count)
        yield from (total, errors)
        yield self._latency(buckets, sums)
        gauge = GaugeMetricFamily(
            "model_version_served",
            "Registry version of the model being served",
            labels=["name", "alias"],
        )
        for labels, version in sorted(models.items()):
            gauge.add_metric(list(labels), version)
        yield gauge

    @staticmethod
    def _latency(
        buckets: dict[tuple[str, str], list[int]], sums: dict[tuple[str, str], float]
    ) -> HistogramMetricFamily:
        family = HistogramMetricFamily(
            "http_request_duration_seconds",
            "Time from request to response",
            labels=["method", "route"],
        )
        edges = [floatToGoString(edge) for edge in LATENCY_BUCKETS] + ["+Inf"]
        for labels, counts in sorted(buckets.items()):
            cumulative, running = [], 0
            for edge, count in zip(edges, counts, strict=True):
                running += count
                cumulative.append((edge, running))
            family.add_metric(list(labels), cumulative, sum_value=sums[labels])
        return family

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)
