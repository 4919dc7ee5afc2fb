"""Train a recommender baseline inside an MLflow run: data versions, parameters, metrics, model.

One call records everything chapter 01 left out: which data trained and evaluated the model (as
dataset inputs with digests), its parameters, its test metrics and the fitted model itself, and
registers it (once: an unchanged model on unchanged data finds its existing version). It goes
through the same path as every registered model (`registered.register_fitted`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from mlplatform.recommender.baselines import BiasBaseline
from mlplatform.recommender.registered import register_fitted
from mlplatform.registry import Registration
from mlplatform.tracking import DatasetVersion, dataset_version


@dataclass(frozen=True)
class TrackedRun(Registration):
    """What `train_and_log` recorded: the registration and the two data versions."""

    training: DatasetVersion
    evaluation: DatasetVersion


def train_and_log(
    model: BiasBaseline,
    train: pd.DataFrame,
    test: pd.DataFrame,
    run_name: str,
    register_as: str | None = None,
    tags: dict[str, str] | None = None,
) -> TrackedRun:
    """Fit `model` on `train`, evaluate on `test`, and log it all as one run of the active experiment.

    Metrics (`rmse`, `mae`) are logged against the evaluation dataset and the logged model, so the
    MLflow UI shows which data each number was measured on. `register_as` names the registered
    model to register it under (returning the existing version when nothing changed); `tags` are
    added to the run.
    """
    model.fit(train)
    done = register_fitted(model, train, test, run_name=run_name, register_as=register_as,
                           tags=tags)  # fmt: skip
    training = dataset_version(train, "movielens-train")
    evaluation = dataset_version(test, "movielens-test")
    return TrackedRun(**vars(done), training=training, evaluation=evaluation)
