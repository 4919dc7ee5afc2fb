"""scikit-surprise models behind the course's small recommender interface.

Every model here is fitted on a ratings DataFrame (`user_id`, `item_id`, `rating`), predicts one
rating per (user_id, item_id) row, and scores a whole user x item grid at once for ranking.
The grid is computed from the fitted parameters with numpy (biases, factors, neighbour weights),
which gives the same numbers as surprise's own `predict` loop but for a 943 x 1,682 grid in well
under a second instead of 1.6 million Python calls.

| name | surprise algorithm | settings |
|---|---|---|
| `baseline_only` | `BaselineOnly` | ALS baselines (surprise's defaults) |
| `knn_baseline` | `KNNBaseline` | item-based, `pearson_baseline` similarity, k=40 |
| `svd` | `SVD` | 100 factors, 20 epochs, `random_state=0` |
| `svdpp` | `SVDpp` | 20 factors, 20 epochs, `random_state=0` (slow: minutes on full data) |
| `nmf` | `NMF` | 15 factors, 50 epochs, `random_state=0` |

Ranking-only models (popularity, item-KNN, EASE) and the adapter for the course's `GlobalMean` and
`BiasBaseline` live in `mlplatform.recommender.rankers`; top-k lists in `ranking`.

Example:
    >>> model = make_model("svd").fit(train)  # doctest: +SKIP
    >>> model.predict(test)  # one rating per row, clipped to 1-5  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np
import pandas as pd
from scipy import sparse
from surprise import NMF, SVD, BaselineOnly, Dataset, KNNBaseline, Reader, SVDpp, Trainset

from mlplatform.recommender.movielens import RATING_SCALE

COLUMNS = ["user_id", "item_id", "rating"]


class Ranker(Protocol):
    """A model that can score every (user, item) pair of a grid; higher means recommend first."""

    name: str

    def fit(self, train: pd.DataFrame) -> Ranker:
        """Learn from a ratings frame with `user_id`, `item_id`, `rating` (and `timestamp`)."""
        ...

    def score(self, user_ids: np.ndarray, item_ids: np.ndarray) -> np.ndarray:
        """A `len(user_ids) x len(item_ids)` matrix of scores."""
        ...


class RatingModel(Ranker, Protocol):
    """A ranker that also predicts ratings on the 1-5 scale."""

    def predict(self, pairs: pd.DataFrame) -> np.ndarray:
        """One predicted rating per (user_id, item_id) row."""
        ...


def to_dataset(ratings: pd.DataFrame) -> Dataset:
    """A surprise `Dataset` of the ratings' user, item and rating columns, in row order."""
    frame = ratings[COLUMNS].astype({"user_id": "int64", "item_id": "int64", "rating": float})
    return Dataset.load_from_df(frame, Reader(rating_scale=RATING_SCALE))


