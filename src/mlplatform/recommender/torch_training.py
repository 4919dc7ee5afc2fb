"""Train the torch recommender on a Feast training set, with its loss curves in MLflow, and register it.

- `feast_training_set(ratings)`: one row per rating with the features Feast knew one second before
  it (`mlplatform.features.training_set`, a point-in-time join), or as of one fixed time (`as_of`),
  which is what a model sees when features are frozen at training time. Users and movies that had
  no feature row yet (their first rating) get their static attributes (age, gender, occupation,
  genres, release year) from the MovieLens tables: they are known at sign-up, before any rating.
- `train_and_register(...)` / `log_fitted(...)`: one MLflow run with train, inner-validation and
  test RMSE per epoch (the loss curves), the data versions (training and evaluation datasets), RMSE/MAE on the evaluation frame, and the
  model as a pyfunc whose input may carry a new user's age, gender and occupation.
- `plot_loss_curves(history)`: the per-epoch RMSEs as a figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from mlflow.models import ModelSignature
from mlflow.types import ColSpec, Schema

from mlplatform.config import Settings
from mlplatform.features import training_set
from mlplatform.recommender.feature_sources import entity_frame
from mlplatform.recommender.registered import RegisteredRun, register_fitted
from mlplatform.recommender.torch_model import TorchRecommender

STATIC_USER = ("age", "gender", "occupation")
STATIC_ITEM = ("genres", "release_year")
SIGNATURE = ModelSignature(
    inputs=Schema(
        [
            ColSpec("long", "user_id"),
            ColSpec("long", "item_id"),
            ColSpec("long", "age", required=False),
            ColSpec("string", "gender", required=False),
            ColSpec("string", "occupation", required=False),
        ]
    ),
    outputs=Schema([ColSpec("double", "predicted_rating")]),
)


def fill_static(frame: pd.DataFrame, users: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Fill missing static attributes from the user and movie tables (known before any rating)."""
    out = frame.copy()
    for table, key, columns in ((users, "user_id", STATIC_USER), (items, "item_id", STATIC_ITEM)):
        lookup = table.set_index(key)
        ids = out[key].to_numpy()
        for column in columns:
            known = pd.Series(
                lookup[column].astype(object).reindex(ids).to_numpy(), index=out.index
            )
            out[column] = out[column].astype(object).where(out[column].notna(), known)
    out["age"] = pd.to_numeric(out["age"], errors="coerce")
    out["release_year"] = pd.to_numeric(out["release_year"], errors="coerce")
    return out


def feast_training_set(
    ratings: pd.DataFrame,
    users: pd.DataFrame,
    items: pd.DataFrame,
    settings: Settings | None = None,
    as_of: datetime | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Ratings plus their Feast features, point in time; rows in the order of `ratings`.

    Args:
        ratings: `user_id`, `item_id`, `rating`, `timestamp`.
        users: `movielens.load_users()` (static attributes for users without a feature row yet).
        items: `movielens.load_items()`.
        settings: which feature store; default `load_settings()`.
        as_of: ask for every row's features as of this one time (frozen features) instead of
            one second before each rating.

    Returns:
        `user_id`, `item_id`, `event_timestamp`, `rating`, the feature columns, and `timestamp`.
    """
    entities = entity_frame(ratings)
    if as_of is not None:
        entities["event_timestamp"] = pd.Timestamp(as_of)
    frame = training_set(entities, settings)
    frame["timestamp"] = ratings["timestamp"].to_numpy()
    return fill_static(frame, users, items)


def plot_loss_curves(histories: Mapping[str, list[dict[str, float]]]) -> Figure:
    """One panel per model: RMSE per epoch on train, inner validation and (if logged) test."""
    fig, axes = plt.subplots(1, len(histories), figsize=(5.5 * len(histories), 3.5), squeeze=False)
    for ax, (name, history) in zip(axes[0], histories.items(), strict=True):
        frame = pd.DataFrame(history)
        for column in frame.columns:
            ax.plot(np.arange(1, len(frame) + 1), frame[column], marker="o", label=column)
        ax.set(title=name, xlabel="epoch", ylabel="RMSE")
        ax.legend()
    fig.tight_layout()
    return fig


@dataclass(frozen=True)
class TorchRun(RegisteredRun):
    """What `train_and_register` recorded, with the fitted model."""

    model: TorchRecommender


def train_and_register(
    model: TorchRecommender,
    train: pd.DataFrame,
    test: pd.DataFrame,
    register_as: str | None = None,
    run_name: str | None = None,
    extra_metrics: Mapping[str, float] | None = None,
) -> TorchRun:
    """Fit `model` on the Feast training set `train`, then `log_fitted` it (test RMSE per epoch too)."""
    model.fit(train, valid=test[["user_id", "item_id", "rating"]])
    return log_fitted(model, train, test, register_as, run_name, extra_metrics)


def log_fitted(
    model: TorchRecommender,
    train: pd.DataFrame,
    test: pd.DataFrame,
    register_as: str | None = None,
    run_name: str | None = None,
    extra_metrics: Mapping[str, float] | None = None,
) -> TorchRun:
    """Log a fitted model as one MLflow run (loss curves, data versions, metrics, model); register.

    `train` is the Feast training set it was fitted on; `test` the held-out ratings (e.g.
    `split_by_time(...).test`), logged as is as the evaluation dataset, so `promote_if_better` can
    compare this version with any other evaluated on the same frame (chapter 12's SVD, the bias
    baseline of chapter 05). Test ratings are predicted from `user_id` and `item_id` only, i.e.
    from the features as of the end of training: what a served model sees.
    """
    done = register_fitted(
        model, train, test, run_name=run_name or model.name, register_as=register_as,
        params={**model.params(), "best_epoch": model.best_epoch_}, extra_metrics=extra_metrics,
        training_name="movielens-feast-train", signature=SIGNATURE, history=model.history,
    )  # fmt: skip
    return TorchRun(done.run_id, done.metrics, done.fingerprint, done.version, model)
