"""Tests of mlplatform.recommender.torch_training: Feast training sets, loss curves, registration."""

from pathlib import Path

import matplotlib
import mlflow
import numpy as np
import pandas as pd
import pytest

from mlplatform.recommender import torch_training
from mlplatform.recommender.torch_model import TorchConfig, TorchRecommender
from mlplatform.recommender.torch_training import (
    fill_static,
    log_fitted,
    plot_loss_curves,
    train_and_register,
)
from mlplatform.registry import CHAMPION, load_by_alias, promote_if_better
from mlplatform.tracking import dataset_inputs, dataset_version, temporary_tracking_uri

matplotlib.use("Agg")

USERS = pd.DataFrame(
    {"user_id": [1, 2], "age": [20, 40], "gender": ["F", "M"], "occupation": ["artist", "doctor"]}
)
ITEMS = pd.DataFrame(
    {"item_id": [7, 8], "genres": ["Drama", "Horror"], "release_year": [1990, 1995]}
)


def ratings() -> pd.DataFrame:
    times = pd.to_datetime(["1998-01-01", "1998-01-02", "1998-01-03"], utc=True)
    return pd.DataFrame(
        {"user_id": [1, 2, 1], "item_id": [7, 8, 8], "rating": [4.0, 2.0, 5.0], "timestamp": times}
    )


def feast_answer(entity_df: pd.DataFrame, settings: object = None) -> pd.DataFrame:
    """What Feast returns: nothing known before a user's or movie's first rating."""
    out = entity_df.copy()
    first = [True, True, False]
    for column in ("age", "gender", "occupation", "genres", "release_year"):
        out[column] = [None if f else "x" for f in first]
    out["age"], out["release_year"] = [np.nan, np.nan, 20], [np.nan, np.nan, 1995]
    return out


def test_fill_static_fills_only_what_feast_did_not_know() -> None:
    frame = feast_answer(ratings())
    filled = fill_static(frame, USERS, ITEMS)
    assert filled["gender"].tolist() == ["F", "M", "x"]
    assert filled["age"].tolist() == [20.0, 40.0, 20.0]
    assert filled["release_year"].tolist() == [1990.0, 1995.0, 1995.0]


@pytest.mark.parametrize("as_of", [None, pd.Timestamp("1998-06-01", tz="UTC")])
def test_feast_training_set_asks_one_second_before_or_at_a_fixed_time(monkeypatch, as_of) -> None:
    asked = {}

    def fake(entity_df: pd.DataFrame, settings: object = None) -> pd.DataFrame:
        asked["times"] = entity_df["event_timestamp"].tolist()
        return feast_answer(entity_df)

    monkeypatch.setattr(torch_training, "training_set", fake)
    frame = torch_training.feast_training_set(ratings(), USERS, ITEMS, as_of=as_of)
    expected = [as_of] * 3 if as_of else list(ratings()["timestamp"] - pd.Timedelta(seconds=1))
    assert asked["times"] == expected
    assert frame["timestamp"].tolist() == ratings()["timestamp"].tolist()


def test_plot_loss_curves_draws_one_panel_per_model() -> None:
    history = [
        {"train_rmse": 1.0, "inner_valid_rmse": 1.1},
        {"train_rmse": 0.9, "inner_valid_rmse": 1.0},
    ]
    fig = plot_loss_curves({"a": history, "b": history})
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) == 2


def synthetic(n: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {"user_id": rng.integers(1, 40, n), "item_id": rng.integers(1, 30, n)}
    ).drop_duplicates(ignore_index=True)
    frame["rating"] = rng.integers(1, 6, len(frame)).astype(np.float32)
    frame["timestamp"] = pd.Timestamp("1998-01-01", tz="UTC") + pd.to_timedelta(
        np.arange(len(frame)), unit="min"
    )
    return frame


def test_a_registered_torch_model_loads_by_alias_and_predicts_like_the_fitted_one(
    tmp_path: Path,
) -> None:
    frame = synthetic()
    train, test = frame.iloc[:450].reset_index(drop=True), frame.iloc[450:].reset_index(drop=True)
    config = TorchConfig(n_factors=4, epochs=3, seed=1)
    with temporary_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}"):
        mlflow.set_experiment("torch")
        run = train_and_register(TorchRecommender(config), train, test, register_as="m")
        again = log_fitted(run.model, train, test, register_as="m")
        promote_if_better("m", run.version.version, "rmse")
        loaded = load_by_alias("m", CHAMPION)
        new_user = pd.DataFrame({"user_id": [999], "item_id": [3], "age": [30], "gender": ["F"]})
        predicted = loaded.predict(test[["user_id", "item_id"]])
        cold = loaded.predict(new_user)
        steps = mlflow.MlflowClient().get_metric_history(run.run_id, "train_rmse")
        inputs = dataset_inputs(run.run_id)
    np.testing.assert_allclose(np.asarray(predicted), run.model.predict(test), atol=1e-6)
    assert np.isfinite(np.asarray(cold)).all()
    assert again.version.version == run.version.version
    assert len(steps) == len(run.model.history) >= 1
    assert inputs["evaluation"].digest == dataset_version(test, "movielens-test").digest


def test_a_saved_torch_model_loads_without_pickle_and_predicts_the_same(tmp_path: Path) -> None:
    from mlplatform.recommender.model_files import load_model, save_model

    frame = synthetic()
    model = TorchRecommender(TorchConfig(n_factors=4, epochs=2, seed=1)).fit(frame.iloc[:450])
    folder = save_model(model, tmp_path / "torch")
    assert not list(folder.rglob("*.pkl"))
    loaded = load_model(folder)
    pairs = frame.iloc[450:][["user_id", "item_id"]]
    np.testing.assert_array_equal(loaded.predict(pairs), model.predict(pairs))
    users, items = np.array([1, 2, 999]), np.array([1, 2, 3])
    np.testing.assert_array_equal(loaded.score(users, items), model.score(users, items))
