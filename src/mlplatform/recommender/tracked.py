"""Train a recommender baseline inside an MLflow run: data versions, parameters, metrics, model.

One call records everything chapter 01 left out: which data trained and evaluated the model (as
dataset inputs with digests), its parameters, its test metrics and the fitted model itself, and
registers it (once: an unchanged model on unchanged data finds its existing version).
"""

from __future__ import annotations

from dataclasses import dataclass

import mlflow
import pandas as pd
from mlflow.entities.model_registry import ModelVersion

from mlplatform.recommender.baselines import BiasBaseline
from mlplatform.recommender.metrics import mae, rmse
from mlplatform.registry import (
    FINGERPRINT_TAG,
    log_recommender,
    model_fingerprint,
    model_params,
    register_model,
)
from mlplatform.tracking import DatasetVersion, dataset_version, log_dataset, quiet_integer_hint


@dataclass(frozen=True)
class TrackedRun:
    """What `train_and_log` recorded."""

    run_id: str
    model_uri: str
    metrics: dict[str, float]
    fingerprint: str
    training: DatasetVersion
    evaluation: DatasetVersion
    version: ModelVersion | None  # the registered version, when registration was asked for


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
    training = dataset_version(train, "movielens-train")
    evaluation = dataset_version(test, "movielens-test")
    model.fit(train)
    predicted = model.predict(test)
    metrics = {"rmse": rmse(test["rating"], predicted), "mae": mae(test["rating"], predicted)}
    fingerprint = model_fingerprint(model, training)
    with mlflow.start_run(run_name=run_name, tags=tags) as run:
        mlflow.log_params({"model": type(model).__name__, **model_params(model)})
        log_dataset(train, training, context="training")
        log_dataset(test, evaluation, context="evaluation")
        info = log_recommender(model, test)
        with quiet_integer_hint():
            eval_input = mlflow.data.from_pandas(
                test, name=evaluation.name, digest=evaluation.digest
            )
            for key, value in metrics.items():
                mlflow.log_metric(key, value, dataset=eval_input, model_id=info.model_id)
        mlflow.set_tag(FINGERPRINT_TAG, fingerprint)
    version = register_model(info.model_uri, register_as, fingerprint) if register_as else None
    return TrackedRun(
        run.info.run_id, info.model_uri, metrics, fingerprint, training, evaluation, version
    )
