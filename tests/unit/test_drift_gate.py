# No `from __future__ import annotations`: the pipeline module is read by KFP.
"""The drift gate: Evidently tests as pass/fail, directly and as a local pipeline step."""

from pathlib import Path

import pytest
from monitoring_windows import SPEC, requests

from mlplatform.config import Settings
from mlplatform.monitoring.drift_gate import run_gate
from mlplatform.monitoring.drift_gate_pipeline import drift_gate_pipeline
from mlplatform.monitoring.windows import WindowError
from mlplatform.pipelines import PipelineStepFailedError, run_pipeline


@pytest.fixture(scope="module")
def reference():
    return requests(1000, seed=0)


def test_the_gate_passes_a_clean_window_and_fails_a_drifted_one(reference) -> None:
    clean = run_gate(reference, requests(300, seed=1), SPEC, max_drifted_share=0.5)
    drifted = run_gate(reference, requests(300, seed=2, shift=1.0), SPEC, max_drifted_share=0.5)
    assert clean.passed and clean.failed == ()
    assert not drifted.passed
    assert "Share of Drifted Columns: Less 0.500" in drifted.failed
    assert drifted.n_tests == 1 + len(SPEC.drift_columns)
    assert "<html" in drifted.html.lower()


def test_a_performance_limit_fails_a_worse_model_on_its_arrived_labels(reference) -> None:
    worse = requests(300, seed=3, error=1.5)
    as_of = worse["label_time"].iloc[149]
    result = run_gate(reference, worse, SPEC, detector="psi", max_drifted_share=0.9, max_mae=0.6,
                      as_of=as_of)  # fmt: skip
    assert not result.passed
    assert any(
        name.startswith("Mean Absolute Error: Less or Equal 0.600") for name in result.failed
    )
    with pytest.raises(WindowError, match="no label had arrived"):
        run_gate(reference, worse, SPEC, max_mae=0.6, as_of=worse["served_at"].min())


def _windows(tmp_path: Path, reference, current) -> dict:
    reference.to_parquet(tmp_path / "reference.parquet")
    current.to_parquet(tmp_path / "current.parquet")
    return {
        "reference_uri": str(tmp_path / "reference.parquet"),
        "current_uri": str(tmp_path / "current.parquet"),
        "spec": SPEC.to_dict(),
    }


def test_the_pipeline_step_passes_a_clean_window(
    local: Settings, tmp_path: Path, reference
) -> None:
    result = run_pipeline(
        drift_gate_pipeline, _windows(tmp_path, reference, requests(200, seed=4)), local
    )
    assert result.status == "SUCCEEDED"
    assert result.outputs == {"Output": f"passed {1 + len(SPEC.drift_columns)} tests"}
    assert "<html" in result.artifact_path("drift-gate-op", "report").read_text().lower()


def test_the_pipeline_step_fails_on_a_drifted_window(
    local: Settings, tmp_path: Path, reference
) -> None:
    drifted = requests(200, seed=5, shift=1.0)
    with pytest.raises(PipelineStepFailedError, match="drift-gate-op") as info:
        run_pipeline(drift_gate_pipeline, _windows(tmp_path, reference, drifted), local)
    assert "drift gate failed" in str(info.value)
    assert "Share of Drifted Columns" in str(info.value)
