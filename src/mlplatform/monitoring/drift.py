"""Compare a reference window of requests with a current one, with Evidently 0.7 reports.

A window is a DataFrame of logged requests: the features the model saw, its prediction, when it
was served and, once it arrives, the label (a rating, a verified ID). `MonitorSpec` names those
columns; it is all this module knows of a project. Three questions, one report each:

- data drift per feature: `drift_report` (Evidently's `DataDriftPreset`, one test per column);
- prediction drift: the same report, with a `ValueDrift` of the prediction column;
- performance once labels arrive: `performance_report`, on the rows whose label had arrived at
  `as_of` (`labelled_rows`), next to the reference's performance. Labels come late (a rating days
  after the recommendation, a reviewer's check of an ID), so a window's performance is always
  measured on part of it; `WindowSummary.label_coverage` says how much.

Both reports are Evidently `Snapshot`s: a notebook shows one inline by ending a cell with it (or
`report_html(snapshot)`), `.dict()`/`.json()` give the numbers, `.save_html(path)` a file.
`summarize_window` keeps the key numbers and `log_window_summary` logs them to MLflow through
`mlplatform.tracking.log_run`.

Example:
    >>> spec = MonitorSpec(numerical=("age",), categorical=("gender",), prediction="prediction")
    >>> drift_report(reference, current, spec)  # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from evidently import DataDefinition
    from evidently.core.report import Snapshot


class WindowError(ValueError):
    """A window cannot be monitored: it is empty, not a DataFrame, or lacks a column."""


@dataclass(frozen=True)
class MonitorSpec:
    """Which columns of a request log are monitored, and how.

    `target` is a regression label (MAE and RMSE of `prediction` against it); `score` is a
    per-request quality known once the label arrives (1 for a correct read, an IoU); a window
    may have either or both. `label_time` is when each row's label arrived.
    """

    numerical: tuple[str, ...]
    categorical: tuple[str, ...] = ()
    prediction: str | None = None
    target: str | None = None
    score: str | None = None
    label_time: str = "label_time"

    @property
    def features(self) -> tuple[str, ...]:
        """The input features, numerical first."""
        return (*self.numerical, *self.categorical)

    @property
    def drift_columns(self) -> tuple[str, ...]:
        """Everything checked for drift: the features and the prediction."""
        return (*self.features, *((self.prediction,) if self.prediction else ()))

    @property
    def has_labels(self) -> bool:
        """Whether windows carry a label to measure performance with."""
        return bool(self.target or self.score)

    def data_definition(self) -> DataDefinition:
        """Evidently's column map: types, and the regression task when there is a target."""
        from evidently import DataDefinition, Regression

        numerical = [*self.numerical, *(c for c in (self.prediction, self.target) if c)]
        if self.score:
            numerical.append(self.score)
        regression = None
        if self.target and self.prediction:
            regression = [Regression(target=self.target, prediction=self.prediction)]
        return DataDefinition(
            numerical_columns=list(dict.fromkeys(numerical)),
            categorical_columns=list(self.categorical),
            regression=regression,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form without unset fields (what a pipeline step receives as a parameter)."""
        return {
            key: list(v) if isinstance(v, tuple) else v
            for key, v in asdict(self).items()
            if v is not None
        }

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> MonitorSpec:
        """The inverse of `to_dict`."""
        known = {key: values[key] for key in cls.__dataclass_fields__ if key in values}
        for key in ("numerical", "categorical"):
            if key in known:
                known[key] = tuple(known[key])
        return cls(**known)


def check_window(frame: pd.DataFrame, spec: MonitorSpec, name: str = "current") -> pd.DataFrame:
    """Return `frame` if it can be monitored with `spec`.

    Raises:
        WindowError: not a DataFrame, no rows, or a monitored column is missing (the message
            lists the missing columns and the ones the window has).
    """
    if not isinstance(frame, pd.DataFrame):
        raise WindowError(f"the {name} window must be a pandas DataFrame, got {type(frame)}.")
    if frame.empty:
        raise WindowError(
            f"the {name} window has no rows: widen its time range or wait for more requests."
        )
    missing = [column for column in spec.drift_columns if column not in frame.columns]
    if missing:
        raise WindowError(
            f"the {name} window lacks the monitored column(s) {missing}; it has "
            f"{list(frame.columns)}. Log them with each request or remove them from the spec."
        )
    return frame


def labelled_rows(
    window: pd.DataFrame, spec: MonitorSpec, as_of: pd.Timestamp | None = None
) -> pd.DataFrame:
    """The rows whose label had arrived by `as_of` (all labelled rows when `as_of` is None).

    A row's label has arrived when `spec.label_time` is set and not later than `as_of`, and the
    label column itself is filled.

    Raises:
        WindowError: the spec has no label, or the window lacks the label columns.
    """
    if not spec.has_labels:
        raise WindowError("this MonitorSpec has no target or score column: nothing to measure.")
    needed = [c for c in (spec.label_time, spec.target, spec.score) if c]
    missing = [c for c in needed if c not in window.columns]
    if missing:
        raise WindowError(
            f"the window lacks the label column(s) {missing}; it has {list(window.columns)}."
        )
    arrived = window[spec.label_time].notna()
    if as_of is not None:
        arrived &= window[spec.label_time] <= as_of
    for column in (spec.target, spec.score):
        if column:
            arrived &= window[column].notna()
    return window[arrived]


@contextmanager
def quiet_regression_warnings() -> Iterator[None]:
    """Silence scikit-learn's R^2 warning, raised by Evidently's regression metrics on the side."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="R\\^2 score is not well-defined")
        yield


def _dataset(frame: pd.DataFrame, spec: MonitorSpec):
    from evidently import Dataset

    return Dataset.from_pandas(frame, data_definition=spec.data_definition())


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
    return report.run(_dataset(current, spec), _dataset(reference, spec))


def performance_metrics(spec: MonitorSpec, tests: Mapping[str, list[Any]] | None = None) -> list:
    """Evidently metrics for the spec's labels: MAE and RMSE of a target, the mean of a score.

    `tests` maps "mae", "rmse" or "score" to Evidently test conditions (`lte(0.9)`, ...).
    """
    from evidently.metrics import MAE, RMSE, MeanValue

    tests = dict(tests or {})
    metrics: list[Any] = []
    if spec.target and spec.prediction:
        metrics += [MAE(mean_tests=tests.get("mae")), RMSE(tests=tests.get("rmse"))]
    if spec.score:
        metrics.append(MeanValue(column=spec.score, tests=tests.get("score")))
    return metrics


def performance_report(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    spec: MonitorSpec,
    as_of: pd.Timestamp | None = None,
    tests: Mapping[str, list[Any]] | None = None,
) -> Snapshot:
    """Performance on the current rows labelled by `as_of`, beside the reference's.

    Raises:
        WindowError: no label of the current window had arrived by `as_of` (say how long labels
            take, and wait), or a label column is missing.
    """
    from evidently import Report

    labelled = labelled_rows(check_window(current, spec), spec, as_of)
    if labelled.empty:
        raise WindowError(
            f"none of the {len(current)} requests had its label by {as_of}: performance needs "
            "labelled rows; wait for the labels (see the spec's label_time column)."
        )
    reference_labelled = labelled_rows(check_window(reference, spec, "reference"), spec)
    report = Report(performance_metrics(spec, tests), include_tests=False)
    with quiet_regression_warnings():
        return report.run(_dataset(labelled, spec), _dataset(reference_labelled, spec))


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


def _metric_value(value: Any) -> float:
    """Evidently's metric value: a number, or {"mean", "std"} for MAE."""
    return float(value["mean"] if isinstance(value, dict) else value)


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


def performance_values(snapshot: Snapshot) -> dict[str, float]:
    """The MAE, RMSE and mean score of the current data of a `performance_report`."""
    names = {"MAE": "mae", "RMSE": "rmse", "MeanValue": "score"}
    found = {}
    for metric in snapshot.dict()["metrics"]:
        name = names.get(metric["config"].get("type", "").rsplit(":", 1)[-1])
        if name:
            found[name] = _metric_value(metric["value"])
    return found


def reference_performance(reference: pd.DataFrame, spec: MonitorSpec) -> dict[str, float]:
    """The performance metrics on every labelled row of the reference window."""
    from evidently import Report

    labelled = labelled_rows(check_window(reference, spec, "reference"), spec)
    if labelled.empty:
        raise WindowError("the reference window has no labelled rows: label it first.")
    with quiet_regression_warnings():
        report = Report(performance_metrics(spec), include_tests=False)
        snapshot = report.run(_dataset(labelled, spec))
    return performance_values(snapshot)


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
