"""Top-k recommendation lists and their ranking metrics, vectorised over users.

Two rules hold for every list `recommend` makes: an item the user rated in train is never
recommended, and a user with no train ratings (cold start) gets the fallback's list (popularity).
Ties are broken by the smaller item id, so lists are the same on every machine.

Metrics per user, with relevant = held-out items rated >= `RELEVANT_RATING`:
precision@k, recall@k, NDCG@k (binary gains), AP@k (average precision, normalised by
min(#relevant, k)); over the list set: catalogue coverage and popularity bias (mean number of train
ratings of the recommended items).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mlplatform.recommender.models import Ranker
from mlplatform.recommender.rankers import Popularity

RELEVANT_RATING = 4.0
NO_ITEM = -1  # pads a list when a user has fewer than k candidates
CHUNK = 512  # users scored at once, to bound memory


@dataclass(frozen=True)
class Recommendations:
    """`items[r]` is the top-k list of `users[r]`, padded with `NO_ITEM`; `cold[r]` = fallback."""

    users: np.ndarray
    items: np.ndarray
    cold: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        """Long format: user_id, rank (1-based), item_id, without padding."""
        k = self.items.shape[1]
        frame = pd.DataFrame(
            {
                "user_id": np.repeat(self.users, k),
                "rank": np.tile(np.arange(1, k + 1), len(self.users)),
                "item_id": self.items.ravel(),
            }
        )
        return frame[frame["item_id"] != NO_ITEM].reset_index(drop=True)


def _top_k(scores: np.ndarray, catalogue: np.ndarray, k: int) -> np.ndarray:
    """Item ids of the k best scores per row; -inf entries become NO_ITEM."""
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]  # catalogue is sorted: ties by id
    best = np.take_along_axis(scores, order, axis=1)
    items = catalogue[order]
    items[~np.isfinite(best)] = NO_ITEM
    if items.shape[1] < k:
        pad = np.full((items.shape[0], k - items.shape[1]), NO_ITEM)
        items = np.hstack([items, pad])
    return items


def recommend(
    model: Ranker,
    train: pd.DataFrame,
    user_ids: np.ndarray,
    k: int = 10,
    catalogue: np.ndarray | None = None,
    fallback: Ranker | None = None,
) -> Recommendations:
    """Top-k lists for `user_ids` from a fitted `model`, excluding what each user rated in `train`.

    Args:
        model: a fitted ranker.
        train: the ratings it was fitted on (to know who rated what).
        user_ids: users to recommend for; those absent from `train` get `fallback`'s list.
        k: list length.
        catalogue: candidate item ids; default every item in `train`.
        fallback: a fitted ranker for cold-start users; default all-time popularity on `train`.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    catalogue = np.sort(np.asarray(train["item_id"].unique() if catalogue is None else catalogue))
    users = np.asarray(user_ids)
    known = np.isin(users, train["user_id"].unique())
    items = np.full((len(users), k), NO_ITEM, dtype=np.int64)
    rated = train[["user_id", "item_id"]].drop_duplicates()
    warm = users[known]
    for start in range(0, len(warm), CHUNK):
        chunk = warm[start : start + CHUNK]
        scores = np.asarray(model.score(chunk, catalogue), dtype=float).copy()
        seen = rated[rated["user_id"].isin(chunk)]
        rows = pd.Index(chunk).get_indexer(seen["user_id"])
        cols = pd.Index(catalogue).get_indexer(seen["item_id"])
        inside = cols >= 0
        scores[rows[inside], cols[inside]] = -np.inf  # never recommend an already-rated item
        items[np.flatnonzero(known)[start : start + CHUNK]] = _top_k(scores, catalogue, k)
    if (~known).any():
        fallback = fallback or Popularity().fit(train)
        cold = users[~known]
        items[~known] = _top_k(np.asarray(fallback.score(cold, catalogue), float), catalogue, k)
    return Recommendations(users, items, ~known)


def relevant_items(test: pd.DataFrame, threshold: float = RELEVANT_RATING) -> pd.DataFrame:
    """The held-out (user_id, item_id) pairs rated at least `threshold`."""
    return test.loc[test["rating"] >= threshold, ["user_id", "item_id"]].drop_duplicates()


def per_user_metrics(recs: Recommendations, relevant: pd.DataFrame) -> pd.DataFrame:
    """precision, recall, ndcg, ap at k for each recommended user with at least one relevant item."""
    k = recs.items.shape[1]
    n_relevant = relevant.groupby("user_id").size().reindex(recs.users).fillna(0).to_numpy()
    keys = pd.MultiIndex.from_frame(relevant[["user_id", "item_id"]].astype("int64"))
    grid = pd.MultiIndex.from_arrays(
        [np.repeat(recs.users, k).astype("int64"), recs.items.ravel().astype("int64")]
    )
    hits = grid.isin(keys).reshape(len(recs.users), k).astype(float)
    ranks = np.arange(1, k + 1)
    discounts = 1.0 / np.log2(ranks + 1)
    capped = np.minimum(n_relevant, k).astype(int)
    ideal = np.concatenate([[0.0], np.cumsum(discounts)])[capped]
    precision_at_rank = np.cumsum(hits, axis=1) / ranks
    with np.errstate(invalid="ignore", divide="ignore"):
        frame = pd.DataFrame(
            {
                "user_id": recs.users,
                "precision": hits.sum(axis=1) / k,
                "recall": hits.sum(axis=1) / n_relevant,
                "ndcg": (hits * discounts).sum(axis=1) / ideal,
                "ap": (hits * precision_at_rank).sum(axis=1) / capped,
                "n_relevant": n_relevant.astype(int),
                "cold_start": recs.cold,
            }
        )
    return frame[frame["n_relevant"] > 0].reset_index(drop=True)


def list_metrics(
    recs: Recommendations, train: pd.DataFrame, catalogue_size: int, users: np.ndarray | None = None
) -> dict[str, float]:
    """Catalogue coverage and popularity bias of the lists (of `users` only, when given)."""
    items = recs.items if users is None else recs.items[np.isin(recs.users, users)]
    shown = items[items != NO_ITEM]
    counts = train.groupby("item_id").size()
    return {
        "coverage": float(len(np.unique(shown)) / catalogue_size) if catalogue_size else 0.0,
        "popularity_bias": float(counts.reindex(shown).fillna(0).mean()) if len(shown) else 0.0,
    }
