"""Popularity (all-time and recent), implicit item-KNN, EASE and the rating-model adapter."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlplatform.recommender.baselines import BiasBaseline
from mlplatform.recommender.rankers import EASE, ItemKNN, Popularity, RatingRanker

TRAIN = pd.DataFrame(
    {
        "user_id": [1, 1, 1, 2, 2, 3, 3, 3, 3],
        "item_id": [10, 20, 30, 10, 40, 10, 20, 30, 50],
        "rating": [5.0, 4, 3, 5, 2, 4, 4, 1, 5],
        "timestamp": pd.to_datetime("2020-01-01", utc=True)
        + pd.to_timedelta([0, 0, 0, 0, 0, 60, 60, 60, 60], unit="D"),
    }
)
ITEMS = np.array([10, 20, 30, 40, 50, 60])


def test_popularity_counts_ratings_per_item() -> None:
    model = Popularity().fit(TRAIN)
    assert model.name == "popularity"
    assert model.score(np.array([1]), ITEMS).tolist() == [[3, 2, 2, 1, 1, 0]]


def test_recent_popularity_counts_only_the_last_days() -> None:
    model = Popularity(days=28).fit(TRAIN)
    assert model.name == "recent_popularity_28d"
    assert model.score(np.array([1, 2]), ITEMS).tolist() == [[1, 1, 1, 0, 1, 0]] * 2


@pytest.mark.parametrize("make", [ItemKNN, EASE])
def test_co_rated_items_score_higher(make) -> None:
    # Items 20 and 30 are always rated together; user 2 rated neither, user 9 is unknown.
    model = make().fit(TRAIN)
    scores = model.score(np.array([1, 9]), ITEMS)
    assert scores.shape == (2, 6)
    assert (scores[1] == 0).all() and scores[0, 5] == 0  # unknown user and unknown item
    ranked = model.score(np.array([3]), np.array([20, 40]))[0]
    assert ranked[0] > ranked[1]


def test_item_knn_keeps_k_neighbours_and_no_self_similarity() -> None:
    model = ItemKNN(k=2).fit(TRAIN)
    assert (np.diag(model.weights_) == 0).all()
    assert ((model.weights_ > 0).sum(axis=0) <= 2).all()


def test_ease_weights_have_a_zero_diagonal() -> None:
    model = EASE(reg=1.0).fit(TRAIN)
    assert np.allclose(np.diag(model.weights_), 0.0)
    assert model.weights_.shape == (5, 5)


def test_rating_ranker_scores_are_the_predictions() -> None:
    ranker = RatingRanker(BiasBaseline()).fit(TRAIN)
    assert ranker.name == "bias_baseline"
    grid = ranker.score(np.array([1, 2]), np.array([10, 50]))
    pairs = pd.DataFrame({"user_id": [1, 1, 2, 2], "item_id": [10, 50, 10, 50]})
    np.testing.assert_allclose(grid.ravel(), ranker.predict(pairs))