def trainset_frame(trainset: Trainset) -> pd.DataFrame:
    """A surprise `Trainset` back as a ratings frame with raw ids (for the course's own models)."""
    rows = [
        (trainset.to_raw_uid(u), trainset.to_raw_iid(i), r) for u, i, r in trainset.all_ratings()
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def predict_pairs(model: Ranker, pairs: pd.DataFrame) -> np.ndarray:
    """One score per (user_id, item_id) row, read from the grid of the pairs' users and items."""
    users, user_pos = np.unique(pairs["user_id"].to_numpy(), return_inverse=True)
    items, item_pos = np.unique(pairs["item_id"].to_numpy(), return_inverse=True)
    return model.score(users, items)[user_pos, item_pos]


class SurpriseModel:
    """A surprise algorithm with the course's interface; see the module table for the names.

    Args:
        name: one of `ALGORITHMS`.
        **params: the algorithm's keyword arguments, overriding the course's defaults.
    """

    def __init__(self, name: str, **params: Any) -> None:
        if name not in ALGORITHMS:
            raise ValueError(f"unknown model {name!r}: use one of {', '.join(ALGORITHMS)}")
        self.name = name
        self.params = {**DEFAULTS.get(name, {}), **params}
        self.algo = ALGORITHMS[name](**self.params)
        self.trainset: Trainset | None = None

    def __repr__(self) -> str:
        return f"SurpriseModel({self.name!r}, **{self.params})"

    def fit(self, train: pd.DataFrame) -> SurpriseModel:
        """Fit on a ratings frame (all its rows are training data)."""
        return self.fit_trainset(to_dataset(train).build_full_trainset())

    def fit_trainset(self, trainset: Trainset) -> SurpriseModel:
        """Fit on a surprise `Trainset` (what `KFold` yields)."""
        self.algo.fit(trainset)
        self.trainset = trainset
        self._user_items = _user_item_matrix(trainset)
        return self

    def predict(self, pairs: pd.DataFrame) -> np.ndarray:
        """One rating per (user_id, item_id) row, clipped to the rating scale like surprise's."""
        return np.clip(predict_pairs(self, pairs), *RATING_SCALE)

    def score(self, user_ids: np.ndarray, item_ids: np.ndarray) -> np.ndarray:
        """Unclipped estimates for the grid; unknown users or items get surprise's fallbacks."""
        ts = self._fitted()
        users, items = _inner(ts, user_ids, users=True), _inner(ts, item_ids, users=False)
        known_u, known_i = users >= 0, items >= 0
        out = np.full((len(users), len(items)), ts.global_mean)
        if self._unbiased():  # factors only; surprise falls back to the global mean for unknowns
            out[np.ix_(known_u, known_i)] = _factor_dot(self.algo, users[known_u], items[known_i])
            return out
        bu, bi = self._biases()
        out += np.where(known_u, bu[np.maximum(users, 0)], 0.0)[:, None]
        out += np.where(known_i, bi[np.maximum(items, 0)], 0.0)[None, :]
        if known_u.any() and known_i.any():
            out[np.ix_(known_u, known_i)] += self._interaction(users[known_u], items[known_i])
        return out

    def _fitted(self) -> Trainset:
        if self.trainset is None:
            raise RuntimeError(f"{self!r} is not fitted yet: call .fit(train) first.")
        return self.trainset

    def _unbiased(self) -> bool:
        """SVD with `biased=False` and NMF by default predict a plain dot product of factors."""
        return self.name in ("svd", "nmf") and not self.params.get("biased", self.name == "svd")

    def _biases(self) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(self.algo.bu), np.asarray(self.algo.bi)

    def _interaction(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """The part of the estimate beyond the baseline, for known users x known items."""
        algo = self.algo
        if self.name == "baseline_only":
            return np.zeros((len(users), len(items)))
        if self.name == "knn_baseline":
            return _knn_adjustment(algo, self._fitted(), self._user_items, users, items)
        pu = np.asarray(algo.pu)[users]
        if self.name == "svdpp":
            rows = self._user_items[users]
            n_rated = np.asarray(rows.getnnz(axis=1), dtype=float)
            implicit = (rows > 0).astype(float) @ np.asarray(algo.yj)
            pu = pu + implicit / np.sqrt(np.maximum(n_rated, 1.0))[:, None]
        return pu @ np.asarray(algo.qi)[items].T


def _factor_dot(algo: SVD | NMF, users: np.ndarray, items: np.ndarray) -> np.ndarray:
    return np.asarray(algo.pu)[users] @ np.asarray(algo.qi)[items].T


def _inner(trainset: Trainset, raw_ids: np.ndarray, users: bool) -> np.ndarray:
    """Inner ids of raw ids; -1 for ids the trainset has never seen."""
    mapping = trainset._raw2inner_id_users if users else trainset._raw2inner_id_items
    return np.array([mapping.get(raw, -1) for raw in np.asarray(raw_ids).tolist()], dtype=np.int64)


def _user_item_matrix(trainset: Trainset) -> sparse.csr_matrix:
    """Train ratings as a sparse inner-user x inner-item matrix."""
    u, i, r = (np.array(col) for col in zip(*trainset.all_ratings(), strict=True))
    shape = (trainset.n_users, trainset.n_items)
    return sparse.csr_matrix((r.astype(float), (u.astype(int), i.astype(int))), shape=shape)


def _knn_adjustment(
    algo: KNNBaseline,
    trainset: Trainset,
    ratings: sparse.csr_matrix,
    users: np.ndarray,
    items: np.ndarray,
) -> np.ndarray:
    """KNNBaseline's neighbour term, as surprise's `estimate` computes it, for users x items.

    Item-based, for user u and item i: the `k` items u rated that are most similar to i; of those
    with a positive similarity, the similarity-weighted mean of (rating - baseline). User-based
    swaps the roles: the `k` users who rated i that are most similar to u.
    """
    bu, bi = np.asarray(algo.bu), np.asarray(algo.bi)
    if algo.sim_options.get("user_based", True):
        by_item = ratings.T.tocsr()
        return _neighbour_term(algo, trainset.global_mean, by_item, items, users, bi, bu).T
    return _neighbour_term(algo, trainset.global_mean, ratings, users, items, bu, bi)


def _neighbour_term(
    algo: KNNBaseline,
    mean: float,
    ratings: sparse.csr_matrix,
    outer: np.ndarray,
    targets: np.ndarray,
    b_outer: np.ndarray,
    b_targets: np.ndarray,
) -> np.ndarray:
    """For each `outer` row (user, or item when user-based), the term of every target column."""
    sim, k, min_k = np.asarray(algo.sim), algo.k, algo.min_k
    out = np.zeros((len(outer), len(targets)))
    for row, y in enumerate(outer):
        neighbours = ratings.indices[ratings.indptr[y] : ratings.indptr[y + 1]]
        values = ratings.data[ratings.indptr[y] : ratings.indptr[y + 1]]
        residual = values - (mean + b_outer[y] + b_targets[neighbours])
        s = sim[np.ix_(targets, neighbours)]
        if len(neighbours) > k:
            top = np.argpartition(-s, k - 1, axis=1)[:, :k]
            s, residual_k = np.take_along_axis(s, top, axis=1), residual[top]
        else:
            residual_k = np.broadcast_to(residual, s.shape)
        weights = np.where(s > 0, s, 0.0)
        total, count = weights.sum(axis=1), (weights > 0).sum(axis=1)
        ok = (count >= min_k) & (total > 0)
        out[row, ok] = (weights * residual_k).sum(axis=1)[ok] / total[ok]
    return out


ALGORITHMS: Mapping[str, type] = {
    "baseline_only": BaselineOnly,
    "knn_baseline": KNNBaseline,
    "svd": SVD,
    "svdpp": SVDpp,
    "nmf": NMF,
}
DEFAULTS: Mapping[str, dict[str, Any]] = {
    "baseline_only": {"verbose": False},
    "knn_baseline": {
        "k": 40,
        "sim_options": {"name": "pearson_baseline", "user_based": False},
        "verbose": False,
    },
    "svd": {"random_state": 0},
    "svdpp": {"random_state": 0, "cache_ratings": True},
    "nmf": {"random_state": 0},
}


def make_model(name: str, **params: Any) -> SurpriseModel:
    """The surprise model `name` with the course's defaults (seeded), overridden by `params`."""
    return SurpriseModel(name, **params)
