"""The batch-scoring pipeline run for real in local mode (kfp.local), against the local MLflow.

A BaselineOnly model is registered as `batch-test-model` (re-registering finds the same version:
the fingerprint) and aliased `champion`; the pipeline loads it by alias in its own subprocess,
scores the first users of the real MovieLens (the worktree's `data/`, linked into a temporary home
so the run's artefacts stay out of the worktree) and writes the Parquet.
"""

from __future__ import annotations

import os
from pathlib import Path

import mlflow
import pandas as pd
import pytest

from mlplatform.config import load_settings
from mlplatform.pipelines import run_pipeline
from mlplatform.recommender import movielens
from mlplatform.recommender.batch_pipeline import batch_scoring_pipeline
from mlplatform.recommender.batch_scoring import COLUMNS
from mlplatform.recommender.champion import recommend_for_user
from mlplatform.recommender.models import make_model
from mlplatform.recommender.registered import log_and_register
from mlplatform.recommender.service_data import ServiceData
from mlplatform.registry import CHAMPION, load_by_alias, set_alias
from mlplatform.tracking import use_tracking_server

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.services]


@pytest.mark.skipif(
    not (ROOT / "data" / "ml-100k" / "ml-100k.inter").exists(), reason="needs `make data`"
)
def test_the_pipeline_scores_users_with_the_champion_loaded_by_alias(platform, tmp_path):
    for name in ("data", "datasets"):  # MovieLens and the checksums it is verified against
        (tmp_path / name).symlink_to(ROOT / name)
    settings = load_settings({**os.environ, "MLPLATFORM_HOME": str(tmp_path)})
    assert settings.mlflow_tracking_uri == platform.mlflow_tracking_uri
    ratings = movielens.load_ratings(settings)
    use_tracking_server(settings)
    mlflow.set_experiment("batch-test")
    run = log_and_register(
        make_model("baseline_only"), "baseline_only", {}, ratings.iloc[:8000],
        ratings.iloc[8000:9000], "batch-test-model",
    )  # fmt: skip
    set_alias("batch-test-model", CHAMPION, run.version.version)

    result = run_pipeline(
        batch_scoring_pipeline, {"model_name": "batch-test-model", "k": 4, "n_users": 3}, settings
    )
    assert result.outputs["Output"] == str(run.version.version)
    assert result.steps == ["score-op"]  # push_online is off: the condition skipped its step
    table = pd.read_parquet(result.artifact_path("score-op", "scores"))
    assert list(table.columns) == COLUMNS and len(table) == 12
    assert table["user_id"].unique().tolist() == [1, 2, 3]
    assert set(table["model_version"]) == {str(run.version.version)}
    assert result.step_metrics("score-op")["users"] == 3

    data = ServiceData.from_movielens(settings)
    champion = load_by_alias("batch-test-model", CHAMPION)
    online = recommend_for_user(champion, 2, data.catalogue, data.rated[2], 4)
    assert table[table["user_id"] == 2]["item_id"].tolist() == online["item_id"].tolist()
