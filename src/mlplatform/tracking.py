"""MLflow runs and data versions: point the client at the server, log runs, record the data used.

The tracking URI is set here, from `mlplatform.config`, never in a notebook. Every data set a run
trains or evaluates on is recorded as a `DatasetVersion` (a content hash, row and column counts and
the schema) and logged as an MLflow dataset input, so a registered model traces back to its data:
model version -> run -> dataset inputs -> digest.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from mlplatform import services
from mlplatform.config import Settings, load_settings

if TYPE_CHECKING:
    from mlflow import MlflowClient

DIGEST_LENGTH = 32  # hex characters of SHA-256 kept: MLflow's dataset table allows 36
CONTEXTS = ("training", "evaluation")
# MLflow reads the default artifact root of a SQLite store from this (private) variable, and falls
# back to ./mlruns in the working directory; temporary stores set it so nothing lands in the cwd.
_ARTIFACT_ROOT_ENV = "_MLFLOW_SERVER_ARTIFACT_ROOT"
_ENV_KEYS = ("MLFLOW_TRACKING_URI", "MLFLOW_EXPERIMENT_ID", _ARTIFACT_ROOT_ENV)


def use_tracking_server(settings: Settings | None = None) -> str:
    """Point MLflow at the platform's server after checking that it answers; returns the URI."""
    import mlflow  # heavy import, only when tracking is used

    settings = settings or load_settings()
    uri = services.require("mlflow", settings)
    mlflow.set_tracking_uri(uri)
    return uri


def tracking_client() -> MlflowClient:
    """An `MlflowClient` for the current tracking URI, after checking that a server there answers.

    Raises:
        ServiceNotRunningError: the URI is a server that does not answer (MLflow's own client would
            retry for minutes before failing); the message says how to start it.
    """
    import mlflow

    uri = mlflow.get_tracking_uri()
    if uri.startswith(("http://", "https://")) and not services.is_answering(
        uri.rstrip("/") + "/health"
    ):
        raise services.ServiceNotRunningError(
            f"MLflow is not answering at {uri}. Start it with `make platform-up` and check it "
            "with `make platform-status`."
        )
    return mlflow.MlflowClient()


@contextmanager
def temporary_tracking_uri(uri: str) -> Iterator[str]:
    """Use another tracking URI (for example `sqlite:///...`) inside a `with` block, then restore.

    Restores the previous tracking URI and the active experiment (which `mlflow.set_experiment`
    keeps in a module global and in `MLFLOW_EXPERIMENT_ID`), so code after the block logs where it
    did before. Checks and tests use it to keep their runs out of the learner's server.
    """
    import mlflow
    from mlflow.tracking import fluent
    from mlflow.tracking._tracking_service import utils as tracking_utils

    if mlflow.active_run() is not None:
        raise RuntimeError(
            "A run is still active; end it with `mlflow.end_run()` before switching tracking URIs."
        )
    saved_uri = tracking_utils._tracking_uri  # None when never set: keep it that way
    saved_env = {key: os.environ.get(key) for key in _ENV_KEYS}
    saved_experiment = fluent._active_experiment_id
    mlflow.set_tracking_uri(uri)
    fluent._active_experiment_id = None
    os.environ.pop("MLFLOW_EXPERIMENT_ID", None)
    if uri.startswith("sqlite:///"):  # artifacts beside the database, not in ./mlruns
        os.environ[_ARTIFACT_ROOT_ENV] = str(
            Path(uri.removeprefix("sqlite:///")).parent / "artifacts"
        )
    try:
        yield uri
    finally:
        while mlflow.active_run() is not None:
            mlflow.end_run("KILLED")
        mlflow.set_tracking_uri(saved_uri)
        fluent._active_experiment_id = saved_experiment
        for key, value in saved_env.items():  # set_tracking_uri also writes MLFLOW_TRACKING_URI
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def quiet_integer_hint() -> Iterator[None]:
    """Silence MLflow's hint that integer columns cannot hold missing values (ids never miss)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*integer column", category=UserWarning)
        yield


def log_run(
    experiment: str,
    run_name: str,
    params: Mapping[str, object],
    metrics: Mapping[str, float],
    tags: Mapping[str, str] | None = None,
) -> str:
    """Log one run with parameters, metrics and tags on the platform's server; returns its run id."""
    import mlflow

    use_tracking_server()
    mlflow.set_experiment(experiment)
    with mlflow.start_run(run_name=run_name, tags=dict(tags or {})) as run:
        mlflow.log_params(dict(params))
        mlflow.log_metrics({k: float(v) for k, v in metrics.items()})
    return run.info.run_id


