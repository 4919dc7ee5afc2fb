"""Evidently tests as a pass/fail gate for a window of requests.

The gate runs Evidently's tests on a current window against the reference: one drift test per
monitored column (the detector's), "share of drifted columns < `max_drifted_share`", and, when
limits are given, performance tests on the rows whose labels had arrived ("MAE <= max_mae",
"mean score >= min_score"). It passes only when every test passes. `drift_gate_op` is the same
gate as a pipeline step: it fails the run (and so stops, say, a retraining or a promotion) with the
names of the failed tests, and writes the report as an HTML artefact either way. The step and its
pipeline live in `drift_gate_pipeline` (this module imports no kfp: a step imports it).

Example:
    >>> result = run_gate(reference, current, spec, max_drifted_share=0.3)  # doctest: +SKIP
    >>> result.passed, result.failed  # doctest: +SKIP
    (False, ('Share of Drifted Columns: Less 0.300', 'Value Drift for column age'))
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from mlplatform.monitoring.detectors import get_detector
from mlplatform.monitoring.performance import performance_metrics, quiet_regression_warnings
from mlplatform.monitoring.windows import (
    MonitorSpec,
    WindowError,
    check_window,
    evidently_dataset,
    labelled_rows,
)


class DriftGateFailedError(RuntimeError):
    """The current window failed the gate's Evidently tests."""


@dataclass(frozen=True)
class GateResult:
    """The gate's decision, the tests that failed and the report's HTML."""

    passed: bool
    failed: tuple[str, ...]
    n_tests: int
    html: str


def run_gate(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    spec: MonitorSpec,
    detector: str = "evidently",
    max_drifted_share: float = 0.5,
    max_mae: float | None = None,
    min_score: float | None = None,
    as_of: pd.Timestamp | None = None,
) -> GateResult:
    """Run the gate's tests; performance tests only when a limit is given and labels arrived.

    Raises:
        WindowError: a window is empty or lacks a column, or a performance limit is given but no
            label had arrived by `as_of`.
    """
    from evidently import Report
    from evidently.metrics import DriftedColumnsCount
    from evidently.tests import gte, lte

    check_window(reference, spec, "reference")
    check_window(current, spec, "current")
    chosen = get_detector(detector)
    drift = [
        DriftedColumnsCount(
            columns=list(spec.drift_columns),
            drift_share=max_drifted_share,
            num_method=chosen.num_method,
            cat_method=chosen.cat_method,
            threshold=chosen.threshold,
        ),
        *chosen.metrics(spec),
    ]
    snapshots = [
        Report(drift, include_tests=True).run(
            evidently_dataset(current, spec), evidently_dataset(reference, spec)
        )
    ]
    limits = {"mae": [lte(max_mae)] if max_mae is not None else None}
    limits["score"] = [gte(min_score)] if min_score is not None else None
    if any(limits.values()):
        labelled = labelled_rows(current, spec, as_of)
        if labelled.empty:
            raise WindowError(
                f"a performance limit was given but no label had arrived by {as_of}: wait for "
                "the labels or drop max_mae/min_score."
            )
        wanted = [m for m in performance_metrics(spec, limits) if _has_tests(m)]
        data = evidently_dataset(labelled, spec)
        with quiet_regression_warnings():
            snapshots.append(Report(wanted, include_tests=False).run(data))
    tests = [test for snapshot in snapshots for test in snapshot.tests_results]
    failed = tuple(test.name for test in tests if test.status.value != "SUCCESS")
    html = "\n".join(snapshot.get_html_str(as_iframe=False) for snapshot in snapshots)
    return GateResult(passed=not failed, failed=failed, n_tests=len(tests), html=html)


def _has_tests(metric: object) -> bool:
    return bool(getattr(metric, "tests", None) or getattr(metric, "mean_tests", None))
