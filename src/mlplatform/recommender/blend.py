"""Linear stacking of rating models, with the blend weights learned on data the members never saw.

`StackedBlend.fit(train)`:

1. hold out a random `inner_fraction` of `train` (seeded): the *inner validation* set;
2. fit every member on the rest and predict the inner validation ratings;
3. fit a ridge regression `rating ~ intercept + sum_m w_m * prediction_m` on those predictions;
4. refit every member on all of `train`.

The test fold is never touched, so cross-validated RMSE of the blend is an honest estimate: the
weights come from predictions on ratings the members had not been trained on, exactly like test.

Example:
    >>> blend = StackedBlend({"svd": lambda: make_model("svd"), "knn": ...})  # doctest: +SKIP
    >>> blend.fit(train).predict(test)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mlplatform.recommender.models import RatingModel
from mlplatform.recommender.movielens import RATING_SCALE


def fit_weights(predictions: np.ndarray, ratings: np.ndarray, ridge: float = 1.0) -> np.ndarray:
    """Ridge least squares with an unpenalised intercept: returns [intercept, w_1, ..., w_m].

    Args:
        predictions: n x m, one column per member.
        ratings: the n true ratings.
        ridge: L2 penalty on the member weights (keeps correlated members from cancelling out).
    """
    if predictions.ndim != 2 or len(predictions) != len(ratings):
        raise ValueError(
            f"predictions must be n x m with n = len(ratings) = {len(ratings)}, "
            f"got shape {predictions.shape}"
        )
    design = np.hstack([np.ones((len(predictions), 1)), predictions])
    penalty = ridge * np.eye(design.shape[1])
    penalty[0, 0] = 0.0
    return np.linalg.solve(design.T @ design + penalty, design.T @ np.asarray(ratings, float))


@dataclass
class StackedBlend:
    """A weighted sum of member models' predicted ratings (see the module docstring).

    Args:
        members: name -> factory of an unfitted rating model.
        inner_fraction: share of train held out to fit the weights.
        ridge: L2 penalty of the weight regression.
        seed: draws the inner validation rows.
    """

    members: Mapping[str, Callable[[], RatingModel]]
    inner_fraction: float = 0.1
    ridge: float = 1.0
    seed: int = 0
    name: str = "blend"
    weights_: dict[str, float] = field(default_factory=dict, init=False)

    def fit(self, train: pd.DataFrame) -> StackedBlend:
        """Learn the weights on the inner validation rows, then refit every member on all of train."""
        if not 0.0 < self.inner_fraction < 1.0:
            raise ValueError(f"inner_fraction must be between 0 and 1, got {self.inner_fraction}")
        frame = train.reset_index(drop=True)
        inner = np.random.default_rng(self.seed).random(len(frame)) < self.inner_fraction
        fit_part, held = frame[~inner], frame[inner]
        columns = [factory().fit(fit_part).predict(held) for factory in self.members.values()]
        coefficients = fit_weights(np.column_stack(columns), held["rating"].to_numpy(), self.ridge)
        self.intercept_ = float(coefficients[0])
        self.weights_ = dict(zip(self.members, map(float, coefficients[1:]), strict=True))
        self.fitted_ = {name: factory().fit(frame) for name, factory in self.members.items()}
        return self

    def _check(self) -> dict[str, RatingModel]:
        if not hasattr(self, "fitted_"):
            raise RuntimeError("The blend is not fitted yet: call .fit(train) first.")
        return self.fitted_

    def predict(self, pairs: pd.DataFrame) -> np.ndarray:
        """Blended rating per (user_id, item_id) row, clipped to 1-5."""
        fitted = self._check()
        total = np.full(len(pairs), self.intercept_)
        for name, model in fitted.items():
            total += self.weights_[name] * np.asarray(model.predict(pairs), float)
        return np.clip(total, *RATING_SCALE)

    def score(self, user_ids: np.ndarray, item_ids: np.ndarray) -> np.ndarray:
        """Blended unclipped scores for the user x item grid."""
        fitted = self._check()
        total = np.full((len(user_ids), len(item_ids)), self.intercept_)
        for name, model in fitted.items():
            total += self.weights_[name] * np.asarray(model.score(user_ids, item_ids), float)
        return total
