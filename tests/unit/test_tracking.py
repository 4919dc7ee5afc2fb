"""Data versions, dataset inputs and tracking-URI handling, against a real MLflow on SQLite."""

from __future__ import annotations

import os
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest

from mlplatform.config import load_settings
from mlplatform.services import ServiceNotRunningError
from mlplatform.tracking import (
    DIGEST_LENGTH,
    dataset_inputs,
    dataset_version,
    log_dataset,
    run_url,
    temporary_tracking_uri,
    tracking_client,
)


def frame(n: int = 20) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "user_id": rng.integers(1, 5, n).astype(np.int32),
            "item_id": rng.integers(1, 9, n).astype(np.int32),
            "rating": rng.integers(1, 6, n).astype(np.float32),
        }
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    uri = f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}"
    with temporary_tracking_uri(uri):
        yield uri


def test_dataset_version_describes_the_frame() -> None:
    df = frame()
    version = dataset_version(df, "toy")
    assert (version.name, version.n_rows, version.n_columns) == ("toy", 20, 3)
    assert version.schema == {"user_id": "int32", "item_id": "int32", "rating": "float32"}
    assert len(version.digest) == DIGEST_LENGTH
    assert version.digest == dataset_version(df.copy(), "other name").digest
    assert version.tags("training")["data.training.digest"] == version.digest


def _change_value(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(rating=df["rating"].where(df.index != 3, 5.5))


@pytest.mark.parametrize(
    "change",
    [
        _change_value,
        lambda df: df.rename(columns={"rating": "stars"}),
        lambda df: df.astype({"rating": "float64"}),
        lambda df: df.iloc[::-1],
        lambda df: df.iloc[:-1],
    ],
    ids=["value", "column name", "dtype", "row order", "one row fewer"],
)
def test_any_change_to_the_data_changes_the_digest(change) -> None:
    df = frame()
    assert dataset_version(change(df), "toy").digest != dataset_version(df, "toy").digest


def test_the_index_is_not_part_of_the_digest() -> None:
    df = frame()
    shifted = df.set_axis(df.index + 100)
    assert dataset_version(shifted, "toy").digest == dataset_version(df, "toy").digest


def test_log_dataset_records_inputs_and_tags(store: str) -> None:
    train, test = frame(30), frame(10)
    mlflow.set_experiment("test-log-dataset")
    with mlflow.start_run() as run:
        log_dataset(train, dataset_version(train, "train"), context="training")
        log_dataset(test, dataset_version(test, "test"), context="evaluation")
    logged = dataset_inputs(run.info.run_id)
    assert set(logged) == {"training", "evaluation"}
    assert logged["training"].digest == dataset_version(train, "train").digest
    assert logged["evaluation"].name == "test"
    tags = mlflow.get_run(run.info.run_id).data.tags
    assert tags["data.evaluation.rows"] == "10"


@pytest.mark.parametrize(
    ("context", "version_of", "message"),
    [
        ("testing", frame(30), "use one of training, evaluation"),
        ("training", frame(29), "compute it with dataset_version"),
    ],
)
def test_log_dataset_refuses_wrong_input(store: str, context, version_of, message) -> None:
    mlflow.set_experiment("test-log-dataset-errors")
    with mlflow.start_run(), pytest.raises(ValueError, match=message):
        log_dataset(frame(30), dataset_version(version_of, "x"), context=context)


def test_temporary_uri_restores_uri_env_and_experiment(tmp_path: Path) -> None:
    before_uri, before_env = mlflow.get_tracking_uri(), dict(os.environ)
    with temporary_tracking_uri(f"sqlite:///{tmp_path / 'a.db'}") as uri:
        assert mlflow.get_tracking_uri() == uri
        mlflow.set_experiment("inside")
        mlflow.start_run()  # left open on purpose: the block must end it
    assert mlflow.active_run() is None
    assert mlflow.get_tracking_uri() == before_uri
    assert os.environ.get("MLFLOW_TRACKING_URI") == before_env.get("MLFLOW_TRACKING_URI")
    assert os.environ.get("MLFLOW_EXPERIMENT_ID") == before_env.get("MLFLOW_EXPERIMENT_ID")


def test_temporary_uri_refuses_to_switch_during_a_run(store: str, tmp_path: Path) -> None:
    mlflow.set_experiment("test-switch")
    with (
        mlflow.start_run(),
        pytest.raises(RuntimeError, match="end it with"),
        temporary_tracking_uri(f"sqlite:///{tmp_path / 'b.db'}"),
    ):
        pass


def test_a_server_that_does_not_answer_says_how_to_start_it() -> None:
    with (
        temporary_tracking_uri("http://127.0.0.1:9"),
        pytest.raises(ServiceNotRunningError, match="make platform-up"),
    ):
        tracking_client()


def test_run_url_points_at_the_configured_server(store: str) -> None:
    mlflow.set_experiment("test-run-url")
    with mlflow.start_run() as run:
        pass
    settings = load_settings({"MLFLOW_TRACKING_URI": "http://127.0.0.1:5999"})
    url = run_url(run.info.run_id, settings)
    assert url == (
        f"http://127.0.0.1:5999/#/experiments/{run.info.experiment_id}/runs/{run.info.run_id}"
    )


def test_a_temporary_sqlite_store_keeps_artifacts_beside_it(tmp_path: Path, monkeypatch) -> None:
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    with temporary_tracking_uri(f"sqlite:///{tmp_path / 'store' / 'mlflow.db'}"):
        mlflow.set_experiment("artifacts-here")
        with mlflow.start_run():
            mlflow.log_dict({"a": 1}, "a.json")
    assert list(work.iterdir()) == [], "nothing may be written to the working directory"
    assert list((tmp_path / "store" / "artifacts").rglob("a.json"))
