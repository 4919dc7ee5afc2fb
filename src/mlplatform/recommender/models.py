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
from surprise import NMF, SVD, BaselineOnly, Dataset, KNNBaseline, Reader, SVDpp, Trainset

from mlplatform.recommender.movielens import RATING_SCALE
from mlplatform.recommender.surprise_state import SurpriseState, score_grid

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
        self.state: SurpriseState | None = None

    def __repr__(self) -> str:
        return f"SurpriseModel({self.name!r}, **{self.params})"

    @classmethod
    def from_state(
        cls, name: str, params: Mapping[str, Any], state: SurpriseState
    ) -> SurpriseModel:
        """A fitted model rebuilt from its saved arrays (no surprise training needed)."""
        model = cls(name, **params)
        model.state = state
        return model

    def fit(self, train: pd.DataFrame) -> SurpriseModel:
        """Fit on a ratings frame (all its rows are training data)."""
        return self.fit_trainset(to_dataset(train).build_full_trainset())

    def fit_trainset(self, trainset: Trainset) -> SurpriseModel:
        """Fit on a surprise `Trainset` (what `KFold` yields)."""
        self.algo.fit(trainset)
        self.state = SurpriseState.from_fitted(self.algo, trainset)
        return self

    def predict(self, pairs: pd.DataFrame) -> np.ndarray:
        """One rating per (user_id, item_id) row, clipped to the rating scale like surprise's."""
        return np.clip(predict_pairs(self, pairs), *RATING_SCALE)

    def score(self, user_ids: np.ndarray, item_ids: np.ndarray) -> np.ndarray:
        """Unclipped estimates for the grid; unknown users or items get surprise's fallbacks."""
        if self.state is None:
            raise RuntimeError(f"{self!r} is not fitted yet: call .fit(train) first.")
        return score_grid(self.state, self.name, self._unbiased(), user_ids, item_ids)

    def _unbiased(self) -> bool:
        """SVD with `biased=False` and NMF by default predict a plain dot product of factors."""
        return self.name in ("svd", "nmf") and not self.params.get("biased", self.name == "svd")


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
