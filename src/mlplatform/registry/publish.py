"""The one way a project logs and registers a model: models from code, lineage, fingerprint.

A project describes its model as a `ModelPackage`: the entry file that calls
`mlflow.models.set_model(...)` (MLflow's models-from-code: no pickled Python object), the artifacts
holding the fitted state (JSON, npz, a torch state_dict), the signature and, optionally, an input
example. `log_and_register` then writes one run: parameters, the data the model was trained and
evaluated on (any `DataInput`: a DataFrame with its `DatasetVersion`, or a project's own kind such
as the OCR manifests), metrics (linked to the logged model), the fingerprint tag, and registers
the model once per fingerprint. Moving `champion` is `promote_if_better`'s job.

Example:
    >>> package = ModelPackage(ENTRY, {"state": state_file}, signature)  # doctest: +SKIP
    >>> log_and_register(package, run_name="svd", params=params, metrics=metrics,
    ...                  data=[FrameInput(train, "training")], parts={"model": "svd"},
    ...                  register_as="movie-recommender")  # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import mlflow
import pandas as pd
from mlflow.entities.model_registry import ModelVersion
from mlflow.models import ModelSignature
from mlflow.models.model import ModelInfo

from mlplatform.registry.fingerprint import FINGERPRINT_TAG, fingerprint
from mlplatform.registry.versions import register_model
from mlplatform.tracking import DatasetVersion, dataset_version, log_dataset, quiet_integer_hint


class DataInput(Protocol):
    """Data a run used, logged as a dataset input under a context ("training" or "evaluation")."""

    context: str

    @property
    def digest(self) -> str:
        """The content digest (what the fingerprint and `promote_if_better` compare)."""
        ...

    def log(self) -> None:
        """Record it on the active run."""
        ...


@dataclass(frozen=True)
class FrameInput:
    """A DataFrame as a run's input; its `DatasetVersion` is computed unless given."""

    frame: pd.DataFrame
    context: str
    name: str = ""
    version: DatasetVersion | None = None

    def __post_init__(self) -> None:
        if self.version is None:
            name = self.name or f"data-{self.context}"
            object.__setattr__(self, "version", dataset_version(self.frame, name))

    @property
    def digest(self) -> str:
        """The frame's content digest."""
        return self.dataset.digest

    @property
    def dataset(self) -> DatasetVersion:
        """The frame's `DatasetVersion`."""
        assert self.version is not None  # set in __post_init__
        return self.version

    def log(self) -> None:
        """Log the frame as a dataset input of the active run."""
        log_dataset(self.frame, self.dataset, context=self.context)


@dataclass(frozen=True)
class ModelPackage:
    """What a project hands over: entry file, fitted-state artifacts, signature, example."""

    entry_point: Path
    artifacts: Mapping[str, Path]
    signature: ModelSignature
    input_example: pd.DataFrame | None = None
    pip_requirements: Sequence[str] | None = None
    code_paths: Sequence[Path] = field(default_factory=tuple)

    def _arguments(self) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "python_model": str(self.entry_point),
            "artifacts": {key: str(path) for key, path in self.artifacts.items()},
            "signature": self.signature,
        }
        if self.input_example is not None:
            arguments["input_example"] = self.input_example
        if self.pip_requirements is not None:
            arguments["pip_requirements"] = list(self.pip_requirements)
        return arguments


@dataclass(frozen=True)
class Registration:
    """What `log_and_register` recorded."""

    run_id: str
    model_uri: str
    metrics: dict[str, float]
    fingerprint: str
    version: ModelVersion | None  # None when nothing was registered


def log_package(package: ModelPackage) -> ModelInfo:
    """Log `package` as the model "model" of the active run."""
    with warnings.catch_warnings(), quiet_integer_hint():
        # Without an example MLflow warns; a project leaves it out when running it is costly.
        warnings.filterwarnings("ignore", message=".*input example was not provided.*")
        return mlflow.pyfunc.log_model(name="model", **package._arguments())


def save_package(package: ModelPackage, path: Path) -> Path:
    """Write `package` as an MLflow model folder (no tracking server), e.g. to time loading it."""
    with warnings.catch_warnings(), quiet_integer_hint():
        warnings.filterwarnings("ignore", message=".*input example was not provided.*")
        mlflow.pyfunc.save_model(path=str(path), **package._arguments())
    return Path(path)


def _log_metrics(metrics: Mapping[str, float], info: ModelInfo, data: Sequence[DataInput]) -> None:
    """Log metrics linked to the model and, when it is a frame, to the evaluation data."""
    evaluation = next((d for d in data if d.context == "evaluation"), None)
    dataset = None
    if isinstance(evaluation, FrameInput):
        with quiet_integer_hint():
            dataset = mlflow.data.from_pandas(
                evaluation.frame, name=evaluation.dataset.name, digest=evaluation.digest
            )
    with quiet_integer_hint():  # logging against a dataset re-reads the frame's schema
        for key, value in metrics.items():
            mlflow.log_metric(key, float(value), dataset=dataset, model_id=info.model_id)


def log_and_register(
    package: ModelPackage,
    *,
    run_name: str,
    params: Mapping[str, Any],
    metrics: Mapping[str, float],
    data: Sequence[DataInput],
    parts: Mapping[str, Any],
    register_as: str | None = None,
    tags: Mapping[str, str] | None = None,
    history: Sequence[Mapping[str, float]] = (),
) -> Registration:
    """Log one run (params, data, metrics, model) and register the model once per fingerprint.

    Args:
        package: the model as code plus artifacts.
        run_name: the run's name in the active experiment.
        params: logged as run parameters.
        metrics: logged against the model (and the evaluation frame, if any).
        data: the training and evaluation inputs; their digests join the fingerprint.
        parts: what identifies the model besides its data (kind, parameters, weight files).
        register_as: registered model name; None logs without registering.
        tags: extra run tags.
        history: per-step metrics (e.g. loss per epoch), logged with the step number.
    """
    key = fingerprint({**parts, "data": {d.context: d.digest for d in data}})
    with mlflow.start_run(run_name=run_name, tags=dict(tags or {})) as run:
        mlflow.log_params(dict(params))
        for step, record in enumerate(history):
            mlflow.log_metrics(dict(record), step=step)
        for item in data:
            item.log()
        info = log_package(package)
        _log_metrics(metrics, info, data)
        mlflow.set_tag(FINGERPRINT_TAG, key)
    version = register_model(info.model_uri, register_as, key) if register_as else None
    values = {name: float(value) for name, value in metrics.items()}
    return Registration(run.info.run_id, info.model_uri, values, key, version)
