import numpy as np
import pandas as pd
import pytest

from mlplatform.recommender import model_checks as mc
from mlplatform.recommender.baselines import BiasBaseline, GlobalMean


def train_frame() -> pd.DataFrame:
    # Item 1 is loved (5 stars from everyone), item 2 hated (1 star), item 3 in between.
    users = np.repeat(np.arange(1, 7), 3)
    items = np.tile([1, 2, 3], 6)
    ratings = np.tile([5.0, 1.0, 3.0], 6)
    return pd.DataFrame({"user_id": users, "item_id": items, "rating": ratings})


class OrderDependent:
    """Predicts from the row position: breaks invariance."""

    def predict(self, pairs: pd.DataFrame) -> np.ndarray:
        return np.linspace(1, 5, len(pairs))


class UsesEveryColumn:
    """Reads a column it should ignore: breaks invariance to an unrelated column."""

    def predict(self, pairs: pd.DataFrame) -> np.ndarray:
        return np.full(len(pairs), 3.1 if "unrelated" in pairs.columns else 3.0)


class Broken:
    """Returns NaN for a new user and values off the scale."""

    def predict(self, pairs: pd.DataFrame) -> np.ndarray:
        return np.where(pairs["user_id"].to_numpy() < 0, np.nan, 7.0)


def test_bias_baseline_passes_every_behavioural_check() -> None:
    model = BiasBaseline(reg_user=0.0, reg_item=0.0).fit(train_frame())
    pairs = train_frame()[["user_id", "item_id"]]
    assert mc.check_minimum_functionality(model, pairs) == []
    assert mc.check_invariance(model, pairs) == []
    assert mc.check_directional(model, [1, 2, 3, 99], loved=1, hated=2) == []


def test_minimum_functionality_problems() -> None:
    problems = mc.check_minimum_functionality(Broken(), train_frame())
    assert problems == [
        "the given pairs: 18 predictions outside [1.0, 5.0]",
        "a new user (user_id -1): 1 predictions not finite",
    ]


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (OrderDependent(), "predictions change when the rows are shuffled"),
        (UsesEveryColumn(), "predictions change when an unrelated column is added"),
    ],
)
def test_invariance_problems(model, expected: str) -> None:
    assert expected in mc.check_invariance(model, train_frame()[["user_id", "item_id"]])


def test_a_model_that_ignores_items_fails_the_directional_check() -> None:
    model = GlobalMean().fit(train_frame())
    problems = mc.check_directional(model, [1, 2], loved=1, hated=2)
    assert problems == [
        "2 of 2 users are not predicted to prefer item 1 (loved) to item 2 (hated), e.g. users [1, 2]"
    ]


def test_loved_and_hated_items() -> None:
    assert mc.loved_and_hated_items(train_frame(), min_ratings=6) == (1, 2)
    with pytest.raises(ValueError, match="fewer than two items have 7 ratings"):
        mc.loved_and_hated_items(train_frame(), min_ratings=7)


def toy_ratings(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    users = rng.integers(1, 41, n)
    items = rng.integers(1, 31, n)
    # Ratings depend on the item, so a model with item biases beats the global mean.
    rating = np.clip(np.round(1 + items / 8 + rng.normal(0, 0.5, n)), 1, 5)
    start = pd.Timestamp("1998-01-01", tz="UTC")
    return pd.DataFrame(
        {
            "user_id": users.astype(np.int32),
            "item_id": items.astype(np.int32),
            "rating": rating.astype(np.float32),
            "timestamp": start + pd.to_timedelta(np.arange(n), unit="h"),
        }
    )


def test_train_and_evaluate_is_deterministic_and_ranks_models() -> None:
    ratings = toy_ratings()
    bias = mc.train_and_evaluate(ratings, BiasBaseline, n_users=30, seed=1)
    assert bias == mc.train_and_evaluate(ratings, BiasBaseline, n_users=30, seed=1)
    assert set(bias) == {"rmse", "mae"}
    assert bias["rmse"] < mc.train_and_evaluate(ratings, GlobalMean, 30, seed=1)["rmse"]
