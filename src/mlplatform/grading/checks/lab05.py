"""Public checks for lab 05, experiment tracking and the model registry.

Every check runs the learner's function against a scratch SQLite tracking store of its own (never the
platform's server), so checks are fast, repeatable, and leave the learner's runs and aliases alone.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from mlplatform.grading.public import Check, CheckFailed, Namespace, answer
from mlplatform.tracking import temporary_tracking_uri


@functools.cache
def _empty_store() -> Path:
    """An empty, fully migrated MLflow SQLite file, made once per process (migrations take seconds)."""
    import mlflow

    folder = Path(tempfile.mkdtemp(prefix="lab05-template-"))
    atexit.register(shutil.rmtree, folder, True)
    database = folder / "mlflow.db"
    with temporary_tracking_uri(f"sqlite:///{database}"):
        mlflow.MlflowClient().search_experiments()  # creates the tables
    return database


@contextmanager
def scratch_store() -> Iterator[str]:
    """A fresh SQLite tracking and registry store for one check; the previous URI comes back after."""
    with tempfile.TemporaryDirectory(prefix="lab05-check-") as folder:
        database = Path(folder) / "mlflow.db"
        shutil.copyfile(_empty_store(), database)
        with temporary_tracking_uri(f"sqlite:///{database}") as uri:
            yield uri


def log_runs(
    experiment: str, metrics: list[Mapping[str, float]], status: str = "FINISHED"
) -> list[str]:
    """Log one run per metrics dict in `experiment`; returns their run ids."""
    import mlflow

    client = mlflow.MlflowClient()
    found = client.get_experiment_by_name(experiment)
    experiment_id = found.experiment_id if found else client.create_experiment(experiment)
    run_ids = []
    for values in metrics:
        run = client.create_run(experiment_id)
        for key, value in values.items():
            client.log_metric(run.info.run_id, key, value)
        client.set_terminated(run.info.run_id, status)
        run_ids.append(run.info.run_id)
    return run_ids


def register_runs(name: str, run_ids: list[str]) -> list[int]:
    """Register one version of `name` per run (no model files needed); returns the versions."""
    import mlflow

    client = mlflow.MlflowClient()
    client.create_registered_model(name)
    return [
        int(client.create_model_version(name, f"runs:/{run_id}/model", run_id=run_id).version)
        for run_id in run_ids
    ]


def _check_log_training_run(ns: Namespace) -> None:
    import mlflow

    log_training_run = answer(ns, "log_training_run")
    params, metrics = {"reg_user": 10.0, "reg_item": 25}, {"rmse": 1.0312, "mae": 0.8231}
    with scratch_store():
        run_id = log_training_run("lab05-check", params, metrics, {"chapter": "05"})
        if not isinstance(run_id, str):
            raise CheckFailed(f"return the run id as a string, not a {type(run_id).__name__}.")
        run = mlflow.get_run(run_id)
        if run.info.status != "FINISHED":
            raise CheckFailed(
                f"the run is {run.info.status}: end it (use `with mlflow.start_run()`)."
            )
        experiment = mlflow.get_experiment(run.info.experiment_id).name
        if experiment != "lab05-check":
            raise CheckFailed(f"the run is in experiment {experiment!r}, not 'lab05-check'.")
        if run.data.params != {"reg_user": "10.0", "reg_item": "25"}:
            raise CheckFailed(f"the run's params are {run.data.params}, expected {params}.")
        if run.data.metrics != metrics:
            raise CheckFailed(f"the run's metrics are {run.data.metrics}, expected {metrics}.")
        if run.data.tags.get("chapter") != "05":
            raise CheckFailed("the tag chapter=05 is missing from the run.")


def _check_best_run_id(ns: Namespace) -> None:
    best_run_id = answer(ns, "best_run_id")
    with scratch_store():
        ids = log_runs("sweep", [{"rmse": 1.2, "ndcg": 0.10}, {"rmse": 0.9, "ndcg": 0.30},
                                 {"rmse": 1.05, "ndcg": 0.20}, {"mae": 0.1}])  # fmt: skip
        (failed,) = log_runs("sweep", [{"rmse": 0.5, "ndcg": 0.9}], status="FAILED")
        got = best_run_id("sweep", "rmse")
        if got == failed:
            raise CheckFailed("you returned a FAILED run; keep only runs with status FINISHED.")
        if got != ids[1]:
            raise CheckFailed(
                f"the run with the lowest rmse (0.9) is {ids[1]}, you returned {got}."
            )
        got = best_run_id("sweep", "ndcg", higher_is_better=True)
        if got != ids[1]:
            raise CheckFailed(
                "with higher_is_better=True the best ndcg (0.30) should win; you returned "
                f"{'the lowest' if got == ids[0] else 'another'} run."
            )


def _check_promote_if_improved(ns: Namespace) -> None:
    import mlflow

    promote_if_improved = answer(ns, "promote_if_improved")
    with scratch_store():
        client = mlflow.MlflowClient()
        runs = log_runs("registry", [{"rmse": 1.10}, {"rmse": 1.00}, {"rmse": 1.05}])
        v1, v2, v3 = register_runs("recommender", runs)
        steps = [(v1, True, v1, "the first version becomes champion when there is none"),
                 (v2, True, v2, "v2 (rmse 1.00) beats champion v1 (rmse 1.10)"),
                 (v3, False, v2, "v3 (rmse 1.05) does not beat champion v2 (rmse 1.00)")]  # fmt: skip
        for version, promoted, champion, why in steps:
            got = promote_if_improved(client, "recommender", version, "rmse")
            if got is not promoted:
                raise CheckFailed(f"{why}, so expected {promoted}, got {got!r}.")
            now = client.get_registered_model("recommender").aliases.get("champion")
            if now is None or int(now) != champion:
                raise CheckFailed(f"{why}: 'champion' should point at v{champion}, not {now}.")


CHECKS = [
    Check("q1", 3, "mlflow.set_experiment(experiment), then `with mlflow.start_run() as run:` and "
          "log_params, log_metrics, set_tags inside; return run.info.run_id.", _check_log_training_run),
    Check("q2", 3, "mlflow.search_runs(experiment_names=[...], filter_string=\"attributes.status = "
          "'FINISHED'\"), drop rows where metrics.<metric> is missing, then idxmin or idxmax.",
          _check_best_run_id),
    Check("q3", 4, "client.get_model_version(name, version).run_id -> client.get_run(...).data.metrics; "
          "the champion's version is client.get_registered_model(name).aliases.get('champion').",
          _check_promote_if_improved),
]  # fmt: skip
