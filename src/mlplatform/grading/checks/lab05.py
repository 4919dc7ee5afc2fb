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
from typing import Any

from mlplatform.grading.public import Check, CheckFailed, Namespace, answer
from mlplatform.registry import chatter as registry_chatter
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


EVALUATION_DIGEST_TAG = (
    "data.evaluation.digest"  # what `log_dataset(..., context="evaluation")` sets
)


def log_runs(
    experiment: str,
    metrics: list[Mapping[str, float]],
    status: str = "FINISHED",
    tags: list[Mapping[str, str]] | None = None,
) -> list[str]:
    """Log one run per metrics dict (and tags dict) in `experiment`; returns their run ids."""
    import mlflow

    client = mlflow.MlflowClient()
    found = client.get_experiment_by_name(experiment)
    experiment_id = found.experiment_id if found else client.create_experiment(experiment)
    run_ids = []
    for values, run_tags in zip(metrics, tags or [{}] * len(metrics), strict=True):
        run = client.create_run(experiment_id, tags=dict(run_tags))
        for key, value in values.items():
            client.log_metric(run.info.run_id, key, value)
        client.set_terminated(run.info.run_id, status)
        run_ids.append(run.info.run_id)
    return run_ids


def register_runs(name: str, run_ids: list[str]) -> list[int]:
    """Log a small real model in each run and register it as a version of `name`; returns them.

    The model predicts 3.5 stars for every row (scikit-learn's DummyRegressor): loadable like any
    registered model, and instant to fit.
    """
    import mlflow
    import numpy as np
    from sklearn.dummy import DummyRegressor

    mlflow.MlflowClient().create_registered_model(name)
    model = DummyRegressor(strategy="constant", constant=3.5).fit(np.zeros((1, 1)), [3.5])
    versions = []
    for run_id in run_ids:
        with mlflow.start_run(run_id=run_id):
            info = mlflow.sklearn.log_model(model, name="model", pip_requirements=[])
        versions.append(int(registry_chatter.register_model(info.model_uri, name).version))
    return versions


def evaluated_runs(experiment: str, exams: list[tuple[float, str]]) -> list[str]:
    """Finished runs with an rmse and the digest of the data it was measured on, one per exam."""
    metrics = [{"rmse": value} for value, _ in exams]
    return log_runs(experiment, metrics, tags=[{EVALUATION_DIGEST_TAG: d} for _, d in exams])


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


def _champion(client: Any, name: str) -> int | None:
    champion = client.get_registered_model(name).aliases.get("champion")
    return None if champion is None else int(champion)


def _check_promote_if_improved(ns: Namespace) -> None:
    import mlflow

    promote_if_improved = answer(ns, "promote_if_improved")
    with scratch_store():
        client = mlflow.MlflowClient()
        runs = evaluated_runs(
            "registry", [(1.10, "exam-a"), (1.00, "exam-a"), (1.05, "exam-a"), (0.90, "exam-b")]
        )
        v1, v2, v3, v4 = register_runs("recommender", runs)
        steps = [(v1, True, v1, "the first version becomes champion when there is none"),
                 (v2, True, v2, "v2 (rmse 1.00) beats champion v1 (rmse 1.10) on the same data"),
                 (v3, False, v2, "v3 (rmse 1.05) does not beat champion v2 (rmse 1.00)")]  # fmt: skip
        for version, promoted, champion, why in steps:
            got = promote_if_improved(client, "recommender", version, "rmse")
            if got is not promoted:
                raise CheckFailed(f"{why}, so expected {promoted}, got {got!r}.")
            if _champion(client, "recommender") != champion:
                now = _champion(client, "recommender")
                raise CheckFailed(f"{why}: 'champion' should point at v{champion}, not v{now}.")
        _check_refuses_other_data(promote_if_improved, client, v4, v2)


def _check_refuses_other_data(promote: Any, client: Any, candidate: int, champion: int) -> None:
    why = (
        f"v{candidate} has the lower rmse (0.90 against 1.00) but was measured on other data "
        "(its evaluation digest differs from the champion's)"
    )
    try:
        got = promote(client, "recommender", candidate, "rmse")
    except ValueError:
        pass  # refused, as asked
    else:
        raise CheckFailed(f"{why}: raise a ValueError instead of returning {got!r}.")
    if _champion(client, "recommender") != champion:
        raise CheckFailed(f"{why}: the champion must stay v{champion}.")


CHECKS = [
    Check(
        "q1",
        3,
        (
            "a run stays RUNNING until it is ended; chapter 05 ('An experiment is a folder of "
            "runs') opens runs in a way that ends them for you, whatever happens inside."
        ),
        _check_log_training_run,
    ),
    Check(
        "q2",
        3,
        (
            "let the tracking server do the filtering (a search can filter on a run's status), "
            "then choose among the runs that logged the metric."
        ),
        _check_best_run_id,
    ),
    Check(
        "q3",
        4,
        (
            "a model version knows the run that produced it, and that run knows its metrics and "
            "the digest of its evaluation data (chapter 05, 'Metrics measured on different data "
            "are not comparable'): compare the digests before the numbers."
        ),
        _check_promote_if_improved,
    ),
]
