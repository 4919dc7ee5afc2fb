"""Lab 05's public checks: right answers pass, typical wrong answers fail with a useful message.

The checks run on a scratch SQLite store of their own; these tests also show that they leave the
tracking URI as they found it.
"""

from __future__ import annotations

import mlflow
import pandas as pd
import pytest
from check_contract import assert_check_separates


def good_log(experiment, params, metrics, tags):
    mlflow.set_experiment(experiment)
    with mlflow.start_run() as run:
        mlflow.log_params(dict(params))
        mlflow.log_metrics(dict(metrics))
        mlflow.set_tags(dict(tags))
    return run.info.run_id


def unfinished_log(experiment, params, metrics, tags):
    mlflow.set_experiment(experiment)
    run = mlflow.start_run()
    mlflow.log_params(dict(params))
    mlflow.log_metrics(dict(metrics))
    mlflow.set_tags(dict(tags))
    return run.info.run_id  # never ended


def good_best(experiment, metric, higher_is_better=False):
    runs = mlflow.search_runs(
        experiment_names=[experiment], filter_string="attributes.status = 'FINISHED'"
    )
    values = runs.dropna(subset=[f"metrics.{metric}"]).set_index("run_id")[f"metrics.{metric}"]
    return values.idxmax() if higher_is_better else values.idxmin()


def best_including_failed(experiment, metric, higher_is_better=False):
    runs = mlflow.search_runs(experiment_names=[experiment])
    values = runs.dropna(subset=[f"metrics.{metric}"]).set_index("run_id")[f"metrics.{metric}"]
    return values.idxmax() if higher_is_better else values.idxmin()


def _run(client, name, version):
    return client.get_run(client.get_model_version(name, str(version)).run_id)


def _metric(client, name, version, metric):
    return _run(client, name, version).data.metrics[metric]


def ignores_digest(client, name, version, metric):
    """Chapter 01's rule: compares the numbers whatever data they were measured on."""
    champion = client.get_registered_model(name).aliases.get("champion")
    if champion is not None and not (
        _metric(client, name, version, metric) < _metric(client, name, champion, metric)
    ):
        return False
    client.set_registered_model_alias(name, "champion", str(version))
    return True


def good_promote(client, name, version, metric):
    champion = client.get_registered_model(name).aliases.get("champion")
    if champion is not None:
        digests = {
            _run(client, name, v).data.tags["data.evaluation.digest"] for v in (version, champion)
        }
        if len(digests) > 1:
            raise ValueError("evaluated on different data")
    return ignores_digest(client, name, version, metric)


def always_promote(client, name, version, metric):
    client.set_registered_model_alias(name, "champion", str(version))
    return True


@pytest.mark.parametrize(
    ("question", "name", "right", "wrong", "message"),
    [
        ("q1", "log_training_run", good_log, unfinished_log, "the run is RUNNING"),
        ("q2", "best_run_id", good_best, best_including_failed, "FAILED run"),
        ("q3", "promote_if_improved", good_promote, always_promote, "does not beat champion"),
        ("q3", "promote_if_improved", good_promote, ignores_digest, "measured on other data"),
    ],
)
def test_lab05_checks(question, name, right, wrong, message) -> None:
    before = mlflow.get_tracking_uri()
    assert_check_separates("lab05", question, name, right, wrong, message)
    assert mlflow.get_tracking_uri() == before
    assert mlflow.active_run() is None


def test_lab05_versions_point_at_real_models() -> None:
    from mlplatform.grading.checks.lab05 import evaluated_runs, register_runs, scratch_store

    with scratch_store():
        (version,) = register_runs("m", evaluated_runs("e", [(1.0, "d")]))
        model = mlflow.pyfunc.load_model(f"models:/m/{version}")
        assert list(model.predict(pd.DataFrame({"x": [1, 2]}))) == [3.5, 3.5]
