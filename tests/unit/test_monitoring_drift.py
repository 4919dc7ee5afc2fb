"""Drift reports, detectors and delayed-label performance on seeded synthetic request logs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from monitoring_windows import SPEC, requests

from mlplatform.monitoring.detectors import (
    DETECTORS,
    false_alarm_rate,
    first_alarm,
    get_detector,
    tumbling_windows,
)
from mlplatform.monitoring.drift import drift_report, report_html, summarize_window
from mlplatform.monitoring.performance import performance_report
from mlplatform.monitoring.windows import MonitorSpec, WindowError, labelled_rows


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return requests(1500, seed=0)


@pytest.mark.parametrize("name", sorted(DETECTORS))
def test_a_strong_shift_is_detected_by_every_detector(reference, name) -> None:
    verdict = get_detector(name).detect(reference, requests(300, seed=1, shift=1.0), SPEC)
    assert verdict.drifted
    assert {"age", "history", "segment"} <= set(verdict.drifted_columns)
    assert set(verdict.scores) == set(SPEC.drift_columns)


# Expected false alarms on 300-row windows of 4 columns: p-value tests at 0.05 about 19%; Evidently's
# normed Wasserstein (its choice above 1,000 reference rows) at 0.1 about 40% with any column.
@pytest.mark.parametrize(
    ("name", "most"),
    [("evidently", 1), ("evidently_any", 5), ("psi", 3), ("ks", 3), ("ks_bonferroni", 1)],
)
def test_unshifted_windows_mostly_raise_no_alarm(reference, name, most) -> None:
    windows = [requests(300, seed=10 + k) for k in range(8)]
    rate, n = false_alarm_rate(get_detector(name), reference, windows, SPEC)
    assert n == 8
    assert rate <= most / 8


def test_first_alarm_counts_the_requests_of_every_window_seen(reference) -> None:
    stream = pd.concat([requests(200, seed=20), requests(200, seed=21, shift=1.0)])
    windows = list(tumbling_windows(stream, 100))
    assert len(windows) == 4
    assert first_alarm(DETECTORS["ks"], reference, windows, SPEC) in (100, 200, 300)
    assert first_alarm(DETECTORS["ks"], reference, windows[2:], SPEC) == 100


def test_prediction_drift_is_reported_apart_from_the_features(reference) -> None:
    worse = requests(300, seed=2, error=1.5)  # same features, a noisier model
    summary = summarize_window(reference, worse, SPEC, num_method="ks", cat_method="chisquare")
    assert "prediction" in summary.drifted_columns
    assert not {"age", "history"} & set(summary.drifted_columns)
    assert summary.performance["mae"] > 1.5 * summary.reference_performance["mae"]


def test_performance_uses_only_the_labels_that_have_arrived(reference) -> None:
    current = requests(240, seed=3)
    as_of = current["served_at"].iloc[99] + pd.Timedelta(days=3)  # labels of the first 100 rows
    assert len(labelled_rows(current, SPEC, as_of)) == 100
    summary = summarize_window(reference, current, SPEC, as_of=as_of)
    assert (summary.n_labelled, summary.label_coverage) == (100, pytest.approx(100 / 240))
    first = current.iloc[:100]
    expected = float(np.mean(np.abs(first["rating"] - first["prediction"])))
    assert summary.performance["mae"] == pytest.approx(expected)
    assert summary.metrics()["labelled"] == 100


def test_no_arrived_label_is_a_clear_error(reference) -> None:
    current = requests(50, seed=4)
    with pytest.raises(WindowError, match="none of the 50 requests had its label"):
        performance_report(reference, current, SPEC, as_of=current["served_at"].max())


def test_an_empty_window_is_a_clear_error(reference) -> None:
    with pytest.raises(WindowError, match="current window has no rows"):
        DETECTORS["evidently"].detect(reference, reference.iloc[:0], SPEC)


def test_a_missing_column_is_named(reference) -> None:
    with pytest.raises(WindowError, match=r"lacks the monitored column\(s\) \['segment'\]"):
        drift_report(reference, requests(50, seed=5).drop(columns="segment"), SPEC)
    with pytest.raises(WindowError, match="must be a pandas DataFrame"):
        drift_report(reference, [1, 2], SPEC)


def test_the_report_renders_to_html_and_numbers(reference) -> None:
    snapshot = drift_report(reference, requests(200, seed=6, shift=1.0), SPEC)
    html = report_html(snapshot)
    assert html.lstrip().startswith("<") and "age" in html
    names = [metric["metric_name"] for metric in snapshot.dict()["metrics"]]
    assert any(name.startswith("ValueDrift(column=prediction") for name in names)


def test_the_spec_survives_a_round_trip_through_a_pipeline_parameter() -> None:
    assert MonitorSpec.from_dict(SPEC.to_dict()) == SPEC
    assert "score" not in SPEC.to_dict()  # unset fields are left out (KFP rejects None)


def test_an_unknown_detector_lists_the_known_ones() -> None:
    with pytest.raises(
        KeyError, match="choose one of evidently, evidently_any, psi, ks, ks_bonferroni"
    ):
        get_detector("adwin")


@pytest.mark.services
def test_the_summary_is_logged_to_mlflow(platform, reference) -> None:
    from mlplatform.monitoring.drift import log_window_summary
    from mlplatform.tracking import tracking_client

    summary = summarize_window(reference, requests(200, seed=7, shift=1.0), SPEC)
    run_id = log_window_summary(summary, "monitoring-tests", "window-1", {"detector": "default"})
    run = tracking_client().get_run(run_id)
    assert run.data.metrics["drifted_share"] == pytest.approx(summary.drifted_share)
    assert run.data.metrics["drift.age"] == pytest.approx(summary.drift_scores["age"])
    assert "age" in run.data.tags["monitoring.drifted_columns"]
