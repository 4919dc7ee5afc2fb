"""Public checks for lab 01, the ML life cycle on MovieLens."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlplatform.grading.public import Check, CheckFailed, Namespace, answer


def toy_ratings(n: int = 50, seed: int = 1) -> pd.DataFrame:
    """Small ratings frame in the course's schema, shuffled so order cannot be relied on."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("1998-01-01", tz="UTC")
    return pd.DataFrame(
        {
            "user_id": rng.integers(1, 6, n).astype(np.int32),
            "item_id": rng.integers(1, 20, n).astype(np.int32),
            "rating": rng.integers(1, 6, n).astype(np.float32),
            "timestamp": start + pd.to_timedelta(rng.permutation(n) * 3600, unit="s"),
        }
    )


def _check_temporal_split(ns: Namespace) -> None:
    temporal_split = answer(ns, "temporal_split")
    ratings = toy_ratings()
    result = temporal_split(ratings, 0.2)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise CheckFailed("temporal_split should return a pair (train, test).")
    train, test = result
    if len(train) + len(test) != len(ratings):
        raise CheckFailed(
            f"train and test hold {len(train) + len(test)} rows, expected {len(ratings)}."
        )
    if len(test) != 10:
        raise CheckFailed(
            f"with 50 ratings and test_fraction=0.2, test should hold 10 rows, not {len(test)}."
        )
    if train["timestamp"].max() >= test["timestamp"].min():
        raise CheckFailed("a test rating is older than a train rating: the split leaks the future.")


def _check_global_mean_rmse(ns: Namespace) -> None:
    global_mean_rmse = answer(ns, "global_mean_rmse")
    ratings = toy_ratings()
    train, test = ratings.iloc[:40], ratings.iloc[40:]
    expected = float(np.sqrt(((test["rating"] - train["rating"].mean()) ** 2).mean()))
    got = global_mean_rmse(train, test)
    if not np.isclose(float(got), expected, rtol=1e-4):
        raise CheckFailed(
            f"on the check's data the RMSE is {expected:.4f}, your function gave {got}."
        )


def _check_per_user_rmse(ns: Namespace) -> None:
    per_user_rmse = answer(ns, "per_user_rmse")
    test = toy_ratings(30, seed=2)
    predictions = np.full(len(test), 3.0)
    got = per_user_rmse(test, predictions)
    if not isinstance(got, pd.Series):
        raise CheckFailed(f"per_user_rmse should return a pandas Series, not {type(got).__name__}.")
    users = sorted(test["user_id"].unique())
    if sorted(got.index) != users:
        raise CheckFailed(f"expected one value per user {users}, got index {sorted(got.index)}.")
    first = users[0]
    mine = test[test["user_id"] == first]["rating"]
    expected = float(np.sqrt(((mine - 3.0) ** 2).mean()))
    if not np.isclose(float(got[first]), expected, rtol=1e-4):
        raise CheckFailed(
            f"user {first}'s RMSE should be {expected:.4f}, got {float(got[first]):.4f}."
        )


CHECKS = [
    Check(
        "q1",
        3,
        (
            "time decides what is past and what is future, and the rows do not arrive in time "
            "order: every test rating must be newer than every training rating (chapter 01)."
        ),
        _check_temporal_split,
    ),
    Check(
        "q2",
        3,
        (
            "which single number would you predict for every test rating, knowing only the "
            "training ratings? RMSE then measures how far those predictions are from the truth."
        ),
        _check_global_mean_rmse,
    ),
    Check(
        "q3",
        3,
        (
            "the same error as in q2, but one value per user: a user's RMSE uses only that user's"
            " test rows."
        ),
        _check_per_user_rmse,
    ),
]
