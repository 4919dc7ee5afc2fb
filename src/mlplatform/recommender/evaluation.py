"""The recommender evaluation protocol of design.md section 9, as functions returning tidy frames.

- Rating metrics (RMSE, MAE): surprise's `KFold(n_splits=5, random_state=0, shuffle=True)`, the
  folds of surprise's published table, and a temporal split (`rating_metrics`).
- Ranking metrics at k=10 (precision, recall, NDCG, MAP, coverage, popularity bias), relevant =
  held-out rating >= 4, candidates = train items the user has not rated, on two temporal splits:
  `global_time_cut` (80th percentile of timestamps) and `last_20pct_per_user`. Each model's NDCG is
  divided by both popularity baselines': `ndcg_vs_popularity` (all-time) and
  `ndcg_vs_recent_popularity` (the last `recent_days` days of train).
- Per-slice metrics (gender, age group, activity level) for a first look at fairness.

Models are passed as factories (`{"svd": lambda: make_model("svd")}`) so every split and fold
fits a fresh, seeded model.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
from surprise.model_selection import KFold

from mlplatform.recommender.metrics import mae, rmse
from mlplatform.recommender.models import (
    Ranker,
    RatingModel,
    SurpriseModel,
    to_dataset,
    trainset_frame,
)
from mlplatform.recommender.rankers import Popularity
from mlplatform.recommender.ranking import (
    list_metrics,
    per_user_metrics,
    recommend,
    relevant_items,
)
from mlplatform.recommender.splits import Split, split_by_time, split_last_per_user

SPLITS: Mapping[str, Callable[[pd.DataFrame], Split]] = {
    "global_time_cut": split_by_time,
    "last_20pct_per_user": split_last_per_user,
}
RANKING_COLUMNS = ["precision", "recall", "ndcg", "ap"]
AGE_BINS = [0, 18, 25, 35, 45, 55, 200]
AGE_LABELS = ["<18", "18-24", "25-34", "35-44", "45-54", "55+"]
ACTIVITY_BINS = [-1, 0, 49, 149, 100_000]
ACTIVITY_LABELS = ["cold (0)", "light (1-49)", "medium (50-149)", "heavy (150+)"]

Factories = Mapping[str, Callable[[], Ranker]]


def _pairs_frame(testset: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(testset, columns=["user_id", "item_id", "rating"])


def cross_validate(
    factories: Mapping[str, Callable[[], RatingModel]],
    ratings: pd.DataFrame,
    n_splits: int = 5,
    random_state: int = 0,
) -> pd.DataFrame:
    """RMSE, MAE and fit seconds of each model on each surprise K-fold (one row per model x fold)."""
    data = to_dataset(ratings)
    rows = []
    folds = KFold(n_splits=n_splits, random_state=random_state, shuffle=True)
    for fold, (trainset, testset) in enumerate(folds.split(data)):
        test = _pairs_frame(testset)
        train_frame = None
        for name, factory in factories.items():
            model = factory()
            start = time.perf_counter()
            if isinstance(model, SurpriseModel):
                model.fit_trainset(trainset)
            else:
                train_frame = trainset_frame(trainset) if train_frame is None else train_frame
                model.fit(train_frame)
            seconds = time.perf_counter() - start
            predicted = model.predict(test)
            rows.append(
                {
                    "model": name,
                    "fold": fold,
                    "rmse": rmse(test["rating"], predicted),
                    "mae": mae(test["rating"], predicted),
                    "fit_seconds": seconds,
                }
            )
    return pd.DataFrame(rows)


def summarise_folds(folds: pd.DataFrame) -> pd.DataFrame:
    """Mean RMSE/MAE/fit seconds per model and the RMSE's standard deviation over folds."""
    grouped = folds.groupby("model", sort=False)
    summary = grouped[["rmse", "mae", "fit_seconds"]].mean()
    summary["rmse_std"] = grouped["rmse"].std(ddof=0)
    return summary.reset_index()


def rating_metrics(
    factories: Mapping[str, Callable[[], RatingModel]], split: Split
) -> pd.DataFrame:
    """RMSE, MAE and fit seconds of each model on one train/test split."""
    rows = []
    for name, factory in factories.items():
        start = time.perf_counter()
        model = factory().fit(split.train)
        seconds = time.perf_counter() - start
        predicted = model.predict(split.test)
        rows.append(
            {
                "model": name,
                "rmse": rmse(split.test["rating"], predicted),
                "mae": mae(split.test["rating"], predicted),
                "fit_seconds": seconds,
            }
        )
    return pd.DataFrame(rows)


def popularity_baselines(recent_days: int = 28) -> dict[str, Callable[[], Ranker]]:
    """The two bars every ranker is compared with: all-time and recent popularity."""
    return {"popularity": Popularity, "recent_popularity": lambda: Popularity(days=recent_days)}


