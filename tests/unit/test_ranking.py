"""Top-k lists (never an already-rated item, cold start gets popularity) and hand-worked metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlplatform.recommender.baselines import GlobalMean
from mlplatform.recommender.metrics import ndcg_at_k, precision_at_k
from mlplatform.recommender.rankers import RatingRanker
from mlplatform.recommender.ranking import (
    NO_ITEM,
    Recommendations,
    list_metrics,
    per_user_metrics,
    recommend,
    relevant_items,
)

TRAIN = pd.DataFrame(
    {
        "user_id": [1, 1, 1, 2, 2, 3, 3, 3, 3],
        "item_id": [10, 20, 30, 10, 40, 10, 20, 30, 50],
        "rating": [5.0, 4, 3, 5, 2, 4, 4, 1, 5],
    }
)


class RandomScores:
    """A ranker with random scores: the rules must hold whatever the model says."""

    name = "random"

    def fit(self, train: pd.DataFrame) -> RandomScores:
        return self

    def score(self, user_ids: np.ndarray, item_ids: np.ndarray) -> np.ndarray:
        return np.random.default_rng(0).normal(size=(len(user_ids), len(item_ids)))


def test_never_recommends_an_item_the_user_rated() -> None:
    recs = recommend(RandomScores(), TRAIN, np.array([1, 2, 3]), k=5)
    for user, row in zip(recs.users, recs.items, strict=True):
        rated = set(TRAIN.loc[TRAIN["user_id"] == user, "item_id"])
        shown = set(row[row != NO_ITEM].tolist())
        assert not shown & rated
        assert shown == {10, 20, 30, 40, 50} - rated  # everything else, as the list is long enough


def test_short_candidate_lists_are_padded() -> None:
    recs = recommend(RandomScores(), TRAIN, np.array([3]), k=3)
    assert recs.items.tolist() == [[40, NO_ITEM, NO_ITEM]]
    assert recs.to_frame().to_dict("list") == {"user_id": [3], "rank": [1], "item_id": [40]}


def test_cold_start_users_get_popularity() -> None:
    recs = recommend(RandomScores(), TRAIN, np.array([1, 99]), k=3)
    assert recs.cold.tolist() == [False, True]
    assert recs.items[1].tolist() == [10, 20, 30]  # 3, 2 and 2 ratings; ties by item id


def test_cold_start_fallback_can_be_chosen() -> None:
    class NewestIds(RandomScores):
        def score(self, user_ids: np.ndarray, item_ids: np.ndarray) -> np.ndarray:
            return np.tile(np.asarray(item_ids, dtype=float), (len(user_ids), 1))

    recs = recommend(RandomScores(), TRAIN, np.array([99]), k=2, fallback=NewestIds())
    assert recs.items.tolist() == [[50, 40]] and recs.cold.tolist() == [True]


def test_ties_are_broken_by_item_id() -> None:
    ranker = RatingRanker(GlobalMean()).fit(TRAIN)
    recs = recommend(ranker, TRAIN, np.array([2]), k=3)
    assert recs.items.tolist() == [[20, 30, 50]]


def test_catalogue_limits_the_candidates() -> None:
    recs = recommend(RandomScores(), TRAIN, np.array([2]), k=3, catalogue=np.array([50, 10, 60]))
    assert sorted(recs.items[0].tolist()) == [NO_ITEM, 50, 60]  # 10 is rated, 20-40 not offered


def test_k_must_be_positive() -> None:
    with pytest.raises(ValueError, match="k must be at least 1"):
        recommend(RandomScores(), TRAIN, np.array([1]), k=0)


def hand_recs() -> Recommendations:
    return Recommendations(
        users=np.array([1, 2, 3]),
        items=np.array([[10, 20, 30], [5, 6, 7], [1, 2, 3]]),
        cold=np.array([False, False, True]),
    )


HAND_RELEVANT = pd.DataFrame({"user_id": [1, 1, 2, 2, 2, 2], "item_id": [20, 40, 5, 6, 7, 8]})


@pytest.mark.parametrize(
    ("user", "precision", "recall", "ndcg", "ap"),
    [
        # user 1: a hit at rank 2 of 3; two relevant items.
        (1, 1 / 3, 1 / 2, (1 / np.log2(3)) / (1 + 1 / np.log2(3)), (1 / 2) / 2),
        # user 2: three hits in three; four relevant items (ideal DCG capped at k=3).
        (2, 1.0, 3 / 4, 1.0, 1.0),
    ],
)
def test_per_user_metrics_by_hand(user, precision, recall, ndcg, ap) -> None:
    frame = per_user_metrics(hand_recs(), HAND_RELEVANT).set_index("user_id")
    row = frame.loc[user]
    assert row[["precision", "recall", "ndcg", "ap"]].tolist() == pytest.approx(
        [precision, recall, ndcg, ap]
    )


def test_users_without_relevant_items_are_left_out() -> None:
    frame = per_user_metrics(hand_recs(), HAND_RELEVANT)
    assert frame["user_id"].tolist() == [1, 2]
    assert frame["n_relevant"].tolist() == [2, 4]


def test_vectorised_metrics_agree_with_the_per_list_functions() -> None:
    rng = np.random.default_rng(1)
    items = np.array([rng.choice(50, size=10, replace=False) for _ in range(30)])
    recs = Recommendations(np.arange(30), items, np.zeros(30, dtype=bool))
    relevant = pd.DataFrame(
        {"user_id": rng.integers(0, 30, 200), "item_id": rng.integers(0, 50, 200)}
    )
    relevant = relevant.drop_duplicates()
    frame = per_user_metrics(recs, relevant).set_index("user_id")
    for user, row in frame.iterrows():
        wanted = set(relevant.loc[relevant["user_id"] == user, "item_id"])
        assert row["precision"] == pytest.approx(precision_at_k(items[user], wanted, 10))
        assert row["ndcg"] == pytest.approx(ndcg_at_k(items[user], wanted, 10))


def test_relevant_means_rated_four_or_more() -> None:
    test = pd.DataFrame({"user_id": [1, 1, 1], "item_id": [1, 2, 3], "rating": [3.5, 4.0, 5.0]})
    assert relevant_items(test)["item_id"].tolist() == [2, 3]


def test_coverage_and_popularity_bias() -> None:
    recs = Recommendations(np.array([1, 2]), np.array([[10, 20], [10, NO_ITEM]]), np.zeros(2, bool))
    metrics = list_metrics(recs, TRAIN, catalogue_size=5)
    assert metrics["coverage"] == pytest.approx(2 / 5)
    assert metrics["popularity_bias"] == pytest.approx((3 + 2 + 3) / 3)  # counts of 10, 20, 10
