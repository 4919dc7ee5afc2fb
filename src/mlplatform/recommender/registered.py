"""Log any fitted rating model (SVD, KNNBaseline, ...) as an MLflow pyfunc and register it.

`registry.log_recommender` stores the `BiasBaseline` as code plus JSON; the surprise models have
fitted state that is not worth spelling out as JSON, so here the fitted model is pickled inside
the pyfunc (MLflow's default for a `PythonModel` instance). Loading it needs the same `mlplatform`,
`scikit-surprise` and numpy versions: fine inside this course's environment, and the reason the
run records them as pip requirements.

The run has the shape `promote_if_better` expects: the training and evaluation frames as dataset
inputs, `rmse` and `mae` on the evaluation frame, and a fingerprint tag so that re-running the
notebook finds the existing version instead of registering a copy.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import mlflow
import numpy as np
import pandas as pd
from mlflow.entities.model_registry import ModelVersion
from mlflow.models import infer_signature

from mlplatform.recommender.metrics import mae, rmse
from mlplatform.recommender.models import RatingModel
from mlplatform.registry import FINGERPRINT_TAG, register_model
from mlplatform.tracking import dataset_version, log_dataset, quiet_integer_hint


class RatingPyfunc(mlflow.pyfunc.PythonModel):
    """A fitted rating model as a pyfunc: DataFrame of user_id, item_id in, predicted rating out."""

    def __init__(self, model: RatingModel) -> None:
        self.model = model

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict | None = None) -> Any:
        """One predicted rating (1-5) per row."""
        return pd.Series(self.model.predict(model_input), name="predicted_rating")


@dataclass(frozen=True)
class RegisteredRun:
    """What `log_and_register` recorded."""

    run_id: str
    metrics: dict[str, float]
    fingerprint: str
    version: ModelVersion | None


def fingerprint(name: str, params: Mapping[str, Any], training_digest: str) -> str:
    """16 hex characters that change with the model's name, parameters or training data."""
    payload = {"model": name, "params": dict(params), "training_digest": training_digest}
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]


def log_and_register(
    model: RatingModel,
    name: str,
    params: Mapping[str, Any],
    train: pd.DataFrame,
    test: pd.DataFrame,
    register_as: str | None = None,
    extra_metrics: Mapping[str, float] | None = None,
) -> RegisteredRun:
    """Fit `model` on `train`, score it on `test` and log both, the model and its metrics, as a run.

    Args:
        model: an unfitted rating model (e.g. `make_model("svd", **params)`).
        name: its short name, used as run name and in the fingerprint.
        params: the parameters it was built with (logged and fingerprinted).
        train: training ratings; logged as the "training" dataset input.
        test: held-out ratings; logged as "evaluation" (the digest `promote_if_better` compares).
        register_as: registered model name; None logs without registering.
        extra_metrics: further metrics of the run, e.g. ranking or per-slice metrics.
    """
    training = dataset_version(train, "movielens-train")
    evaluation = dataset_version(test, "movielens-test")
    model.fit(train)
    predicted = np.asarray(model.predict(test))
    metrics = {"rmse": rmse(test["rating"], predicted), "mae": mae(test["rating"], predicted)}
    metrics |= {key: float(value) for key, value in (extra_metrics or {}).items()}
    model_fingerprint = fingerprint(name, params, training.digest)
    example = test[["user_id", "item_id"]].head(5).reset_index(drop=True)
    with mlflow.start_run(run_name=name) as run, quiet_integer_hint():
        mlflow.log_params({"model": name, **params})
        log_dataset(train, training, context="training")
        log_dataset(test, evaluation, context="evaluation")
        mlflow.log_metrics(metrics)
        mlflow.set_tag(FINGERPRINT_TAG, model_fingerprint)
        signature = infer_signature(example, pd.Series(model.predict(example), name="rating"))
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=RatingPyfunc(model),
            signature=signature,
            input_example=example,
        )
    version = (
        register_model(info.model_uri, register_as, model_fingerprint) if register_as else None
    )
    return RegisteredRun(run.info.run_id, metrics, model_fingerprint, version)