def evaluate_ranking(
    factories: Factories,
    split: Split,
    k: int = 10,
    recent_days: int = 28,
    cold_start_days: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ranking metrics of the popularity baselines and each model on one split.

    Users with no train ratings get popularity over the last `cold_start_days` days (all-time
    when None) from every model, so on the global cut most differences come from returning users:
    `ndcg_warm` is the NDCG over those users only.

    Returns:
        (summary, per_user): one row per model with the mean metrics (`map` is the mean AP),
        coverage, popularity bias, users evaluated, fit and recommend seconds and the NDCG
        ratios to both baselines; and the per-user metrics with a `model` column.
    """
    train, test = split
    relevant = relevant_items(test)
    users = np.sort(relevant["user_id"].unique())
    catalogue = np.sort(train["item_id"].unique())
    fallback = Popularity(days=cold_start_days).fit(train)
    rows, per_user = [], []
    for name, factory in {**popularity_baselines(recent_days), **factories}.items():
        start = time.perf_counter()
        model = factory().fit(train)
        fitted = time.perf_counter()
        recs = recommend(model, train, users, k=k, catalogue=catalogue, fallback=fallback)
        scored = per_user_metrics(recs, relevant).assign(model=name)
        per_user.append(scored)
        means = scored[RANKING_COLUMNS].mean().rename({"ap": "map"}).to_dict()
        rows.append(
            {
                "model": name,
                **means,
                "ndcg_warm": scored.loc[~scored["cold_start"], "ndcg"].mean(),
                **list_metrics(recs, train, len(catalogue)),
                "users": len(scored),
                "cold_start_users": int(scored["cold_start"].sum()),
                "fit_seconds": fitted - start,
                "recommend_seconds": time.perf_counter() - fitted,
            }
        )
    summary = pd.DataFrame(rows)
    for baseline in ("popularity", "recent_popularity"):
        bar = summary.loc[summary["model"] == baseline, "ndcg"].iloc[0]
        summary[f"ndcg_vs_{baseline}"] = summary["ndcg"] / bar if bar > 0 else np.nan
    return summary, pd.concat(per_user, ignore_index=True)


def ranking_protocol(
    factories: Factories,
    ratings: pd.DataFrame,
    k: int = 10,
    recent_days: int = 28,
    cold_start_days: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`evaluate_ranking` on both temporal splits, with a `split` column in both frames."""
    summaries, per_users = [], []
    for split_name, make_split in SPLITS.items():
        split = make_split(ratings)
        summary, per_user = evaluate_ranking(factories, split, k, recent_days, cold_start_days)
        summaries.append(summary.assign(split=split_name))
        per_users.append(per_user.assign(split=split_name))
    summary = pd.concat(summaries, ignore_index=True)
    columns = ["split", *[c for c in summary.columns if c != "split"]]
    return summary[columns], pd.concat(per_users, ignore_index=True)


def user_slices(users: pd.DataFrame, train: pd.DataFrame) -> pd.DataFrame:
    """Each user's gender, age group and activity level (number of train ratings)."""
    activity = train.groupby("user_id").size().reindex(users["user_id"]).fillna(0).to_numpy()
    return pd.DataFrame(
        {
            "user_id": users["user_id"].to_numpy(),
            "gender": users["gender"].astype(str).to_numpy(),
            "age_group": pd.cut(users["age"], AGE_BINS, right=False, labels=AGE_LABELS)
            .astype(str)
            .to_numpy(),
            "activity": pd.cut(activity, ACTIVITY_BINS, labels=ACTIVITY_LABELS).astype(str),
        }
    )


def slice_metrics(per_user: pd.DataFrame, users: pd.DataFrame, train: pd.DataFrame) -> pd.DataFrame:
    """Mean ranking metrics per model and slice value (tidy: model, slice, group, users, ...).

    Args:
        per_user: `evaluate_ranking`'s per-user frame (one split).
        users: `movielens.load_users()`.
        train: the split's training ratings (for activity levels).
    """
    joined = per_user.merge(user_slices(users, train), on="user_id", how="left")
    frames = []
    for column in ("gender", "age_group", "activity"):
        grouped = joined.groupby(["model", column], sort=True, observed=True)
        stats = grouped[RANKING_COLUMNS].mean().rename(columns={"ap": "map"})
        stats.insert(0, "users", grouped.size())
        frames.append(stats.reset_index().rename(columns={column: "group"}).assign(slice=column))
    tidy = pd.concat(frames, ignore_index=True)
    return tidy[["model", "slice", "group", "users", "precision", "recall", "ndcg", "map"]]
