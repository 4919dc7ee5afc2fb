"""Model tests: behaviour of a model trained on the CI sample, and a quality floor."""

import numpy as np
import pandas as pd
import pytest

from ratings_model.data import load_ratings, sample_users, split_by_time
from ratings_model.model import BiasModel, evaluate


@pytest.fixture(scope="module")
def split() -> tuple[pd.DataFrame, pd.DataFrame]:
    return split_by_time(sample_users(load_ratings(), 200))


@pytest.fixture(scope="module")
def model(split) -> BiasModel:
    return BiasModel().fit(split[0])


def test_minimum_functionality(model: BiasModel, split) -> None:
    predicted = model.predict(split[1])
    assert predicted.shape == (len(split[1]),)
    assert np.isfinite(predicted).all()
    assert ((predicted >= 1) & (predicted <= 5)).all()


def test_invariance_to_row_order_and_unrelated_columns(model: BiasModel, split) -> None:
    test = split[1]
    expected = pd.Series(model.predict(test), index=test.index)
    shuffled = test.sample(frac=1.0, random_state=1)
    np.testing.assert_allclose(model.predict(shuffled), expected.loc[shuffled.index])
    np.testing.assert_allclose(model.predict(test.assign(unrelated="x")), expected)


def test_loved_item_is_predicted_above_hated_item(model: BiasModel, split) -> None:
    means = split[0].groupby("item_id")["rating"].agg(["mean", "size"])
    means = means[means["size"] >= 5].sort_values("mean")
    loved, hated = int(means.index[-1]), int(means.index[0])
    users = split[0]["user_id"].unique()[:20]
    pairs = pd.DataFrame({"user_id": np.repeat(users, 2), "item_id": [loved, hated] * len(users)})
    predicted = model.predict(pairs)
    assert (predicted[::2] > predicted[1::2]).all()


def test_beats_the_global_mean(model: BiasModel, split) -> None:
    train, test = split
    mean_rmse = float(np.sqrt(((test["rating"] - train["rating"].mean()) ** 2).mean()))
    assert evaluate(model, test)["rmse"] < mean_rmse