def run_url(run_id: str, settings: Settings | None = None) -> str:
    """Link to a run in the MLflow UI."""
    import mlflow

    settings = settings or load_settings()
    run = mlflow.get_run(run_id)
    return f"{settings.mlflow_tracking_uri}/#/experiments/{run.info.experiment_id}/runs/{run_id}"


@dataclass(frozen=True)
class DatasetVersion:
    """What identifies one version of a data frame: a content hash, its size and its schema."""

    name: str
    digest: str  # first DIGEST_LENGTH hex characters of a SHA-256 over schema and content
    n_rows: int
    n_columns: int
    schema: dict[str, str]  # column -> dtype

    def tags(self, context: str) -> dict[str, str]:
        """Run tags that name this version, e.g. `data.training.digest`."""
        prefix = f"data.{context}"
        return {
            f"{prefix}.name": self.name,
            f"{prefix}.digest": self.digest,
            f"{prefix}.rows": str(self.n_rows),
            f"{prefix}.columns": str(self.n_columns),
        }


def dataset_version(df: pd.DataFrame, name: str) -> DatasetVersion:
    """Hash a frame's columns, dtypes and values (not its index) into a `DatasetVersion`.

    The same rows in the same order give the same digest on every machine; changing a value, a
    column name, a dtype or the row order changes it.
    """
    schema = {str(column): str(dtype) for column, dtype in df.dtypes.items()}
    sha = hashlib.sha256(json.dumps(schema, sort_keys=False).encode())
    sha.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return DatasetVersion(name, sha.hexdigest()[:DIGEST_LENGTH], len(df), df.shape[1], schema)


def log_dataset(df: pd.DataFrame, version: DatasetVersion, context: str) -> None:
    """Log `df` as an input of the active run (MLflow dataset + run tags), under `context`.

    Raises:
        ValueError: `context` is not "training" or "evaluation", or `version` is not `df`'s.
    """
    import mlflow

    if context not in CONTEXTS:
        raise ValueError(f"context={context!r}: use one of {', '.join(CONTEXTS)}.")
    if version.n_rows != len(df) or version.n_columns != df.shape[1]:
        raise ValueError(
            f"{version.name!r} has {version.n_rows} rows x {version.n_columns} columns but the "
            f"frame has {len(df)} x {df.shape[1]}: compute it with dataset_version(df, name)."
        )
    with quiet_integer_hint():
        dataset = mlflow.data.from_pandas(df, name=version.name, digest=version.digest)
        mlflow.log_input(dataset, context=context, tags={"rows": str(version.n_rows)})
    mlflow.set_tags(version.tags(context))


@dataclass(frozen=True)
class LoggedDataset:
    """A dataset input as MLflow recorded it on a run."""

    context: str
    name: str
    digest: str


def dataset_inputs(run_id: str) -> dict[str, LoggedDataset]:
    """The datasets a run logged, by context ("training", "evaluation")."""
    run = tracking_client().get_run(run_id)
    found = {}
    for item in run.inputs.dataset_inputs:
        tags = {tag.key: tag.value for tag in item.tags}
        context = tags.get("mlflow.data.context", "")
        found[context] = LoggedDataset(context, item.dataset.name, item.dataset.digest)
    return found
