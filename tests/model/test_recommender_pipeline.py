"""The training pipeline on the real data gives the same RMSE as calling the baseline directly."""

import pytest

from mlplatform.pipelines import run_pipeline
from mlplatform.recommender.pipeline import reg_sweep_pipeline, training_pipeline

# Measured on ML-100K, global time cut at 0.8 (tests/model/test_baselines_quality.py): 1.034.
FULL_DATA_RMSE = 1.034


@pytest.mark.parametrize(("threshold", "approved"), [(1.1, True), (1.0, False)])
def test_training_pipeline_matches_the_baseline_and_gates(settings, threshold, approved) -> None:
    result = run_pipeline(training_pipeline, {"rmse_threshold": threshold}, settings)
    assert result.outputs["Output"] == pytest.approx(FULL_DATA_RMSE, abs=0.005)
    metrics = result.step_metrics("evaluate-op")
    assert metrics["rmse"] == pytest.approx(FULL_DATA_RMSE, abs=0.005)
    assert metrics["mae"] < metrics["rmse"]
    assert ("approve-op" in result.steps) is approved
    assert result.artifact_path("train-baseline-op", "model").stat().st_size > 1000


def test_sweep_picks_a_regularisation_from_the_grid(settings) -> None:
    # Measured on 300 sampled users (seed 42), time cut 0.8: reg 1 -> RMSE 1.115, reg 100 -> 1.156.
    result = run_pipeline(reg_sweep_pipeline, {"n_users": 300, "regs": [100.0, 1.0]}, settings)
    assert result.outputs["Output"] == 1.0
    assert sum(step.startswith("for-loop-1-iteration-") for step in result.steps) == 2
