"""The seeded search logs a parent run and one child run per trial, on a throwaway SQLite store."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import mlflow
import numpy as np
import pandas as pd
import pytest

from mlplatform.recommender.search import plot_trials, random_search, sample_grid, trials_frame
from mlplatform.tracking import temporary_tracking_uri

matplotlib.use("Agg")
SPACE = {"n_factors": [2, 4], "reg_all": [0.02, 0.1]}


def toy_ratings(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "user_id": rng.integers(1, 30, n).astype(np.int32),
            "item_id": rng.integers(1, 20, n).astype(np.int32),
            "rating": rng.integers(1, 6, n).astype(np.float32),
        }
    )
    return frame.drop_duplicates(["user_id", "item_id"], ignore_index=True)


@pytest.fixture(scope="module")
def search(tmp_path_factory: pytest.TempPathFactory):
    uri = f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}"
    with temporary_tracking_uri(uri):
        result = random_search(
            toy_ratings(), space=SPACE, n_trials=3, seed=1, n_splits=2, experiment="test-search"
        )
        yield result, trials_frame(result.parent_run_id)


def test_sample_grid_is_seeded_and_distinct() -> None:
    first, again = sample_grid(SPACE, 3, seed=1), sample_grid(SPACE, 3, seed=1)
    assert first == again and len({tuple(p.items()) for p in first}) == 3
    assert len(sample_grid(SPACE, 10, seed=0)) == 4  # the whole grid when it is smaller


def test_search_returns_one_row_per_trial(search) -> None:
    result, _ = search
    assert result.trials["trial"].tolist() == [0, 1, 2]
    best = result.trials.loc[result.trials["rmse"].idxmin()]
    assert result.best_params == {"n_factors": best["n_factors"], "reg_all": best["reg_all"]}
    assert (result.trials["rmse"] >= result.trials["mae"]).all()


def test_trials_are_nested_child_runs(search) -> None:
    result, logged = search
    assert len(logged) == 3
    assert set(logged["run_id"]) == set(result.trials["run_id"])
    by_id = logged.set_index("run_id")
    for _, row in result.trials.iterrows():
        assert by_id.loc[row["run_id"], "rmse"] == pytest.approx(row["rmse"])
        assert by_id.loc[row["run_id"], "n_factors"] == str(row["n_factors"])
    parent = mlflow.get_run(result.parent_run_id)
    assert parent.data.metrics["best_rmse"] == pytest.approx(result.trials["rmse"].min())
    assert parent.data.params["n_trials"] == "3"


def test_trials_frame_refuses_a_run_without_children(search) -> None:
    result, _ = search
    child = result.trials.loc[0, "run_id"]
    with pytest.raises(LookupError, match="has no child runs"):
        trials_frame(child)


def test_plot_has_one_panel_per_parameter(search, tmp_path: Path) -> None:
    result, _ = search
    figure = plot_trials(result.trials)
    assert [ax.get_xlabel() for ax in figure.axes] == ["n_factors", "reg_all"]
    figure.savefig(tmp_path / "trials.png")
    assert (tmp_path / "trials.png").stat().st_size > 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"model": "svg"}, "unknown model 'svg'"), ({"model": "nmf"}, "no default space for 'nmf'")],
)
def test_bad_arguments_say_what_to_pass(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        random_search(toy_ratings(), **kwargs)
