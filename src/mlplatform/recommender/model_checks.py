"""Model tests for rating models, and the sample training CI runs before the gate.

The behavioural checks take any object with `.predict(pairs) -> array`, where `pairs` is a frame
with `user_id` and `item_id` columns (the course's `BiasBaseline` and friends), and return a list of
readable problems, empty when the model behaves:

- minimum functionality: one finite prediction per row, on the rating scale, also for new users;
- invariance: predictions do not depend on row order or on a column the model should ignore;
- directional expectation: an item many users loved is predicted higher than one they hated.

`train_and_evaluate` is what CI trains on a sample before the gate (`mlplatform.quality.gate`)
compares the candidate's metrics with the champion's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np
import pandas as pd

from mlplatform.recommender.metrics import mae, rmse
from mlplatform.recommender.movielens import RATING_SCALE, sample_users
from mlplatform.recommender.splits import split_by_time


class RatingModel(Protocol):
    """Anything with `predict(pairs) -> one rating per row`."""

    def predict(self, pairs: pd.DataFrame) -> np.ndarray:
        """One predicted rating per (user_id, item_id) row."""
        ...


def check_minimum_functionality(
    model: RatingModel, pairs: pd.DataFrame, scale: tuple[float, float] = RATING_SCALE
) -> list[str]:
    """One finite prediction per row, on the rating scale, including a user never seen before."""
    unknown = pd.DataFrame({"user_id": [-1], "item_id": [int(pairs["item_id"].iloc[0])]})
    problems = []
    for name, frame in (("the given pairs", pairs), ("a new user (user_id -1)", unknown)):
        predicted = np.asarray(model.predict(frame), dtype=float)
        if predicted.shape != (len(frame),):
            problems.append(f"{name}: expected {len(frame)} predictions, got {predicted.shape}")
            continue
        if not np.isfinite(predicted).all():
            problems.append(
                f"{name}: {int((~np.isfinite(predicted)).sum())} predictions not finite"
            )
        low, high = scale
        outside = (predicted < low) | (predicted > high)
        if outside.any():
            problems.append(f"{name}: {int(outside.sum())} predictions outside [{low}, {high}]")
    return problems


def check_invariance(model: RatingModel, pairs: pd.DataFrame, seed: int = 0) -> list[str]:
    """Shuffling the rows, or adding a column the model must ignore, changes no prediction."""
    baseline = pd.Series(np.asarray(model.predict(pairs), dtype=float), index=pairs.index)
    problems = []
    shuffled = pairs.sample(frac=1.0, random_state=seed)
    moved = pd.Series(np.asarray(model.predict(shuffled), dtype=float), index=shuffled.index)
    if not np.allclose(moved.loc[pairs.index], baseline):
        problems.append("predictions change when the rows are shuffled")
    noise = np.random.default_rng(seed).normal(size=len(pairs))
    extra = np.asarray(model.predict(pairs.assign(unrelated=noise)), dtype=float)
    if not np.allclose(extra, baseline):
        problems.append("predictions change when an unrelated column is added")
    return problems


def loved_and_hated_items(train: pd.DataFrame, min_ratings: int = 50) -> tuple[int, int]:
    """The item with the highest and the one with the lowest mean rating among popular items."""
    stats = train.groupby("item_id")["rating"].agg(["mean", "size"])
    popular = stats[stats["size"] >= min_ratings]
    if len(popular) < 2:
        raise ValueError(
            f"fewer than two items have {min_ratings} ratings; pass a smaller min_ratings"
        )
    ordered = popular.sort_values(["mean", "size"], ascending=[False, False])
    return int(ordered.index[0]), int(ordered.index[-1])


def check_directional(
    model: RatingModel, users: pd.Series | list[int], loved: int, hated: int
) -> list[str]:
    """Each user is predicted to like the `loved` item more than the `hated` one."""
    users = pd.Series(list(users), dtype="int64")
    pairs = pd.DataFrame(
        {
            "user_id": pd.concat([users, users]),
            "item_id": [loved] * len(users) + [hated] * len(users),
        }
    )
    predicted = np.asarray(model.predict(pairs.reset_index(drop=True)), dtype=float)
    wrong = users[predicted[: len(users)] <= predicted[len(users) :]]
    if wrong.empty:
        return []
    return [
        f"{len(wrong)} of {len(users)} users are not predicted to prefer item {loved} (loved) "
        f"to item {hated} (hated), e.g. users {wrong.head(3).tolist()}"
    ]


def train_and_evaluate(
    ratings: pd.DataFrame,
    make_model: Callable[[], RatingModel],
    n_users: int | None = None,
    seed: int = 0,
) -> dict[str, float]:
    """Fit `make_model()` on a time split of (a user sample of) `ratings`; return RMSE and MAE.

    The sample and the split are deterministic for a given `seed`, so a candidate and a champion
    trained by this function are judged on the same test rows.
    """
    data = ratings if n_users is None else sample_users(ratings, n_users, seed=seed)
    split = split_by_time(data)
    model = make_model().fit(split.train)  # type: ignore[attr-defined]
    predicted = model.predict(split.test)
    return {
        "rmse": rmse(split.test["rating"], predicted),
        "mae": mae(split.test["rating"], predicted),
    }
