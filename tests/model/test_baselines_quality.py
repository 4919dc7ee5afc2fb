"""Metric floors for the baselines on the real data, with tolerances (full data: a few seconds)."""

import pytest

from mlplatform.recommender import movielens
from mlplatform.recommender.baselines import BiasBaseline, GlobalMean
from mlplatform.recommender.metrics import rmse
from mlplatform.recommender.splits import split_by_time, split_last_per_user


@pytest.fixture(scope="module")
def ratings(settings):
    return movielens.load_ratings(settings)


@pytest.mark.parametrize(
    ("split", "mean_rmse", "bias_rmse"),
    # Measured on ML-100K: global cut 1.119 / 1.034; per-user last 20% 1.210 / 1.019.
    [(split_by_time, 1.119, 1.034), (split_last_per_user, 1.210, 1.019)],
)
def test_bias_baseline_beats_the_global_mean(ratings, split, mean_rmse, bias_rmse) -> None:
    train, test = split(ratings)
    global_rmse = rmse(test["rating"], GlobalMean().fit(train).predict(test))
    bias = rmse(test["rating"], BiasBaseline().fit(train).predict(test))
    assert global_rmse == pytest.approx(mean_rmse, abs=0.01)
    assert bias == pytest.approx(bias_rmse, abs=0.02)
    assert bias < global_rmse - 0.05
