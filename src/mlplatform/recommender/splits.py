"""Train/test splits for ratings: a global time cut and each user's most recent ratings.

A random split lets a model learn from ratings made after the ones it is tested on; production never
sees the future, so the course evaluates on time-ordered splits (and uses random K-fold only to compare
with published figures).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd


class Split(NamedTuple):
    """A train frame and a test frame."""

    train: pd.DataFrame
    test: pd.DataFrame


def split_by_time(ratings: pd.DataFrame, quantile: float = 0.8) -> Split:
    """Cut at the `quantile` of timestamps: everything before the cut trains, the rest tests.

    Ratings that share the cut's timestamp all go to test, so no test rating is older than a train one.
    """
    if not 0.0 < quantile < 1.0:
        raise ValueError(f"quantile must be between 0 and 1, got {quantile}")
    cut = ratings["timestamp"].quantile(quantile, interpolation="lower")
    before = ratings["timestamp"] < cut
    return Split(ratings[before].reset_index(drop=True), ratings[~before].reset_index(drop=True))


def split_last_per_user(ratings: pd.DataFrame, fraction: float = 0.2) -> Split:
    """Hold out each user's most recent `fraction` of ratings (at least one per user with two or more)."""
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must be between 0 and 1, got {fraction}")
    ordered = ratings.sort_values(["user_id", "timestamp", "item_id"], kind="stable")
    position = ordered.groupby("user_id").cumcount(ascending=False)  # 0 = the newest
    size = ordered.groupby("user_id")["item_id"].transform("size")
    n_test = (size * fraction).round().clip(lower=1).where(size > 1, 0)
    is_test = position < n_test
    return Split(
        ordered[~is_test].sort_index().reset_index(drop=True),
        ordered[is_test].sort_index().reset_index(drop=True),
    )


def split_kfold(ratings: pd.DataFrame, n_folds: int = 5, seed: int = 0) -> list[Split]:
    """The classic random K-fold split: each rating is tested exactly once, ignoring time.

    This is how MovieLens results are usually published (ML-100K ships five such folds), so it is
    useful to compare with papers; it lets a model train on ratings made after the ones it is tested
    on, which `split_by_time` does not.
    """
    if n_folds < 2:
        raise ValueError(f"n_folds must be at least 2, got {n_folds}")
    if len(ratings) < n_folds:
        raise ValueError(f"need at least n_folds={n_folds} ratings, got {len(ratings)}")
    fold = np.random.default_rng(seed).permutation(len(ratings)) % n_folds
    return [
        Split(ratings[fold != k].reset_index(drop=True), ratings[fold == k].reset_index(drop=True))
        for k in range(n_folds)
    ]
