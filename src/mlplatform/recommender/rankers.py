"""Ranking models that do not predict ratings: popularity, item-KNN and EASE, plus an adapter.

All follow `mlplatform.recommender.models.Ranker`: `fit(train)` then `score(user_ids, item_ids)`
returns a user x item matrix, higher = recommend first.

- `Popularity`: how many train ratings an item has, all-time or within the last `days` days before
  the end of the training data (recent popularity, what a "trending" shelf shows).
- `ItemKNN`: implicit item-to-item cosine similarity on who-rated-what (ratings' values ignored),
  each item keeping its `k` nearest neighbours; a user's score for an item is the summed
  similarity to the items they rated.
- `EASE`: Steck's (2019) shallow autoencoder, a closed-form item-item weight matrix
  `B = I - P / diag(P)` with `P = (X'X + lambda I)^-1`; fits ML-100K in a fraction of a second.
- `RatingRanker`: wraps the course's `GlobalMean` / `BiasBaseline` so they rank by predicted rating.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from mlplatform.recommender.baselines import BiasBaseline, GlobalMean


@dataclass
class Popularity:
    """Score = number of train ratings of the item (in the last `days` days, when given)."""

    days: int | None = None
    counts_: pd.Series = field(default_factory=pd.Series, init=False)

    @property
    def name(self) -> str:
        """`popularity` (all-time) or `recent_popularity_<days>d`."""
        return "popularity" if self.days is None else f"recent_popularity_{self.days}d"

    def fit(self, train: pd.DataFrame) -> Popularity:
        """Count ratings per item; the recent window ends at the newest train rating."""
        window = train
        if self.days is not None:
            since = train["timestamp"].max() - pd.Timedelta(days=self.days)
            window = train[train["timestamp"] > since]
        self.counts_ = window.groupby("item_id").size().astype(float)
        return self

    def score(self, user_ids: np.ndarray, item_ids: np.ndarray) -> np.ndarray:
        """The same popularity row for every user; unseen items score 0."""
        row = self.counts_.reindex(np.asarray(item_ids)).fillna(0.0).to_numpy()
        return np.tile(row, (len(user_ids), 1))


class _ImplicitModel:
    """Shared part of ItemKNN and EASE: a binary user x item matrix and an item x item weight."""

    weights_: np.ndarray

    def _index(self, train: pd.DataFrame) -> sparse.csr_matrix:
        self.users_ = np.sort(train["user_id"].unique())
        self.items_ = np.sort(train["item_id"].unique())
        rows = np.searchsorted(self.users_, train["user_id"].to_numpy())
        cols = np.searchsorted(self.items_, train["item_id"].to_numpy())
        shape = (len(self.users_), len(self.items_))
        matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=shape)
        matrix.data[:] = 1.0  # a user rating an item twice still counts once
        self.matrix_ = matrix
        return matrix

    def score(self, user_ids: np.ndarray, item_ids: np.ndarray) -> np.ndarray:
        """Users' rows times the item weights; unknown users or items score 0."""
        users = pd.Index(self.users_).get_indexer(np.asarray(user_ids))
        items = pd.Index(self.items_).get_indexer(np.asarray(item_ids))
        out = np.zeros((len(users), len(items)))
        known_u, known_i = users >= 0, items >= 0
        block = self.matrix_[users[known_u]] @ self.weights_[:, items[known_i]]
        out[np.ix_(known_u, known_i)] = block
        return out


class ItemKNN(_ImplicitModel):
    """Implicit item-based k-nearest neighbours with cosine similarity.

    Args:
        k: neighbours kept per item.
    """

    def __init__(self, k: int = 100) -> None:
        self.k = k
        self.name = "item_knn"

    def fit(self, train: pd.DataFrame) -> ItemKNN:
        """Cosine similarity of the items' user columns, top `k` per item, no self-similarity."""
        matrix = self._index(train)
        co = (matrix.T @ matrix).toarray()
        norms = np.sqrt(np.diag(co))
        sim = co / np.maximum(np.outer(norms, norms), 1e-12)
        np.fill_diagonal(sim, 0.0)
        if self.k < sim.shape[0]:
            cut = np.argpartition(-sim, self.k - 1, axis=0)[self.k :]
            np.put_along_axis(sim, cut, 0.0, axis=0)  # keep each target item's k neighbours
        self.weights_ = sim
        return self


class EASE(_ImplicitModel):
    """Embarrassingly Shallow AutoEncoder (Steck, 2019).

    Args:
        reg: the L2 penalty lambda; a few hundred suits ML-100K.
    """

    def __init__(self, reg: float = 250.0) -> None:
        self.reg = reg
        self.name = "ease"

    def fit(self, train: pd.DataFrame) -> EASE:
        """Closed-form item weights with a zero diagonal."""
        matrix = self._index(train)
        gram = (matrix.T @ matrix).toarray()
        gram[np.diag_indices_from(gram)] += self.reg
        inverse = np.linalg.inv(gram)
        weights = -inverse / np.diag(inverse)
        np.fill_diagonal(weights, 0.0)
        self.weights_ = weights
        return self


class RatingRanker:
    """Rank by a course baseline's predicted rating (`GlobalMean` ties everything: item id order)."""

    def __init__(self, model: GlobalMean | BiasBaseline, name: str | None = None) -> None:
        self.model = model
        self.name = name or {"GlobalMean": "global_mean", "BiasBaseline": "bias_baseline"}.get(
            type(model).__name__, type(model).__name__.lower()
        )

    def fit(self, train: pd.DataFrame) -> RatingRanker:
        """Fit the wrapped model."""
        self.model.fit(train)
        return self

    def predict(self, pairs: pd.DataFrame) -> np.ndarray:
        """The wrapped model's ratings."""
        return self.model.predict(pairs)

    def score(self, user_ids: np.ndarray, item_ids: np.ndarray) -> np.ndarray:
        """Predicted ratings over the grid."""
        users, items = np.asarray(user_ids), np.asarray(item_ids)
        grid = pd.DataFrame(
            {"user_id": np.repeat(users, len(items)), "item_id": np.tile(items, len(users))}
        )
        return np.asarray(self.model.predict(grid), dtype=float).reshape(len(users), len(items))
