"""Log and register any fitted recommender through the platform's one path (`mlplatform.registry`).

Every recommender (the `BiasBaseline` of chapter 05, the surprise models of chapter 12, the torch
model of the release pipeline) is logged the same way: its fitted state saved as files
(`model_files`: JSON, npz, a torch state_dict), this package's `pyfunc_entry.py` as the model's
code, a signature, the training and evaluation frames as dataset inputs, RMSE and MAE on the
evaluation frame, and a fingerprint (model kind + parameters + data digests), so that re-running a
notebook finds the existing version instead of registering a copy. No Python object is pickled.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
from mlflow.entities.model_registry import ModelVersion
from mlflow.models import ModelSignature, infer_signature

from mlplatform import registry
from mlplatform.recommender.metrics import mae, rmse
from mlplatform.recommender.model_files import load_model, model_name, model_params, save_model
from mlplatform.registry import FrameInput, ModelPackage, Registration
from mlplatform.tracking import quiet_integer_hint

ENTRY_POINT = Path(__file__).parent / "pyfunc_entry.py"
OUTPUT = "predicted_rating"
REQUIREMENTS = ("mlflow", "pandas", "numpy", "scipy")


class RatingPyfunc(mlflow.pyfunc.PythonModel):
    """A saved rating model as a pyfunc: DataFrame of user_id, item_id in, predicted rating out."""

    def __init__(self) -> None:
        self.model: Any = None

    def load_context(self, context: mlflow.pyfunc.PythonModelContext) -> None:
        """Rebuild the fitted model from the folder `model_files.save_model` wrote."""
        self.model = load_model(Path(context.artifacts["model"]))

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict | None = None) -> Any:
        """One predicted rating (1-5) per row."""
        if self.model is None:
            raise RuntimeError("The model has no state: load it with mlflow.pyfunc.load_model.")
        return pd.Series(np.asarray(self.model.predict(model_input)), name=OUTPUT)


@dataclass(frozen=True)
class RegisteredRun:
    """What `log_and_register` recorded."""

    run_id: str
    metrics: dict[str, float]
    fingerprint: str
    version: ModelVersion | None


def requirements(model: object) -> list[str]:
    """Pinned pip requirements of a saved model (torch only for the torch model)."""
    names = [*REQUIREMENTS, "torch"] if model_name(model).startswith("torch") else REQUIREMENTS
    return [f"{name}=={installed_version(name)}" for name in names]


def model_package(
    model: Any, folder: Path, example: pd.DataFrame | None, signature: ModelSignature | None = None
) -> ModelPackage:
    """Save `model` under `folder` and describe it as a `ModelPackage`.

    The signature is inferred from `example` and the model's predictions unless given.
    """
    saved = save_model(model, Path(folder) / "model")
    if signature is None:
        if example is None:
            raise ValueError("Give an input example or a signature.")
        with quiet_integer_hint():
            predicted = pd.Series(np.asarray(model.predict(example)), name=OUTPUT)
            signature = infer_signature(example, predicted)
    return ModelPackage(ENTRY_POINT, {"model": saved}, signature, example, requirements(model))


def register_fitted(
    model: Any,
    train: pd.DataFrame,
    test: pd.DataFrame,
    *,
    run_name: str,
    register_as: str | None = None,
    params: Mapping[str, Any] | None = None,
    extra_metrics: Mapping[str, float] | None = None,
    training_name: str = "movielens-train",
    signature: ModelSignature | None = None,
    tags: Mapping[str, str] | None = None,
    history: Sequence[Mapping[str, float]] = (),
) -> Registration:
    """Score a fitted model on `test` and log/register it with `registry.log_and_register`.

    Test ratings are predicted from `user_id` and `item_id` only: what a served model receives.
    """
    pairs = test[["user_id", "item_id"]].reset_index(drop=True)
    predicted = np.asarray(model.predict(pairs))
    metrics = {"rmse": rmse(test["rating"], predicted), "mae": mae(test["rating"], predicted)}
    metrics |= {key: float(value) for key, value in (extra_metrics or {}).items()}
    params = dict(model_params(model) if params is None else params)
    name = model_name(model)
    data = [FrameInput(train, "training", training_name),
            FrameInput(test, "evaluation", "movielens-test")]  # fmt: skip
    example = None if signature is not None else pairs.head(5)
    with tempfile.TemporaryDirectory() as folder:
        return registry.log_and_register(
            model_package(model, Path(folder), example, signature),
            run_name=run_name,
            params={"model": name, **params},
            metrics=metrics,
            data=data,
            parts={"model": name, "params": params},
            register_as=register_as,
            tags=tags,
            history=history,
        )


def log_and_register(
    model: Any,
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
        name: its short name, used as run name.
        params: the parameters it was built with (logged and fingerprinted).
        train: training ratings; logged as the "training" dataset input.
        test: held-out ratings; logged as "evaluation" (the digest `promote_if_better` compares).
        register_as: registered model name; None logs without registering.
        extra_metrics: further metrics of the run, e.g. ranking or per-slice metrics.
    """
    model.fit(train)
    done = register_fitted(model, train, test, run_name=name, register_as=register_as,
                           params=params, extra_metrics=extra_metrics)  # fmt: skip
    return RegisteredRun(done.run_id, done.metrics, done.fingerprint, done.version)
