"""Tests of mlplatform.recommender.champion_pipeline that need no data: its shape and arguments."""

from pathlib import Path

import yaml

from mlplatform.pipelines import compile_pipeline
from mlplatform.recommender.champion_pipeline import fast_arguments, release_pipeline


def test_the_pipeline_runs_validate_features_train_evaluate_register_in_order(
    tmp_path: Path,
) -> None:
    spec = yaml.safe_load(compile_pipeline(release_pipeline, tmp_path / "p.yaml").read_text())
    tasks = spec["root"]["dag"]["tasks"]
    after = {name: task.get("dependentTasks", []) for name, task in tasks.items()}
    assert after == {
        "validate-op": [],
        "features-op": ["validate-op"],
        "train-op": ["features-op"],
        "evaluate-op": ["features-op", "train-op"],
        "register-op": ["evaluate-op", "features-op", "train-op"],
    }


def test_fast_mode_registers_under_its_own_name_and_full_mode_under_the_real_one() -> None:
    assert fast_arguments(True)["model_name"] == "movie-recommender-fast"
    assert fast_arguments(True)["n_users"] == 200
    assert fast_arguments(False) == {}
