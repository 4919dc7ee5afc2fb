"""Registration without duplicates, aliases, promotion and loading, against a real MLflow on SQLite."""

from __future__ import annotations

import itertools

import mlflow
import numpy as np
import pandas as pd
import pytest

from mlplatform.recommender.baselines import BiasBaseline
from mlplatform.recommender.tracked import train_and_log
from mlplatform.registry import (
    CHALLENGER,
    CHAMPION,
    DigestMismatchError,
    UnknownAliasError,
    alias_metrics,
    aliases,
    load_by_alias,
    promote_if_better,
    resolve_alias,
    set_alias,
    version_by_alias,
)
from mlplatform.tracking import dataset_inputs, dataset_version, temporary_tracking_uri

_names = itertools.count()


def ratings(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    users = rng.integers(1, 30, n)
    items = rng.integers(1, 50, n)
    stars = np.clip(
        np.round(3 + (users % 3 - 1) + (items % 5 - 2) * 0.5 + rng.normal(0, 0.5, n)), 1, 5
    )
    return pd.DataFrame(
        {
            "user_id": users.astype(np.int32),
            "item_id": items.astype(np.int32),
            "rating": stars.astype(np.float32),
        }
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    with temporary_tracking_uri(uri):
        # An explicit artifact location: the default is ./mlruns in the working directory.
        mlflow.MlflowClient().create_experiment(
            "test-registry", artifact_location=str(folder / "artifacts")
        )
        mlflow.set_experiment("test-registry")
        yield uri


@pytest.fixture
def name(store: str) -> str:
    """A fresh registered-model name per test, so tests share one fast SQLite store."""
    return f"movie-recommender-{next(_names)}"


def split(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    data = ratings(seed=seed)
    return data.iloc[:320], data.iloc[320:]


def test_rerunning_registers_no_duplicate_version(name: str) -> None:
    train, test = split()
    first = train_and_log(BiasBaseline(), train, test, "first", register_as=name)
    again = train_and_log(BiasBaseline(), train, test, "again", register_as=name)
    assert first.run_id != again.run_id  # a second run is logged ...
    assert again.version.version == first.version.version == 1  # ... but no second version
    changed = train_and_log(BiasBaseline(reg_item=1.0), train, test, "changed", register_as=name)
    assert changed.version.version == 2
    versions = mlflow.MlflowClient().search_model_versions(f"name = '{name}'")
    assert sorted(int(v.version) for v in versions) == [1, 2]


def test_version_traces_back_to_its_data(name: str) -> None:
    train, test = split()
    tracked = train_and_log(BiasBaseline(), train, test, "lineage", register_as=name)
    version = mlflow.MlflowClient().get_model_version(name, str(tracked.version.version))
    inputs = dataset_inputs(version.run_id)
    assert inputs["training"].digest == dataset_version(train, "x").digest
    assert inputs["evaluation"].digest == dataset_version(test, "x").digest


def _register_pair(name: str, good_first: bool) -> tuple[int, int]:
    """Register a good and a poor model (evaluated on the same test data); return their versions."""
    train, test = split()
    good, poor = BiasBaseline(), BiasBaseline(reg_user=1e4, reg_item=1e4)  # poor: ~global mean
    order = (good, poor) if good_first else (poor, good)
    first, second = (train_and_log(m, train, test, "pair", register_as=name) for m in order)
    assert first.metrics["rmse"] != second.metrics["rmse"]
    return first.version.version, second.version.version


def test_a_better_challenger_becomes_champion(name: str) -> None:
    poor, good = _register_pair(name, good_first=False)
    assert promote_if_better(name, poor, "rmse").promoted  # no champion yet
    result = promote_if_better(name, good, "rmse")
    assert result.promoted
    assert result.candidate_value < result.champion_value
    assert aliases(name) == {CHAMPION: good}  # the challenger alias is gone: it is the champion
    assert "replaces" in result.describe()


def test_a_worse_challenger_stays_challenger(name: str) -> None:
    good, poor = _register_pair(name, good_first=True)
    promote_if_better(name, good, "rmse")
    result = promote_if_better(name, poor, "rmse")
    assert not result.promoted
    assert aliases(name) == {CHAMPION: good, CHALLENGER: poor}
    assert "does not beat" in result.describe()


def test_higher_is_better_flips_the_comparison(name: str) -> None:
    poor, good = _register_pair(name, good_first=False)
    promote_if_better(name, poor, "rmse")
    assert not promote_if_better(name, good, "rmse", higher_is_better=True).promoted


def test_different_evaluation_data_is_not_compared(name: str) -> None:
    train, test = split()
    first = train_and_log(BiasBaseline(), train, test, "a", register_as=name)
    other = train_and_log(BiasBaseline(reg_user=1.0), train, test.iloc[:40], "b", register_as=name)
    promote_if_better(name, first.version.version, "rmse")
    with pytest.raises(DigestMismatchError, match="not comparable"):
        promote_if_better(name, other.version.version, "rmse")
    assert aliases(name) == {CHAMPION: first.version.version}


def test_a_missing_metric_is_named(name: str) -> None:
    train, test = split()
    tracked = train_and_log(BiasBaseline(), train, test, "a", register_as=name)
    with pytest.raises(KeyError, match="has no metric 'ndcg'"):
        promote_if_better(name, tracked.version.version, "ndcg")


def test_load_by_alias_predicts_like_the_model(name: str) -> None:
    train, test = split()
    tracked = train_and_log(BiasBaseline(), train, test, "serve", register_as=name)
    set_alias(name, CHAMPION, tracked.version.version)
    loaded = load_by_alias(name, CHAMPION)
    pairs = test[["user_id", "item_id"]].head(20)
    predicted = loaded.predict(pairs)
    np.testing.assert_allclose(np.asarray(predicted), BiasBaseline().fit(train).predict(pairs))
    assert loaded.metadata.get_input_schema().input_names() == ["user_id", "item_id"]
    assert (loaded.name, loaded.version, loaded.alias) == (name, tracked.version.version, CHAMPION)
    assert loaded.run_id == tracked.run_id
    assert resolve_alias(name, CHAMPION) == tracked.version.version


def test_rerunning_with_the_same_data_keeps_the_fingerprint(name: str) -> None:
    train, test = split()
    first = train_and_log(BiasBaseline(), train, test, "a", register_as=name)
    other_test = train_and_log(BiasBaseline(), train, test.iloc[:40], "b", register_as=name)
    assert first.fingerprint != other_test.fingerprint  # the evaluation data is part of it


def test_alias_metrics_reads_the_run_behind_an_alias(name: str) -> None:
    train, test = split()
    tracked = train_and_log(BiasBaseline(), train, test, "a", register_as=name)
    assert alias_metrics(name, CHAMPION) is None  # no champion yet
    set_alias(name, CHAMPION, tracked.version.version)
    assert alias_metrics(name, CHAMPION)["rmse"] == pytest.approx(tracked.metrics["rmse"])
    assert alias_metrics("no-such-model", CHAMPION) is None


def test_an_unknown_alias_lists_the_aliases_that_exist(name: str) -> None:
    train, test = split()
    tracked = train_and_log(BiasBaseline(), train, test, "a", register_as=name)
    set_alias(name, CHAMPION, tracked.version.version)
    with pytest.raises(UnknownAliasError, match=r"aliases set: champion -> v1"):
        load_by_alias(name, CHALLENGER)
    assert int(version_by_alias(name, CHAMPION).version) == 1


def test_an_unknown_model_says_to_register_first(store: str) -> None:
    with pytest.raises(LookupError, match="register one first"):
        aliases("no-such-model")
