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


@pytest.mark.parametrize(
    ("candidate", "champion", "tolerance", "passed", "reason"),
    [
        ({"rmse": 0.95}, {"rmse": 0.97}, 0.0, True, "rmse -0.0200"),
        ({"rmse": 0.975}, {"rmse": 0.97}, 0.01, True, "no regression beyond 0.01"),
        ({"rmse": 0.99}, {"rmse": 0.97}, 0.01, False, "rmse regressed: 0.9900 vs champion 0.9700"),
        ({"ndcg_at_10": 0.10}, {"ndcg_at_10": 0.12}, 0.0, False, "ndcg_at_10 regressed"),
        ({"ndcg_at_10": 0.13}, {"ndcg_at_10": 0.12}, 0.0, True, "ndcg_at_10 +0.0100"),
        ({"mae": 0.7}, {"mae": 0.7, "rmse": 0.9}, 0.0, False, "rmse is missing"),
        ({"rmse": float("nan")}, {"rmse": 0.9}, 0.0, False, "rmse is missing"),
        ({"rmse": 2.0}, None, 0.0, True, "no champion yet"),
        ({"rmse": 2.0}, {}, 0.0, True, "no champion yet"),
    ],
)
def test_compare_to_champion(candidate, champion, tolerance, passed, reason) -> None:
    result = mc.compare_to_champion(candidate, champion, tolerance)
    assert result.passed is passed
    assert reason in result.reason


def test_gate_reports_deltas_and_accepts_custom_directions() -> None:
    result = mc.compare_to_champion(
        {"coverage": 0.5}, {"coverage": 0.4}, directions={"coverage": "higher"}
    )
    assert result.passed
    assert result.deltas == pytest.approx({"coverage": 0.1})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tolerance": -0.1}, "tolerance must be >= 0, got -0.1"),
        ({"directions": {"rmse": "sideways"}}, "no direction for metric 'rmse'"),
    ],
)
def test_gate_refuses_bad_arguments(kwargs, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        mc.compare_to_champion({"rmse": 1.0}, {"rmse": 1.0}, **kwargs)


def test_unknown_metric_names_its_fix() -> None:
    with pytest.raises(ValueError, match=r"pass directions=\{'recall': 'lower'\}"):
        mc.compare_to_champion({"recall": 1.0}, {"recall": 1.0})
