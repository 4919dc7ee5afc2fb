"""Tests of mlplatform.recommender.blend: ridge stacking fitted on an inner validation split."""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from mlplatform.recommender.blend import StackedBlend, fit_weights


@dataclass
class Constant:
    """Predicts `value` for everything, and remembers how many rows it was fitted on."""

    value: float
    rows: int = 0

    def fit(self, train: pd.DataFrame) -> "Constant":
        self.rows = len(train)
        return self

    def predict(self, pairs: pd.DataFrame) -> np.ndarray:
        return np.full(len(pairs), self.value)

    def score(self, user_ids: np.ndarray, item_ids: np.ndarray) -> np.ndarray:
        return np.full((len(user_ids), len(item_ids)), self.value)


@dataclass
class Truth:
    """Knows the rating of every pair it was fitted on or told about (a perfect member)."""

    table: pd.DataFrame

    def fit(self, train: pd.DataFrame) -> "Truth":
        return self

    def predict(self, pairs: pd.DataFrame) -> np.ndarray:
        merged = pairs[["user_id", "item_id"]].merge(self.table, how="left")
        return merged["rating"].to_numpy(float)


def ratings(n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "user_id": np.arange(n),
            "item_id": rng.integers(0, 50, n),
            "rating": rng.integers(1, 6, n),
        }
    )


def test_fit_weights_recovers_a_known_linear_combination() -> None:
    rng = np.random.default_rng(1)
    predictions = rng.normal(3, 1, size=(500, 2))
    target = 0.5 + 0.3 * predictions[:, 0] + 0.6 * predictions[:, 1]
    np.testing.assert_allclose(fit_weights(predictions, target, ridge=0.0), [0.5, 0.3, 0.6])


def test_fit_weights_rejects_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match="n x m"):
        fit_weights(np.ones(5), np.ones(5))


def test_blend_puts_its_weight_on_the_member_that_is_right() -> None:
    frame = ratings()
    blend = StackedBlend({"noise": lambda: Constant(3.0), "truth": lambda: Truth(frame)}).fit(frame)
    assert blend.weights_["truth"] > 0.9
    np.testing.assert_allclose(blend.predict(frame), frame["rating"], atol=0.1)


def test_members_are_refitted_on_all_of_train_and_scores_are_blended() -> None:
    frame = ratings()
    blend = StackedBlend({"a": lambda: Constant(2.0), "b": lambda: Constant(4.0)}).fit(frame)
    assert all(member.rows == len(frame) for member in blend.fitted_.values())
    grid = blend.score(np.array([1, 2]), np.array([7, 8, 9]))
    assert grid.shape == (2, 3) and np.allclose(grid, blend.predict(frame.head(1))[0])


@pytest.mark.parametrize("fraction", [0.0, 1.0])
def test_inner_fraction_must_leave_rows_on_both_sides(fraction: float) -> None:
    with pytest.raises(ValueError, match="inner_fraction"):
        StackedBlend({"a": lambda: Constant(3.0)}, inner_fraction=fraction).fit(ratings())


def test_an_unfitted_blend_says_how_to_fit_it() -> None:
    with pytest.raises(RuntimeError, match=r"call \.fit"):
        StackedBlend({"a": lambda: Constant(3.0)}).predict(ratings())
