"""The CI gate: may a candidate replace the champion, judged by their metrics on the same data?

`compare_to_champion` is the rule: plain metric dicts in, pass or fail with a one-line reason out.
`gate` reads both sides first: a JSON file of metrics (`{"rmse": 0.98, "mae": 0.78}`), or a registry
URI `models:/<name>@<alias>` whose metrics are those of the run behind that version (read through
`mlplatform.registry.alias_metrics`). Both sides must be measured on the same evaluation data, or
the comparison means nothing. The command line is `mlplatform gate` (see `mlplatform gate --help`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mlplatform.config import Settings, load_settings
from mlplatform.tracking import temporary_tracking_uri


class GateInputError(ValueError):
    """A side of the gate cannot be read; the message says how to write it."""


# Which way is better for the metrics the course logs; pass `directions=` for any other metric.
METRIC_DIRECTIONS = {
    "rmse": "lower",
    "mae": "lower",
    "precision_at_10": "higher",
    "ndcg_at_10": "higher",
}


@dataclass(frozen=True)
class GateResult:
    """The regression gate's verdict: `passed`, a one-line `reason`, and the per-metric deltas."""

    passed: bool
    reason: str
    deltas: dict[str, float] = field(default_factory=dict)  # candidate minus champion


def compare_to_champion(
    candidate_metrics: Mapping[str, float],
    champion_metrics: Mapping[str, float] | None,
    tolerance: float = 0.0,
    directions: Mapping[str, str] | None = None,
) -> GateResult:
    """Pass when no metric of the champion got worse by more than `tolerance` (absolute units).

    Args:
        candidate_metrics: the new model's metrics, e.g. {"rmse": 0.98}.
        champion_metrics: the champion's metrics on the same data; None or empty when there is no
            champion yet, which passes (the first model becomes the champion).
        tolerance: how much worse a metric may get (noise allowance), in the metric's units.
        directions: "lower" or "higher" is better, by metric name; defaults to METRIC_DIRECTIONS.

    Raises:
        GateInputError: a negative tolerance, or a metric whose direction is unknown.
    """
    if tolerance < 0:
        raise GateInputError(f"tolerance must be >= 0, got {tolerance}")
    if not champion_metrics:
        return GateResult(True, "no champion yet: the candidate becomes the first champion")
    directions = {**METRIC_DIRECTIONS, **(directions or {})}
    deltas, failures = {}, []
    for name, champion in champion_metrics.items():
        if directions.get(name) not in ("lower", "higher"):
            raise GateInputError(
                f"no direction for metric {name!r}: pass directions={{{name!r}: 'lower'}} "
                f"or directions={{{name!r}: 'higher'}}"
            )
        if name not in candidate_metrics or not math.isfinite(candidate_metrics[name]):
            failures.append(f"{name} is missing from the candidate's metrics")
            continue
        deltas[name] = float(candidate_metrics[name]) - float(champion)
        worse = deltas[name] if directions[name] == "lower" else -deltas[name]
        if worse > tolerance:
            failures.append(
                f"{name} regressed: {candidate_metrics[name]:.4f} vs champion {champion:.4f} "
                f"(tolerance {tolerance})"
            )
    if failures:
        return GateResult(False, "; ".join(failures), deltas)
    shown = ", ".join(f"{name} {delta:+.4f}" for name, delta in deltas.items())
    return GateResult(True, f"no regression beyond {tolerance}: {shown}", deltas)


def read_metrics(source: str, settings: Settings | None = None) -> dict[str, float] | None:
    """Metrics from a JSON file, or from the run behind a registered model `models:/name@alias`.

    Returns None when the file does not exist or the alias is not set yet (no champion yet).

    Raises:
        GateInputError: the JSON is not a flat object of numbers, or the URI has no `@alias`.
    """
    if source.startswith("models:/"):
        return _registry_metrics(source, settings or load_settings())
    path = Path(source)
    if not path.exists():
        return None
    metrics = json.loads(path.read_text())
    if not isinstance(metrics, dict) or not all(
        isinstance(v, int | float) for v in metrics.values()
    ):
        raise GateInputError(
            f"{path} must hold a flat JSON object of numbers, like {{'rmse': 0.98}}"
        )
    return {name: float(value) for name, value in metrics.items()}


def _registry_metrics(uri: str, settings: Settings) -> dict[str, float] | None:
    from mlplatform.registry import alias_metrics  # imports mlflow: only for registry URIs

    name, _, alias = uri.removeprefix("models:/").partition("@")
    if not alias:
        raise GateInputError(f"{uri!r} names no alias: write it as models:/<name>@champion")
    with temporary_tracking_uri(settings.mlflow_tracking_uri):
        return alias_metrics(name, alias)


def gate(
    candidate: str, champion: str, tolerance: float, settings: Settings | None = None
) -> GateResult:
    """Read both sides' metrics and compare them; a missing candidate is an error."""
    candidate_metrics = read_metrics(candidate, settings)
    if candidate_metrics is None:
        raise FileNotFoundError(f"no candidate metrics at {candidate}: run the training step first")
    champion_metrics = read_metrics(champion, settings)
    if champion_metrics is not None:  # gate only on what both sides measured
        champion_metrics = {k: v for k, v in champion_metrics.items() if k in candidate_metrics}
    return compare_to_champion(candidate_metrics, champion_metrics, tolerance)
