"""Client-side measurements of a running service: latency, bad-input answers, traffic during a change.

What a chapter (or an operator with curl) does to a service, as functions: time a list of
requests (`time_requests`, summarised by `summarise_latency`), send a table of requests and keep
each status and message (`answer_table`), and fire requests from several threads while something
changes underneath, such as an alias move (`fire_while`). These are probes, not a load test:
`make loadtest` drives a real load generator.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np
import pandas as pd

from mlplatform.progress import progress_bar


@dataclass(frozen=True)
class LatencySummary:
    """Percentiles (numpy's default, linear interpolation) in milliseconds, and throughput."""

    requests: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    throughput_per_s: float  # requests / wall time; one client: about 1000 / mean_ms


def summarise_latency(
    seconds: Sequence[float], wall_seconds: float | None = None
) -> LatencySummary:
    """Percentiles of `seconds` (one per request) and the throughput over `wall_seconds`.

    `wall_seconds` defaults to the sum of the timings (requests sent one after another).

    Raises:
        ValueError: no timings, or a negative one.
    """
    values = np.asarray(seconds, dtype=float)
    if values.size == 0 or (values < 0).any():
        raise ValueError(f"Need one or more non-negative timings, got {values.size} values.")
    wall = float(values.sum()) if wall_seconds is None else float(wall_seconds)
    p50, p95, p99 = np.percentile(values, [50, 95, 99]) * 1000
    return LatencySummary(
        requests=int(values.size),
        p50_ms=float(p50),
        p95_ms=float(p95),
        p99_ms=float(p99),
        mean_ms=float(values.mean() * 1000),
        throughput_per_s=float(values.size / wall) if wall > 0 else float("inf"),
    )


def time_requests(
    client: httpx.Client, path: str, bodies: Sequence[Mapping[str, Any]], desc: str | None = None
) -> list[float]:
    """POST each body to `path` one after another; the seconds each answer took.

    Raises:
        httpx.HTTPStatusError: an answer was not 2xx (a timing of an error is not a latency).
    """
    timings = []
    for body in progress_bar(bodies, desc=desc, disable=desc is None):
        start = time.perf_counter()
        response = client.post(path, json=body)
        timings.append(time.perf_counter() - start)
        response.raise_for_status()
    return timings


def answer_table(client: httpx.Client, requests: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """Send each named request (`httpx.Client.request` keyword arguments); status and message each.

    A request is e.g. `{"method": "POST", "url": "/recommendations", "json": {"user_id": 1.7}}`.
    """
    rows = []
    for name, request in requests.items():
        response = client.request(**request)
        try:
            detail = response.json().get("detail", "")
        except ValueError:  # not JSON: show the start of the text
            detail = response.text[:120]
        rows.append({"request": name, "status": response.status_code, "detail": str(detail)})
    return pd.DataFrame(rows)


@dataclass
class Traffic:
    """What `fire_while` saw: statuses, the value of `key` in 2xx answers, and requests sent."""

    statuses: Counter = field(default_factory=Counter)
    seen: Counter = field(default_factory=Counter)
    timeline: list[tuple[float, str]] = field(default_factory=list)  # (seconds since start, value)

    @property
    def requests(self) -> int:
        """How many requests were answered."""
        return sum(self.statuses.values())

    @property
    def errors(self) -> int:
        """Answers with a status of 400 or more."""
        return sum(n for status, n in self.statuses.items() if status >= 400)


def fire_while(
    url: str,
    path: str,
    bodies: Sequence[Mapping[str, Any]],
    action: Callable[[], Any],
    key: Callable[[dict], str],
    clients: int = 4,
) -> Traffic:
    """POST `bodies` in turn from `clients` threads until `action()` returns; what they saw.

    Args:
        url: the service's base URL.
        path: the route to call.
        bodies: request bodies, sent round-robin.
        action: the change to make while the requests fly (e.g. move an alias and wait).
        key: what to count in each 2xx answer (e.g. the model version).
        clients: threads, each with its own connection.
    """
    traffic, lock, stop = Traffic(), threading.Lock(), threading.Event()
    start = time.perf_counter()

    def fire() -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            sent = 0
            while not stop.is_set():
                answer = client.post(path, json=bodies[sent % len(bodies)])
                sent += 1
                value = key(answer.json()) if answer.status_code < 300 else ""
                with lock:
                    traffic.statuses[answer.status_code] += 1
                    if value:
                        traffic.seen[value] += 1
                        traffic.timeline.append((time.perf_counter() - start, value))

    threads = [threading.Thread(target=fire, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    try:
        action()
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    return traffic


def wait_until_serving(url: str, version: int | str, timeout: float = 60.0) -> float:
    """Poll `/ready` until the service says it serves `version`; the seconds that took.

    Raises:
        TimeoutError: it did not within `timeout` seconds; the message says what it serves.
    """
    start = time.perf_counter()
    served = None
    while time.perf_counter() - start < timeout:
        model = httpx.get(f"{url}/ready", timeout=30).json().get("model") or {}
        served = model.get("version")
        if served == str(version):
            return time.perf_counter() - start
        time.sleep(0.05)
    raise TimeoutError(
        f"{url} still serves version {served} after {timeout:.0f} s, not {version}: "
        "check its /ready and its log (a failed load keeps the old version)."
    )
