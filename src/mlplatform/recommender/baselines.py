"""Baselines every recommender must beat: the global mean, user and item biases, popularity."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class GlobalMean:
    """Predict the mean training rating for everyone."""

    mean_: float = field(default=float("nan"), init=False)

    def fit(self, train: pd.DataFrame) -> GlobalMean:
        """Learn the mean rating."""
        self.mean_ = float(train["rating"].mean())
        return self

    def predict(self, pairs: pd.DataFrame) -> np.ndarray:
        """One prediction per (user_id, item_id) row."""
        return np.full(len(pairs), self.mean_)


@dataclass
class BiasBaseline:
    """Mean + user bias + item bias, shrunk towards zero for users and items with few ratings.

    Unknown users or items get a bias of zero, so a new user is predicted the item's average.
    """

    reg_user: float = 10.0
    reg_item: float = 25.0
    n_iter: int = 3
    mean_: float = field(default=float("nan"), init=False)
    user_bias_: pd.Series = field(default_factory=pd.Series, init=False)
    item_bias_: pd.Series = field(default_factory=pd.Series, init=False)

    def fit(self, train: pd.DataFrame) -> BiasBaseline:
        """Alternate regularised item and user bias estimates (a few passes converge)."""
        self.mean_ = float(train["rating"].mean())
        residual = train["rating"] - self.mean_
        user_bias = pd.Series(0.0, index=pd.Index(train["user_id"].unique(), name="user_id"))
        for _ in range(self.n_iter):
            item_resid = residual - train["user_id"].map(user_bias)
            grouped = item_resid.groupby(train["item_id"])
            item_bias = grouped.sum() / (grouped.count() + self.reg_item)
            user_resid = residual - train["item_id"].map(item_bias)
            grouped = user_resid.groupby(train["user_id"])
            user_bias = grouped.sum() / (grouped.count() + self.reg_user)
        self.user_bias_, self.item_bias_ = user_bias, item_bias
        return self

    def predict(self, pairs: pd.DataFrame) -> np.ndarray:
        """One prediction per (user_id, item_id) row, clipped to the 1-5 scale."""
        user = pairs["user_id"].map(self.user_bias_).fillna(0.0).to_numpy()
        item = pairs["item_id"].map(self.item_bias_).fillna(0.0).to_numpy()
        return np.clip(self.mean_ + user + item, 1.0, 5.0)


def most_popular(train: pd.DataFrame, k: int = 10, since: pd.Timestamp | None = None) -> list[int]:
    """The `k` items rated most often (since `since`, when given: recent popularity)."""
    window = train if since is None else train[train["timestamp"] >= since]
    counts = window.groupby("item_id").size()
    # Sort by count, then by id, so ties are broken the same way on every machine.
    ranked = counts.reset_index(name="n").sort_values(["n", "item_id"], ascending=[False, True])
    return ranked["item_id"].head(k).astype(int).tolist()
