"""Public checks for lab 12, training the recommender: NDCG by hand, a top-k list, a genre test."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlplatform.grading.public import Check, CheckFailed, Namespace, answer


def _check_ndcg(ns: Namespace) -> None:
    ndcg_at_k = answer(ns, "ndcg_at_k")
    recommended, relevant = [5, 3, 9, 1], {3, 1, 7}
    got = float(ndcg_at_k(recommended, relevant, 3))
    expected = (1 / np.log2(3)) / (1 + 1 / np.log2(3) + 1 / np.log2(4))
    if np.isclose(got, 1 / np.log2(3)) or np.isclose(got, 1 / np.log2(3) / 3):
        raise CheckFailed("divide the DCG by the ideal DCG (all relevant items ranked first).")
    if np.isclose(got, (1 / np.log2(3) + 1 / np.log2(5)) / (1 + 1 / np.log2(3) + 1 / np.log2(4))):
        raise CheckFailed("only the first k recommendations count: item 1 at rank 4 is past k=3.")
    if not np.isclose(got, expected):
        raise CheckFailed(
            f"only item 3 (rank 2) is relevant in the top 3: DCG = 1/log2(3); the ideal list has 3 "
            f"relevant items: {expected:.4f} expected, got {got:.4f}."
        )
    got = float(ndcg_at_k(recommended, relevant, 2))
    if np.isclose(got, (1 / np.log2(3)) / (1 + 1 / np.log2(3) + 1 / np.log2(4))):
        raise CheckFailed(
            "the ideal list is also cut at k: at most k relevant items count in IDCG."
        )
    if np.isclose(got, (1 / np.log2(3) + 1 / np.log2(5)) / (1 + 1 / np.log2(3))):
        raise CheckFailed("only the first k recommendations count: item 1 at rank 4 is past k=2.")
    if not np.isclose(got, (1 / np.log2(3)) / (1 + 1 / np.log2(3))):
        raise CheckFailed(
            f"k=2: expected {(1 / np.log2(3)) / (1 + 1 / np.log2(3)):.4f}, got {got}."
        )
    if float(ndcg_at_k([1, 2], set(), 2)) != 0.0:
        raise CheckFailed("a user with no relevant item has NDCG 0 (not NaN, no division by zero).")


def _check_top_k(ns: Namespace) -> None:
    top_k_unrated = answer(ns, "top_k_unrated")
    scores = pd.Series([0.9, 0.1, 0.8, 0.95, 0.5], index=[10, 20, 30, 40, 50])
    got = [int(i) for i in top_k_unrated(scores, {40}, 3)]
    if 40 in got:
        raise CheckFailed("item 40 was already rated: a recommender must never return it.")
    if got == [20, 50, 30]:
        raise CheckFailed("highest scores first: sort in descending order.")
    if got == [0, 2, 4] or got == [0, 2, 3]:
        raise CheckFailed("return item ids (the Series' index), not positions.")
    if got != [10, 30, 50]:
        raise CheckFailed(f"expected [10, 30, 50] (item 40 rated, then by score), got {got}.")
    got = [int(i) for i in top_k_unrated(scores, {10, 20, 30}, 5)]
    if got != [40, 50]:
        raise CheckFailed(f"fewer than k unrated items: return all of them ([40, 50]), got {got}.")


def toy_items() -> pd.DataFrame:
    """Five movies; the genres column is pipe-separated like MovieLens'."""
    return pd.DataFrame(
        {
            "item_id": [1, 2, 3, 4, 5],
            "genres": ["Horror", "Comedy|Horror", "Comedy", "Drama", "Horror|Thriller"],
        },
        index=[50, 40, 30, 20, 10],
    )


def _check_genre_share(ns: Namespace) -> None:
    genre_share = answer(ns, "genre_share")
    items = toy_items()
    got = float(genre_share([1, 2, 3, 4], items, "Horror"))
    if np.isclose(got, 0.25):
        raise CheckFailed("'Comedy|Horror' is a Horror movie too: split the genres on '|'.")
    if not np.isclose(got, 0.5):
        raise CheckFailed(f"movies 1 and 2 of [1, 2, 3, 4] are Horror: 0.5 expected, got {got}.")
    got = float(genre_share([5, 4], items, "Horror"))
    if np.isclose(got, 0.0) or np.isclose(got, 1.0):
        raise CheckFailed("look movies up by `item_id`, not by the frame's index or position.")
    if not np.isclose(got, 0.5):
        raise CheckFailed(f"movie 5 is Horror, movie 4 is not: 0.5 expected, got {got}.")
    if not np.isclose(float(genre_share([1, 4, -1, -1], items, "Horror")), 0.5):
        raise CheckFailed("-1 pads a short list: leave it out (one Horror movie of two real ones).")
    if float(genre_share([], items, "Horror")) != 0.0:
        raise CheckFailed("an empty list has share 0.0.")


CHECKS = [
    Check(
        "q1",
        3,
        (
            "NDCG@k (chapter 12): gains discounted by rank within the first k, divided by the "
            "best gain the relevant items could reach."
        ),
        _check_ndcg,
    ),
    Check(
        "q2",
        3,
        (
            "a top-k list never shows what the user has already rated; what remains is ranked by "
            "score."
        ),
        _check_top_k,
    ),
    Check(
        "q3",
        4,
        (
            "among the recommended ids that are real movies, the share whose genres include the "
            "genre (a movie can have several)."
        ),
        _check_genre_share,
    ),
]
