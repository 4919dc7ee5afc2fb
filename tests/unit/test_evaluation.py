"""The evaluation protocol on tiny synthetic data: folds, temporal metrics, ratios and slices."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from surprise import SVD, accuracy
from surprise.model_selection import KFold

from mlplatform.recommender.baselines import BiasBaseline, GlobalMean
from mlplatform.recommender.evaluation import (
    cross_validate,
    evaluate_ranking,
    ranking_protocol,
    rating_metrics,
    slice_metrics,
    summarise_folds,
    user_slices,
)
from mlplatform.recommender.models import make_model, to_dataset
from mlplatform.recommender.rankers import EASE, RatingRanker
from mlplatform.recommender.splits import split_by_time, split_last_per_user


def toy_ratings(n_users: int = 40, n_items: int = 30, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [
        (u, i) for u in range(1, n_users + 1) for i in range(1, n_items + 1) if rng.random() < 0.3
    ]
    frame = pd.DataFrame(rows, columns=["user_id", "item_id"]).astype(np.int32)
    taste = (frame["item_id"] % 5 + frame["user_id"] % 3) / 2  # some structure to learn
    frame["rating"] = np.clip(np.round(1 + taste + rng.normal(0, 0.7, len(frame))), 1, 5)
    frame["timestamp"] = pd.to_datetime("2021-01-01", utc=True) + pd.to_timedelta(
        rng.integers(0, 200, len(frame)), unit="D"
    )
    return frame.sort_values("timestamp", ignore_index=True)


@pytest.fixture(scope="module")
def ratings() -> pd.DataFrame:
    return toy_ratings()


def test_cross_validate_matches_surprise_on_the_same_folds(ratings: pd.DataFrame) -> None:
    folds = cross_validate({"svd": lambda: make_model("svd", n_factors=5)}, ratings, n_splits=3)
    expected = []
    for trainset, testset in KFold(n_splits=3, random_state=0, shuffle=True).split(
        to_dataset(ratings)
    ):
        algo = SVD(n_factors=5, random_state=0).fit(trainset)
        expected.append(accuracy.rmse(algo.test(testset), verbose=False))
    assert folds["rmse"].tolist() == pytest.approx(expected)
    assert folds["fold"].tolist() == [0, 1, 2]


def test_cross_validate_runs_course_baselines_and_summarises(ratings: pd.DataFrame) -> None:
    factories = {"mean": lambda: RatingRanker(GlobalMean()), "bias": BiasBaseline}
    folds = cross_validate(factories, ratings, n_splits=2)
    assert len(folds) == 4 and set(folds["model"]) == {"mean", "bias"}
    summary = summarise_folds(folds).set_index("model")
    assert summary.loc["bias", "rmse"] < summary.loc["mean", "rmse"]
    assert list(summary.columns) == ["rmse", "mae", "fit_seconds", "rmse_std"]


def test_rating_metrics_on_a_temporal_split(ratings: pd.DataFrame) -> None:
    table = rating_metrics({"bias": BiasBaseline}, split_last_per_user(ratings))
    assert table["model"].tolist() == ["bias"]
    assert 0 < table.loc[0, "mae"] <= table.loc[0, "rmse"] < 2


def test_evaluate_ranking_reports_both_baselines_and_ratios(ratings: pd.DataFrame) -> None:
    summary, per_user = evaluate_ranking(
        {"ease": lambda: EASE(reg=10.0)}, split_last_per_user(ratings)
    )
    assert summary["model"].tolist() == ["popularity", "recent_popularity", "ease"]
    by_model = summary.set_index("model")
    assert by_model.loc["popularity", "ndcg_vs_popularity"] == pytest.approx(1.0)
    assert by_model.loc["recent_popularity", "ndcg_vs_recent_popularity"] == pytest.approx(1.0)
    ease = by_model.loc["ease"]
    assert ease["ndcg_vs_popularity"] == pytest.approx(
        ease["ndcg"] / by_model.loc["popularity", "ndcg"]
    )
    assert 0 < ease["coverage"] <= 1 and ease["popularity_bias"] > 0
    assert set(per_user["model"]) == set(summary["model"])
    assert by_model.loc["ease", "users"] == (per_user["model"] == "ease").sum()


def test_ranking_protocol_covers_both_splits(ratings: pd.DataFrame) -> None:
    summary, per_user = ranking_protocol({}, ratings)
    assert summary["split"].unique().tolist() == ["global_time_cut", "last_20pct_per_user"]
    assert summary.columns[0] == "split" and set(per_user["split"]) == set(summary["split"])


def toy_users(n_users: int = 40) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": np.arange(1, n_users + 1, dtype=np.int32),
            "age": np.array([15, 22, 30, 40, 50, 60, 70, 33] * 5)[:n_users].astype(np.int16),
            "gender": pd.Categorical(["F" if u % 2 else "M" for u in range(1, n_users + 1)]),
        }
    )


def test_user_slices_bins_age_and_activity() -> None:
    train = pd.DataFrame({"user_id": [1] * 60 + [2] * 5, "item_id": range(65)})
    slices = user_slices(toy_users(3), train).set_index("user_id")
    assert slices.loc[1].tolist() == ["F", "<18", "medium (50-149)"]
    assert slices.loc[2].tolist() == ["M", "18-24", "light (1-49)"]
    assert slices.loc[3].tolist() == ["F", "25-34", "cold (0)"]


def test_slice_metrics_partition_the_users(ratings: pd.DataFrame) -> None:
    split = split_last_per_user(ratings)
    _, per_user = evaluate_ranking({}, split)
    table = slice_metrics(per_user, toy_users(), split.train)
    assert list(table.columns) == [
        "model",
        "slice",
        "group",
        "users",
        "precision",
        "recall",
        "ndcg",
        "map",
    ]
    counts = table.groupby(["model", "slice"])["users"].sum()
    assert (
        counts
        == per_user.groupby("model").size().reindex(counts.index.get_level_values(0)).to_numpy()
    ).all()


def test_new_users_are_cold_start_and_left_out_of_ndcg_warm(ratings: pd.DataFrame) -> None:
    split = split_by_time(ratings)
    late = split.test.iloc[:5].assign(user_id=1000, rating=5.0)  # a user first seen after the cut
    split = split._replace(test=pd.concat([split.test, late], ignore_index=True))
    summary, per_user = evaluate_ranking({}, split, cold_start_days=7)
    assert per_user.loc[per_user["user_id"] == 1000, "cold_start"].all()
    warm = per_user[~per_user["cold_start"] & (per_user["model"] == "popularity")]["ndcg"].mean()
    assert summary.set_index("model").loc["popularity", "ndcg_warm"] == pytest.approx(warm)
