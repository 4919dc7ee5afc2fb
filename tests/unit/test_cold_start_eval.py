"""`recommender.cold_start_eval`: new users after a cut, scored against the popularity bars."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlplatform.recommender.cold_start_eval import cold_start_ndcg, compare_cold_start
from mlplatform.recommender.rankers import Popularity


def synthetic() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Old users like items 1-5 early; late in the period everyone (new users too) likes 6-8."""
    rng = np.random.default_rng(0)
    start = pd.Timestamp("1998-01-01", tz="UTC")
    rows = []
    for user in range(1, 41):
        for item in rng.choice(np.arange(1, 6), 3, replace=False):
            rows.append((user, int(item), 5.0, start + pd.Timedelta(days=int(rng.integers(0, 30)))))
    for user in range(30, 61):  # 41-60 are new after the cut; 30-40 rate recent hits in train
        for item in (6, 7, 8):
            day = 50 + int(rng.integers(0, 10)) if user <= 40 else 80 + int(rng.integers(0, 10))
            rows.append((user, item, 5.0, start + pd.Timedelta(days=day)))
    ratings = pd.DataFrame(rows, columns=["user_id", "item_id", "rating", "timestamp"])
    users = pd.DataFrame({"user_id": range(1, 61), "age": 30, "gender": "F"})
    return ratings.drop_duplicates(["user_id", "item_id"]), users


def test_recent_strategies_beat_all_time_popularity_for_new_users() -> None:
    ratings, users = synthetic()
    table = compare_cold_start(ratings, users, quantile=0.7).set_index("strategy")
    assert set(table["users"]) == {20}
    assert table.loc["recent_popularity_28d", "vs_recent_popularity"] == pytest.approx(1.0)
    assert table.loc["recently_liked (service)", "ndcg"] > table.loc["popularity", "ndcg"]
    assert table.loc["recent_popularity_28d", "ndcg"] > table.loc["popularity", "ndcg"]


def test_only_users_without_train_ratings_are_scored() -> None:
    ratings, _ = synthetic()
    cut = ratings["timestamp"].quantile(0.7)
    train, test = ratings[ratings["timestamp"] < cut], ratings[ratings["timestamp"] >= cut]
    _, n_users = cold_start_ndcg(train, test, Popularity())
    assert n_users == len(set(test["user_id"]) - set(train["user_id"]))
