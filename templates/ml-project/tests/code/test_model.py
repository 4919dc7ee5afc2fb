"""Code tests: the model and the gate on tiny frames built here."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ratings_model.data import split_by_time
from ratings_model.gate import compare
from ratings_model.model import BiasModel, rmse

TRAIN = pd.DataFrame(
    {"user_id": [1, 1, 2, 2], "item_id": [10, 20, 10, 20], "rating": [5.0, 1.0, 4.0, 2.0]}
)


def test_biases_follow_the_ratings() -> None:
    model = BiasModel(reg=0.0).fit(TRAIN)
    assert model.mean == 3.0
    assert model.item_bias[10] > 0 > model.item_bias[20]


def test_unknown_user_gets_the_item_average() -> None:
    model = BiasModel(reg=0.0).fit(TRAIN)
    predicted = model.predict(pd.DataFrame({"user_id": [99], "item_id": [10]}))
    assert predicted == pytest.approx([4.5])


def test_save_and_load_give_the_same_predictions(tmp_path: Path) -> None:
    model = BiasModel().fit(TRAIN)
    model.save(tmp_path / "model.json")
    again = BiasModel.load(tmp_path / "model.json")
    np.testing.assert_allclose(again.predict(TRAIN), model.predict(TRAIN))


def test_rmse() -> None:
    assert rmse(np.array([1.0, 3.0]), np.array([2.0, 2.0])) == 1.0


def test_split_by_time_never_tests_on_the_past() -> None:
    ratings = TRAIN.assign(timestamp=[4, 1, 3, 2])
    train, test = split_by_time(ratings, 0.5)
    assert train["timestamp"].max() < test["timestamp"].min()
    with pytest.raises(ValueError, match="between 0 and 1"):
        split_by_time(ratings, 1.5)


@pytest.mark.parametrize(
    ("candidate", "champion", "passed"),
    [
        ({"rmse": 0.90, "mae": 0.70}, {"rmse": 0.95, "mae": 0.75}, True),
        ({"rmse": 0.955, "mae": 0.75}, {"rmse": 0.95, "mae": 0.75}, True),
        ({"rmse": 1.00, "mae": 0.70}, {"rmse": 0.95, "mae": 0.75}, False),
        ({"rmse": 1.00, "mae": 0.90}, None, True),
    ],
)
def test_compare(candidate, champion, passed) -> None:
    assert compare(candidate, champion, tolerance=0.01)[0] is passed
