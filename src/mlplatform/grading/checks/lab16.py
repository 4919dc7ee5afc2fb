"""Public checks for lab 16, testing and CI/CD: a data test, an invariance test, the champion gate."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlplatform.grading.checks.lab01 import toy_ratings
from mlplatform.grading.public import Check, CheckFailed, Namespace, answer
from mlplatform.recommender.baselines import BiasBaseline


class RowPositionModel:
    """A broken model: its prediction depends on where a row sits, not on the user or item."""

    def predict(self, pairs: pd.DataFrame) -> np.ndarray:
        """Predict 1 for the first row rising to 5 for the last."""
        return np.linspace(1.0, 5.0, len(pairs))


def _problems(value: object, what: str) -> list:
    if not isinstance(value, list):
        raise CheckFailed(f"{what} should return a list of problems, not {type(value).__name__}.")
    return value


def _check_rating_range(ns: Namespace) -> None:
    check_rating_range = answer(ns, "check_rating_range")
    ratings = toy_ratings()
    clean = _problems(check_rating_range(ratings), "check_rating_range")
    if clean:
        raise CheckFailed(f"every toy rating is between 1 and 5, but you reported {clean}.")
    corrupt = ratings.copy()
    corrupt.loc[[0, 1, 2], "rating"] = [0.0, 6.0, 10.0]
    found = _problems(check_rating_range(corrupt), "check_rating_range")
    if not found:
        raise CheckFailed(
            "three ratings (0, 6 and 10 stars) are off the 1-5 scale; you found none."
        )
    if not any("3" in str(problem) for problem in found):
        raise CheckFailed(f"say how many ratings are out of range (3); your problems: {found}.")


def _check_row_order_invariance(ns: Namespace) -> None:
    check_row_order_invariance = answer(ns, "check_row_order_invariance")
    ratings = toy_ratings()
    model = BiasBaseline().fit(ratings)
    pairs = ratings[["user_id", "item_id"]]
    good = _problems(check_row_order_invariance(model, pairs, 0), "check_row_order_invariance")
    if good:
        raise CheckFailed(f"BiasBaseline does not depend on row order, but you reported {good}.")
    bad = _problems(
        check_row_order_invariance(RowPositionModel(), pairs, 0), "check_row_order_invariance"
    )
    if not bad:
        raise CheckFailed(
            "a model whose predictions follow the row position passed your test; compare each "
            "row's prediction before and after shuffling."
        )


def _check_gate(ns: Namespace) -> None:
    gate = answer(ns, "gate")
    cases = [
        ({"rmse": 0.95, "mae": 0.75}, {"rmse": 0.97, "mae": 0.76}, 0.0, True, "a better model"),
        ({"rmse": 1.05, "mae": 0.75}, {"rmse": 0.97, "mae": 0.76}, 0.01, False, "a worse RMSE"),
        ({"rmse": 0.97, "mae": 0.80}, {"rmse": 0.97, "mae": 0.76}, 0.01, False, "a worse MAE"),
        ({"rmse": 0.975, "mae": 0.76}, {"rmse": 0.97, "mae": 0.76}, 0.01, True, "within tolerance"),
        ({"rmse": 1.5, "mae": 1.2}, None, 0.0, True, "no champion yet"),
    ]
    for candidate, champion, tolerance, expected, label in cases:
        result = gate(candidate, champion, tolerance)
        if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], str)):
            raise CheckFailed("gate should return a pair (passed, reason) with a str reason.")
        if bool(result[0]) is not expected:
            raise CheckFailed(
                f"{label}: gate({candidate}, {champion}, {tolerance}) should "
                f"{'pass' if expected else 'fail'}; it returned {result}."
            )


CHECKS = [
    Check(
        "q1",
        3,
        (
            "a data check reports problems as sentences a person can act on, and says nothing "
            "when all is well (chapter 16's contract checks)."
        ),
        _check_rating_range,
    ),
    Check(
        "q2",
        3,
        (
            "an invariance test (chapter 16): shuffling the rows must not change any prediction, "
            "matched row by row."
        ),
        _check_row_order_invariance,
    ),
    Check(
        "q3",
        4,
        (
            "the release gate of chapter 16: with no champion there is nothing to beat; otherwise"
            " every metric must be no worse than the champion's, within the tolerance, and a "
            "metric the candidate does not report cannot pass."
        ),
        _check_gate,
    ),
]
