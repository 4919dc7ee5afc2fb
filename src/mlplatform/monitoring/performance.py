"""Model performance on the requests whose labels have arrived, with Evidently metrics.

Labels come late (a rating days after the recommendation, a reviewer's check of an ID), so a
window's performance is measured on the rows `labelled_rows` keeps at `as_of`, next to the
reference's: MAE and RMSE of a regression target, the mean of a per-request score.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pandas as pd

from mlplatform.monitoring.windows import (
    MonitorSpec,
    WindowError,
    check_window,
    evidently_dataset,
    labelled_rows,
)

if TYPE_CHECKING:
    from evidently.core.report import Snapshot


@contextmanager
def quiet_regression_warnings() -> Iterator[None]:
    """Silence scikit-learn's R^2 warning, raised by Evidently's regression metrics on the side."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="R\\^2 score is not well-defined")
        yield


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
        return report.run(
            evidently_dataset(labelled, spec), evidently_dataset(reference_labelled, spec)
        )


def _metric_value(value: Any) -> float:
    """Evidently's metric value: a number, or {"mean", "std"} for MAE."""
    return float(value["mean"] if isinstance(value, dict) else value)


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
        snapshot = report.run(evidently_dataset(labelled, spec))
    return performance_values(snapshot)
