"""The release pipeline in fast mode: it registers, gates, and its champion recommends."""

import pytest

from mlplatform.pipelines import run_pipeline
from mlplatform.recommender import movielens
from mlplatform.recommender.champion import recommend_for_user
from mlplatform.recommender.champion_pipeline import fast_arguments, release_pipeline
from mlplatform.registry import CHAMPION, aliases, load_by_alias
from mlplatform.tracking import use_tracking_server

NAME = "movie-recommender-test"  # never the learner's registered models
# Measured: 200 users (seed 42), global time cut at 0.8, TorchConfig() defaults: RMSE 1.169.
FAST_RMSE = 1.169


def test_fast_release_registers_a_champion_that_recommends(platform) -> None:
    arguments = {**fast_arguments(True), "model_name": NAME, "experiment": NAME}
    result = run_pipeline(release_pipeline, arguments, platform)
    assert result.steps == ["evaluate-op", "features-op", "register-op", "train-op", "validate-op"]
    assert result.step_metrics("evaluate-op")["rmse"] == pytest.approx(FAST_RMSE, abs=0.02)
    assert "champion" in result.outputs["Output"]
    use_tracking_server(platform)
    assert CHAMPION in aliases(NAME)
    champion = load_by_alias(NAME, CHAMPION)
    ratings = movielens.sample_users(movielens.load_ratings(platform), 200, seed=42)
    known = int(ratings["user_id"].iloc[0])
    rated = ratings.loc[ratings["user_id"] == known, "item_id"]
    catalogue = ratings["item_id"].unique()
    for_known = recommend_for_user(champion, known, catalogue, rated)
    for_new = recommend_for_user(champion, -1, catalogue, attributes={"age": 25, "gender": "F"})
    assert len(for_known) == len(for_new) == 10
    assert not set(for_known["item_id"]) & set(rated)
