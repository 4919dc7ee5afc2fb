"""Public checks for lab 11, data for the recommender: long tail, a leakage-free feature, integrity."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlplatform.grading.public import Check, CheckFailed, Namespace, answer

T0 = pd.Timestamp("1998-01-01", tz="UTC")


def toy_ratings() -> pd.DataFrame:
    """Item 30 is rated 5 times, item 20 three times, items 10 and 40 once: 10 ratings, 4 items.

    User 1 rates at hours 0, 1, 1 and 3 (two ratings in the same second at hour 1); rows shuffled and
    indexed 100.. so that answers relying on order or on a 0..n-1 index fail.
    """
    frame = pd.DataFrame(
        {
            "user_id": np.array([1, 1, 1, 1, 2, 2, 3, 3, 4, 5], dtype=np.int32),
            "item_id": np.array([10, 20, 30, 40, 20, 30, 20, 30, 30, 30], dtype=np.int32),
            "rating": np.array([5, 1, 3, 4, 2, 4, 3, 5, 1, 2], dtype=np.float32),
            "timestamp": T0 + pd.to_timedelta([0, 1, 1, 3, 2, 5, 4, 6, 7, 8], unit="h"),
        },
        index=range(100, 110),
    )
    return frame.iloc[[3, 7, 0, 9, 2, 5, 1, 8, 4, 6]]


def _check_top_share(ns: Namespace) -> None:
    top_share = answer(ns, "top_share")
    ratings = toy_ratings()
    got = float(top_share(ratings, 0.25))
    if np.isclose(got, 0.6) or np.isclose(got, 0.4):  # the top 2 (or 1) of 5 users
        raise CheckFailed(
            f"got {got:g}, the share of the most active *users*: count ratings per item."
        )
    if np.isclose(got, 0.1):  # item 10 (smallest id) has 1 rating
        raise CheckFailed(
            "got 0.1: the top items are the most *rated* ones, not the first ids; sort the counts "
            "in descending order."
        )
    if not np.isclose(got, 0.5):
        raise CheckFailed(
            f"the top 25% of 4 items is item 30 with 5 of 10 ratings: 0.5; got {got}."
        )
    got = float(top_share(ratings, 0.3))
    if not np.isclose(got, 0.8):
        raise CheckFailed(
            f"30% of 4 items is 1.2 items: round up to 2 items (30 and 20, 8 of 10 ratings = 0.8), "
            f"got {got}."
        )


def _check_user_mean_before(ns: Namespace) -> None:
    user_mean_before = answer(ns, "user_mean_before")
    ratings = toy_ratings()
    got = user_mean_before(ratings)
    if not isinstance(got, pd.Series):
        raise CheckFailed(f"return a pandas Series, not {type(got).__name__}.")
    if not got.index.equals(ratings.index):
        raise CheckFailed("return one value per rating, with the same index as `ratings`.")
    user1 = got.loc[[100, 101, 102, 103]].to_numpy(dtype=float)
    if np.isclose(user1[0], 5.0) or np.isclose(user1[3], 3.25):
        raise CheckFailed(
            "a rating's feature includes the rating itself (or later ones): that is the label leaking "
            "into its own feature."
        )
    if not np.isnan(user1[0]):
        raise CheckFailed("a user's first rating has no past: its feature must be NaN.")
    if not np.allclose(user1[1:], [5.0, 5.0, 3.0]):
        raise CheckFailed(
            "user 1 rates at hours 0, 1, 1, 3: both hour-1 ratings may only use the hour-0 one "
            f"(mean 5.0), ratings at the same time do not see each other; got {user1.tolist()}."
        )
    expected = {104: np.nan, 105: 2.0, 106: np.nan, 107: 3.0, 108: np.nan, 109: np.nan}
    for row, value in expected.items():
        if not np.isclose(float(got.loc[row]), value, equal_nan=True):
            raise CheckFailed(f"row {row} (user {ratings.loc[row, 'user_id']}): expected {value}.")


def _check_unknown_items(ns: Namespace) -> None:
    unknown_item_ratings = answer(ns, "unknown_item_ratings")
    ratings = toy_ratings()
    items = pd.DataFrame({"item_id": np.array([10, 30, 50], dtype=np.int32), "title": list("ACE")})
    got = unknown_item_ratings(ratings, items)
    if not isinstance(got, pd.DataFrame):
        raise CheckFailed(f"return the offending rows as a DataFrame, not {type(got).__name__}.")
    if "item_id" in got and set(got["item_id"]) == {50}:
        raise CheckFailed(
            "you listed catalogue items nobody rated; the question is the other way round: ratings "
            "whose item is missing from the catalogue."
        )
    if sorted(got.index) != [101, 103, 104, 106]:
        raise CheckFailed(
            "expected the 4 ratings of items 20 and 40 (neither in the catalogue), with their "
            f"original index [101, 103, 104, 106]; got the index {sorted(got.index)}."
        )
    if list(got.columns) != list(ratings.columns):
        raise CheckFailed("return whole rating rows, with all the columns of `ratings`.")


CHECKS = [
    Check(
        "q1",
        3,
        (
            "how concentrated the ratings are: the share of all ratings that the most rated "
            "movies receive (rounding the number of movies up, at least one)."
        ),
        _check_top_share,
    ),
    Check(
        "q2",
        4,
        (
            "a user's mean rating before each rating, without the rating itself or any made in "
            "the same second; ratings in one second share a value (chapter 11's point-in-time "
            "statistics)."
        ),
        _check_user_mean_before,
    ),
    Check(
        "q3",
        3,
        (
            "a rating whose item is not in the items table is an orphan; return those rows as "
            "they are."
        ),
        _check_unknown_items,
    ),
]
