"""Ask Prometheus over its HTTP API: instant queries, range queries and the alerts it holds.

The calls are those of Prometheus's documented API v1 (`/api/v1/query`, `/api/v1/query_range`,
`/api/v1/alerts`), made with httpx. Prometheus is found through the settings (`PROMETHEUS_URL`,
else the local server on `PROMETHEUS_PORT`). When it does not answer, the error says how to start
it; when it refuses a query (bad PromQL), the error carries Prometheus's own message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import httpx

from mlplatform.config import Settings, load_settings
from mlplatform.health import ServiceError, ServiceNotRunningError

TIMEOUT = 10.0


class PrometheusQueryError(ServiceError):
    """Prometheus answered but refused the request (for example a PromQL syntax error)."""


@dataclass(frozen=True)
class Sample:
    """One series of an instant query: its labels and its value at the query's time."""

    labels: dict[str, str]
    value: float
    at: float  # Unix time of the value


@dataclass(frozen=True)
class Series:
    """One series of a range query: its labels and its (Unix time, value) points."""

    labels: dict[str, str]
    points: list[tuple[float, float]]


@dataclass(frozen=True)
class Alert:
    """An alert Prometheus holds: pending (its condition holds, `for` not over yet) or firing."""

    name: str
    state: str
    labels: dict[str, str]
    annotations: dict[str, str]
    active_at: str


def _timestamp(moment: datetime | float) -> float:
    return moment.timestamp() if isinstance(moment, datetime) else float(moment)


def _get(path: str, params: dict, settings: Settings | None) -> dict | list:
    """GET an API path and return its `data`, or raise an error that says what to do."""
    url = (settings or load_settings()).prometheus_url + path
    try:
        answer = httpx.get(url, params=params, timeout=TIMEOUT)
    except httpx.HTTPError as error:
        raise ServiceNotRunningError(
            f"Prometheus is not answering at {url} ({type(error).__name__}). Start it with "
            "`make platform-up` (it needs the `prometheus` binary; `make platform-status` says "
            "whether it is installed), or set PROMETHEUS_URL to where it runs."
        ) from None
    try:
        body = answer.json()
    except ValueError:
        raise PrometheusQueryError(
            f"{url} answered HTTP {answer.status_code} without JSON: is this Prometheus?"
        ) from None
    if body.get("status") != "success":
        raise PrometheusQueryError(
            f"Prometheus refused {params or path}: {body.get('errorType', 'error')}: "
            f"{body.get('error', answer.text)}"
        )
    return body["data"]


def query(
    promql: str, at: datetime | float | None = None, settings: Settings | None = None
) -> list[Sample]:
    """Evaluate `promql` at one moment (default: now); one `Sample` per series.

    Raises:
        ServiceNotRunningError: Prometheus does not answer.
        PrometheusQueryError: it refused the query; the message is Prometheus's.
    """
    params: dict = {"query": promql}
    if at is not None:
        params["time"] = _timestamp(at)
    data = _get("/api/v1/query", params, settings)
    if data["resultType"] == "scalar":
        moment, value = data["result"]
        return [Sample({}, float(value), float(moment))]
    if data["resultType"] != "vector":
        raise PrometheusQueryError(f"{promql!r} gives a {data['resultType']}; use query_range.")
    return [
        Sample(item["metric"], float(item["value"][1]), float(item["value"][0]))
        for item in data["result"]
    ]


def query_range(
    promql: str,
    start: datetime | float,
    end: datetime | float,
    step_seconds: float,
    settings: Settings | None = None,
) -> list[Series]:
    """Evaluate `promql` every `step_seconds` from `start` to `end`; one `Series` per series.

    Raises:
        ServiceNotRunningError: Prometheus does not answer.
        PrometheusQueryError: it refused the query; the message is Prometheus's.
    """
    params = {"query": promql, "start": _timestamp(start), "end": _timestamp(end),
              "step": step_seconds}  # fmt: skip
    data = _get("/api/v1/query_range", params, settings)
    return [
        Series(item["metric"], [(float(t), float(v)) for t, v in item["values"]])
        for item in data["result"]
    ]


def alerts(settings: Settings | None = None) -> list[Alert]:
    """The alerts Prometheus holds now (pending and firing; resolved ones are not listed).

    Raises:
        ServiceNotRunningError: Prometheus does not answer.
    """
    data = _get("/api/v1/alerts", {}, settings)
    return [
        Alert(
            item["labels"].get("alertname", ""),
            item["state"],
            item["labels"],
            item.get("annotations", {}),
            item.get("activeAt", ""),
        )
        for item in data["alerts"]
    ]
