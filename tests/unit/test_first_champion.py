"""`recommender.first_champion`: a model without a champion gets one; one with a champion keeps it."""

from __future__ import annotations

import mlflow
import pytest
from recommender_fakes import frames

from mlplatform.recommender.first_champion import ensure_champion
from mlplatform.registry import CHAMPION, aliases, set_alias
from mlplatform.tracking import temporary_tracking_uri

NAME = "movie-recommender-first-champion-test"


@pytest.fixture
def registry(tmp_path):
    with temporary_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}"):
        mlflow.set_experiment(experiment_id=mlflow.MlflowClient().create_experiment(
            "first", artifact_location=str(tmp_path / "artifacts")))  # fmt: skip
        yield


def test_a_champion_is_trained_once_and_then_kept(registry) -> None:
    ratings = frames()[0]
    first = ensure_champion(NAME, ratings)
    assert first.trained_now and aliases(NAME)[CHAMPION] == first.version == 1
    assert "trained and registered just now" in first.describe(NAME)
    again = ensure_champion(NAME, ratings)
    assert (again.version, again.trained_now) == (1, False)
    assert f"{NAME}@champion is v1 (already registered)" == again.describe(NAME)


def test_an_existing_champion_is_not_replaced(registry) -> None:
    ensure_champion(NAME, frames(0)[0])
    ensure_champion(NAME + "-other", frames(1)[0])
    set_alias(NAME, CHAMPION, 1)
    assert ensure_champion(NAME, frames(1)[0]).version == 1
    assert len(mlflow.MlflowClient().search_model_versions(f"name='{NAME}'")) == 1
