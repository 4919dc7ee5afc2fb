"""Compare a reference window of requests with a current one, with Evidently 0.7 reports.

A window is a DataFrame of logged requests: the features the model saw, its prediction, when it
was served and, once it arrives, the label (a rating, a verified ID). `windows.MonitorSpec` names
those columns; it is all this package knows of a project. Three questions, one report each:

- data drift per feature: `drift_report` (Evidently's `DataDriftPreset`, one test per column);
- prediction drift: the same report, with a `ValueDrift` of the prediction column;
- performance once labels arrive: `performance.performance_report`, on the rows whose label had
  arrived at `as_of` (`windows.labelled_rows`), next to the reference's performance. Labels come
  late (a rating days after the recommendation, a reviewer's check of an ID), so a window's
  performance is always measured on part of it; `WindowSummary.label_coverage` says how much.

Both reports are Evidently `Snapshot`s: a notebook shows one inline by ending a cell with it (or
`report_html(snapshot)`), `.dict()`/`.json()` give the numbers, `.save_html(path)` a file.
`summarize_window` keeps the key numbers and `log_window_summary` logs them to MLflow through
`mlplatform.tracking.log_run`.

Example:
    >>> spec = MonitorSpec(numerical=("age",), categorical=("gender",), prediction="prediction")
    >>> drift_report(reference, current, spec)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from mlplatform.monitoring.performance import (
    performance_report,
    performance_values,
    reference_performance,
)
from mlplatform.monitoring.windows import (
    MonitorSpec,
    check_window,
    evidently_dataset,
    labelled_rows,
)

if TYPE_CHECKING:
    from evidently.core.report import Snapshot


def drift_report(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    spec: MonitorSpec,
    num_method: str | None = None,
    cat_method: str | None = None,
    include_tests: bool = True,
) -> Snapshot:
    """Data drift per feature and prediction drift, as one Evidently snapshot.

    `num_method` is Evidently's drift test for numerical columns and the prediction (`"psi"`,
    `"ks"`, ...), `cat_method` the one for categorical columns (`"psi"`, `"chisquare"`, ...);
    None lets Evidently pick per column (its default: KS or chi-square up to 1,000 reference
    rows, Wasserstein or Jensen-Shannon distance above). `include_tests` adds Evidently's
    pass/fail test per column and for the share of drifted columns.
    """
    from evidently import Report
    from evidently.metrics import ValueDrift
    from evidently.presets import DataDriftPreset

    check_window(reference, spec, "reference")
    check_window(current, spec, "current")
    preset = DataDriftPreset(
        columns=list(spec.features), num_method=num_method, cat_method=cat_method
    )
    metrics: list[Any] = [preset]
    if spec.prediction:
        metrics.append(ValueDrift(column=spec.prediction, method=num_method))
    report = Report(metrics, include_tests=include_tests)
    return report.run(evidently_dataset(current, spec), evidently_dataset(reference, spec))


def report_html(snapshot: Snapshot) -> str:
    """The snapshot as a self-contained HTML page (what `save_html` writes)."""
    return snapshot.get_html_str(as_iframe=False)


@dataclass(frozen=True)
class WindowSummary:
    """The key numbers of one current window against the reference."""

    n_requests: int
    drifted_share: float  # share of monitored columns whose drift test failed
    drift_scores: dict[str, float]  # column -> Evidently's drift score (p-value or distance)
    drifted_columns: tuple[str, ...]
    n_labelled: int = 0
    performance: dict[str, float] = field(default_factory=dict)  # "mae", "rmse", "score"
    reference_performance: dict[str, float] = field(default_factory=dict)

    @property
    def label_coverage(self) -> float:
        """Share of the window's requests whose label had arrived."""
        return self.n_labelled / self.n_requests

    def metrics(self) -> dict[str, float]:
        """Flat numbers for MLflow: `drift.<column>`, `performance.<name>`, counts and shares."""
        found = {
            "requests": float(self.n_requests),
            "drifted_share": self.drifted_share,
            "drifted_columns": float(len(self.drifted_columns)),
            "labelled": float(self.n_labelled),
            "label_coverage": self.label_coverage,
        }
        found |= {f"drift.{column}": score for column, score in self.drift_scores.items()}
        found |= {f"performance.{name}": value for name, value in self.performance.items()}
        found |= {f"reference.{name}": v for name, v in self.reference_performance.items()}
        return found


def column_verdicts(snapshot: Snapshot) -> dict[str, tuple[float, bool]]:
    """Column -> (drift score, drifted) from the `ValueDrift` results and tests of a snapshot."""
    scores = {}
    for metric in snapshot.dict()["metrics"]:
        if metric["config"].get("type", "").endswith(":ValueDrift"):
            scores[metric["config"]["column"]] = float(metric["value"])
    drifted = set()
    for test in snapshot.tests_results:
        params = test.metric_config.params
        if params.get("type", "").endswith(":ValueDrift") and test.status.value == "FAIL":
            drifted.add(params["column"])
    return {column: (score, column in drifted) for column, score in scores.items()}


def summarize_window(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    spec: MonitorSpec,
    as_of: pd.Timestamp | None = None,
    num_method: str | None = None,
    cat_method: str | None = None,
) -> WindowSummary:
    """Drift per column and performance on the labels that had arrived by `as_of`."""
    verdicts = column_verdicts(drift_report(reference, current, spec, num_method, cat_method))
    drifted = tuple(column for column, (_, is_drifted) in verdicts.items() if is_drifted)
    summary = {
        "n_requests": len(current),
        "drifted_share": len(drifted) / len(verdicts),
        "drift_scores": {column: score for column, (score, _) in verdicts.items()},
        "drifted_columns": drifted,
    }
    if spec.has_labels:
        labelled = labelled_rows(current, spec, as_of)
        summary["n_labelled"] = len(labelled)
        if len(labelled):
            snapshot = performance_report(reference, current, spec, as_of)
            summary["performance"] = performance_values(snapshot)
            summary["reference_performance"] = reference_performance(reference, spec)
    return WindowSummary(**summary)


def log_window_summary(
    summary: WindowSummary,
    experiment: str,
    run_name: str,
    params: Mapping[str, object] | None = None,
) -> str:
    """Log a window's key numbers as one MLflow run on the platform's server; returns its id."""
    from mlplatform.tracking import log_run

    tags = {"monitoring.drifted_columns": ",".join(summary.drifted_columns) or "none"}
    return log_run(experiment, run_name, dict(params or {}), summary.metrics(), tags)
