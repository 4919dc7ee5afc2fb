"""The model registry: log the recommender as an MLflow model, register it once, move aliases.

Registered names and aliases follow the design: `movie-recommender`, `champion` and `challenger`.
A version is registered with a *fingerprint* tag (model class + parameters + training data digest),
so re-running a notebook finds the existing version instead of adding a duplicate. `promote_if_better`
moves `champion` only when the candidate beats it on the same evaluation data (same digest).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException
from mlflow.models import infer_signature
from mlflow.models.model import ModelInfo

from mlplatform import registry_chatter
from mlplatform.recommender.baselines import BiasBaseline
from mlplatform.tracking import DatasetVersion, dataset_inputs, quiet_integer_hint, tracking_client

log = logging.getLogger(__name__)

MODEL_NAME = "movie-recommender"
CHAMPION, CHALLENGER = "champion", "challenger"
FINGERPRINT_TAG = "mlplatform.fingerprint"
ENTRY_POINT = Path(__file__).parent / "recommender" / "pyfunc_entry.py"


class UnknownAliasError(LookupError):
    """A registered model has no version under the alias asked for."""


class DigestMismatchError(ValueError):
    """Two versions were evaluated on different data, so their metrics cannot be compared."""


class BiasRecommender(mlflow.pyfunc.PythonModel):
    """`BiasBaseline` as an MLflow pyfunc: DataFrame of user_id, item_id in, predicted rating out."""

    def __init__(self) -> None:
        self.model: BiasBaseline | None = None

    def load_context(self, context: mlflow.pyfunc.PythonModelContext) -> None:
        """Rebuild the fitted baseline from the JSON artifact written by `log_recommender`."""
        self.model = baseline_from_state(json.loads(Path(context.artifacts["state"]).read_text()))

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict | None = None) -> Any:
        """One predicted rating (1-5) per row."""
        if self.model is None:
            raise RuntimeError("The model has no state: load it with mlflow.pyfunc.load_model.")
        return pd.Series(self.model.predict(model_input), name="predicted_rating")


def baseline_state(model: BiasBaseline) -> dict[str, Any]:
    """A fitted `BiasBaseline` as plain JSON-able data."""
    return {
        "params": model_params(model),
        "mean": model.mean_,
        "user_bias": {int(k): float(v) for k, v in model.user_bias_.items()},
        "item_bias": {int(k): float(v) for k, v in model.item_bias_.items()},
    }


def baseline_from_state(state: dict[str, Any]) -> BiasBaseline:
    """The inverse of `baseline_state`."""
    model = BiasBaseline(**state["params"])
    model.mean_ = float(state["mean"])
    for attribute, key in (("user_bias_", "user_bias"), ("item_bias_", "item_bias")):
        biases = {int(k): v for k, v in state[key].items()}
        setattr(model, attribute, pd.Series(biases, dtype=float))
    return model


def model_params(model: object) -> dict[str, Any]:
    """The constructor parameters of a dataclass model or a scikit-learn estimator."""
    if dataclasses.is_dataclass(model):
        return {f.name: getattr(model, f.name) for f in dataclasses.fields(model) if f.init}
    if hasattr(model, "get_params"):
        return dict(model.get_params())
    raise TypeError(
        f"Cannot read the parameters of {type(model).__name__}: use a dataclass or an estimator "
        "with get_params()."
    )


def model_fingerprint(model: object, training: DatasetVersion) -> str:
    """16 hex characters that change when the model class, its parameters or the training data do."""
    cls = type(model)
    payload = {
        "class": f"{cls.__module__}.{cls.__qualname__}",
        "params": model_params(model),
        "training_digest": training.digest,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[
        :16
    ]


def log_recommender(model: BiasBaseline, input_example: pd.DataFrame) -> ModelInfo:
    """Log a fitted `BiasBaseline` in the active run as a pyfunc model named "model".

    The model is logged as code (MLflow 3's models-from-code, no pickle) plus a JSON artifact with
    the fitted biases; the signature is inferred from `input_example` and its predictions.
    Loading it needs the `mlplatform` package installed.
    """
    example = input_example[["user_id", "item_id"]].head(5).reset_index(drop=True)
    with quiet_integer_hint():
        signature = infer_signature(
            example, pd.Series(model.predict(example), name="predicted_rating")
        )
    requirements = [f"mlflow=={mlflow.__version__}", f"pandas=={pd.__version__}",
                    f"numpy=={np.__version__}"]  # fmt: skip
    with tempfile.TemporaryDirectory() as folder, quiet_integer_hint():
        state = Path(folder) / "bias_baseline.json"
        state.write_text(json.dumps(baseline_state(model)))
        return mlflow.pyfunc.log_model(
            name="model",
            python_model=str(ENTRY_POINT),
            artifacts={"state": str(state)},
            signature=signature,
            input_example=example,
            pip_requirements=requirements,
        )


def find_version(name: str, fingerprint: str) -> ModelVersion | None:
    """The registered version of `name` tagged with `fingerprint`, if there is one."""
    client = tracking_client()
    found = client.search_model_versions(
        f"name = '{name}' and tags.`{FINGERPRINT_TAG}` = '{fingerprint}'"
    )
    return min(found, key=lambda v: int(v.version)) if found else None


def register_model(model_uri: str, name: str, fingerprint: str) -> ModelVersion:
    """Register `model_uri` under `name`, unless a version with the same fingerprint exists.

    Returns:
        The new version, or the existing one with this fingerprint (nothing is registered then).
    """
    existing = find_version(name, fingerprint)
    if existing is not None:
        log.info(
            "%s version %s has fingerprint %s: not registering again",
            name,
            existing.version,
            fingerprint,
        )
        return existing
    return registry_chatter.register_model(model_uri, name, tags={FINGERPRINT_TAG: fingerprint})


def aliases(name: str) -> dict[str, int]:
    """The aliases of a registered model, alias -> version."""
    try:
        model = tracking_client().get_registered_model(name)
    except MlflowException as error:
        if error.error_code != "RESOURCE_DOES_NOT_EXIST":
            raise
        raise LookupError(f"No registered model named {name!r}; register one first.") from None
    return {alias: int(version) for alias, version in model.aliases.items()}


def set_alias(name: str, alias: str, version: int | str) -> None:
    """Point `alias` at `version` of `name` (moving it if it pointed elsewhere)."""
    tracking_client().set_registered_model_alias(name, alias, str(version))


def version_by_alias(name: str, alias: str) -> ModelVersion:
    """The version `alias` points at.

    Raises:
        UnknownAliasError: the alias is not set; the message lists the aliases that are.
    """
    known = aliases(name)
    if alias not in known:
        listed = ", ".join(f"{a} -> v{v}" for a, v in sorted(known.items())) or "none"
        raise UnknownAliasError(
            f"{name!r} has no alias {alias!r} (aliases set: {listed}). Set it with "
            f"set_alias({name!r}, {alias!r}, version)."
        )
    return tracking_client().get_model_version_by_alias(name, alias)


def load_by_alias(name: str, alias: str) -> mlflow.pyfunc.PyFuncModel:
    """Load the version `alias` points at as a pyfunc model (`models:/name@alias`)."""
    version_by_alias(name, alias)  # a clear error when the alias is missing
    return mlflow.pyfunc.load_model(f"models:/{name}@{alias}")


@dataclass(frozen=True)
class Promotion:
    """The outcome of `promote_if_better`."""

    promoted: bool
    candidate: int
    champion: int | None  # the champion before the decision (None: there was none)
    metric: str
    candidate_value: float
    champion_value: float | None
    evaluation_digest: str

    def describe(self) -> str:
        """One sentence for a notebook or a log."""
        if self.champion is None:
            return f"v{self.candidate} is the first champion ({self.metric}={self.candidate_value:.4f})."
        if self.champion == self.candidate:
            return f"v{self.candidate} is already the champion."
        verb = "replaces" if self.promoted else "does not beat"
        return (
            f"v{self.candidate} ({self.metric}={self.candidate_value:.4f}) {verb} champion "
            f"v{self.champion} ({self.metric}={self.champion_value:.4f}) on evaluation data "
            f"{self.evaluation_digest[:12]}."
        )


def evaluation_of(name: str, version: int | str, metric: str) -> tuple[float, str]:
    """`metric` of the run that produced a version, and the digest of its evaluation data.

    Raises:
        KeyError: the run has no such metric, or logged no evaluation dataset.
    """
    model_version = tracking_client().get_model_version(name, str(version))
    run = tracking_client().get_run(model_version.run_id)
    if metric not in run.data.metrics:
        raise KeyError(
            f"{name} v{version}: its run {model_version.run_id} has no metric {metric!r} "
            f"(it has {', '.join(sorted(run.data.metrics)) or 'none'})."
        )
    evaluation = dataset_inputs(model_version.run_id).get("evaluation")
    if evaluation is None:
        raise KeyError(
            f"{name} v{version}: its run logged no evaluation data; log it with "
            "log_dataset(test, dataset_version(test, name), context='evaluation')."
        )
    return run.data.metrics[metric], evaluation.digest


def promote_if_better(
    name: str, candidate_version: int | str, metric: str, higher_is_better: bool = False
) -> Promotion:
    """Make the candidate `champion` if it beats the current champion on the same evaluation data.

    The candidate first becomes `challenger`. If there is no champion it becomes champion. If it
    is strictly better, `champion` moves to it and `challenger` is removed; otherwise the champion
    stays and the candidate remains the challenger.

    Raises:
        DigestMismatchError: the two versions were evaluated on different data.
    """
    candidate = int(candidate_version)
    value, digest = evaluation_of(name, candidate, metric)
    champion = aliases(name).get(CHAMPION)
    if champion == candidate:
        return Promotion(False, candidate, champion, metric, value, value, digest)
    if champion is None:
        set_alias(name, CHAMPION, candidate)
        return Promotion(True, candidate, None, metric, value, None, digest)
    champion_value, champion_digest = evaluation_of(name, champion, metric)
    if champion_digest != digest:
        raise DigestMismatchError(
            f"v{candidate} was evaluated on data {digest[:12]}... but champion v{champion} on "
            f"{champion_digest[:12]}...: their {metric} values are not comparable. Evaluate both on the "
            "same held-out frame (same dataset_version digest) and log it with context='evaluation'."
        )
    better = value > champion_value if higher_is_better else value < champion_value
    set_alias(name, CHALLENGER, candidate)
    if better:
        set_alias(name, CHAMPION, candidate)
        tracking_client().delete_registered_model_alias(name, CHALLENGER)
    return Promotion(better, candidate, champion, metric, value, champion_value, digest)
