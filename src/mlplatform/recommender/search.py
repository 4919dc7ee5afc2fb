"""Seeded hyper-parameter search for the surprise models, tracked in MLflow as nested runs.

One parent run is the search (its space, seed, folds and best result); each trial is a child run
with its parameters and its cross-validated RMSE and MAE. `trials_frame` reads the trials back from
MLflow and `plot_trials` compares them.

Example:
    >>> from mlplatform.recommender.search import random_search
    >>> result = random_search(ratings, n_trials=8, settings=settings)  # doctest: +SKIP
    >>> result.trials.sort_values("rmse").head()  # doctest: +SKIP
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import mlflow
import numpy as np
import pandas as pd

from mlplatform.config import Settings
from mlplatform.recommender.evaluation import cross_validate
from mlplatform.recommender.models import ALGORITHMS, make_model
from mlplatform.tracking import use_tracking_server

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SPACES: Mapping[str, Mapping[str, Sequence[Any]]] = {
    "svd": {
        "n_factors": [20, 50, 100, 150],
        "n_epochs": [20, 30, 40],
        "lr_all": [0.005, 0.01],
        "reg_all": [0.02, 0.05, 0.1],
    },
    "knn_baseline": {"k": [20, 40, 60, 100], "min_k": [1, 3, 5]},
}
METRICS = ("rmse", "mae", "rmse_std", "fit_seconds")


@dataclass(frozen=True)
class SearchResult:
    """The parent run's id, one row per trial (params, metrics, run id) and the best trial's params."""

    parent_run_id: str
    trials: pd.DataFrame
    best_params: dict[str, Any]


def sample_grid(space: Mapping[str, Sequence[Any]], n_trials: int, seed: int) -> list[dict]:
    """`n_trials` distinct points of the grid drawn with `seed` (the whole grid if it is smaller)."""
    if n_trials < 1:
        raise ValueError(f"n_trials must be at least 1, got {n_trials}")
    names = list(space)
    grid = [dict(zip(names, values, strict=True)) for values in itertools.product(*space.values())]
    if n_trials >= len(grid):
        return grid
    chosen = np.random.default_rng(seed).choice(len(grid), size=n_trials, replace=False)
    return [grid[i] for i in sorted(chosen)]


def _sort_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def random_search(
    ratings: pd.DataFrame,
    model: str = "svd",
    space: Mapping[str, Sequence[Any]] | None = None,
    n_trials: int = 10,
    seed: int = 0,
    n_splits: int = 3,
    experiment: str = "recommender-search",
    settings: Settings | None = None,
) -> SearchResult:
    """Try `n_trials` points of `space` for surprise model `model`, scored by K-fold RMSE.

    Args:
        ratings: the ratings to cross-validate on (surprise `KFold(n_splits, random_state=0)`).
        model: a name of `mlplatform.recommender.models.ALGORITHMS`.
        space: parameter -> values; default `SPACES[model]`.
        n_trials: grid points to try (drawn with `seed`).
        seed: the draw's seed (each model keeps its own `random_state=0`).
        n_splits: folds per trial.
        experiment: MLflow experiment name.
        settings: when given, log to the platform's MLflow server (checked first); otherwise to
            MLflow's current tracking URI.
    """
    if model not in ALGORITHMS:
        raise ValueError(f"unknown model {model!r}: use one of {', '.join(ALGORITHMS)}")
    space = space if space is not None else SPACES.get(model)
    if not space:
        raise ValueError(f"no default space for {model!r}: pass space={{'param': [values]}}")
    if settings is not None:
        use_tracking_server(settings)
    mlflow.set_experiment(experiment)
    rows = []
    search_params = {"model": model, "n_trials": n_trials, "seed": seed, "n_splits": n_splits}
    with mlflow.start_run(run_name=f"{model}-search") as parent:
        mlflow.log_params({**search_params, "space": _sort_key(dict(space))})
        for trial, params in enumerate(sample_grid(space, n_trials, seed)):
            rows.append(_run_trial(ratings, model, params, trial, n_splits))
        trials = pd.DataFrame(rows)
        best = trials.loc[trials["rmse"].idxmin()]
        mlflow.log_metrics({"best_rmse": float(best["rmse"]), "best_trial": int(best["trial"])})
        mlflow.set_tag("best_run_id", best["run_id"])
    best_params = {name: _plain(best[name]) for name in space}
    return SearchResult(parent.info.run_id, trials, best_params)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _run_trial(
    ratings: pd.DataFrame, model: str, params: dict[str, Any], trial: int, n_splits: int
) -> dict[str, Any]:
    """Cross-validate one parameter set inside a child run; return its row."""
    with mlflow.start_run(run_name=f"trial-{trial:03d}", nested=True) as child:
        mlflow.log_params({"model": model, **params})
        folds = cross_validate({model: lambda: make_model(model, **params)}, ratings, n_splits)
        metrics = {
            "rmse": float(folds["rmse"].mean()),
            "mae": float(folds["mae"].mean()),
            "rmse_std": float(folds["rmse"].std(ddof=0)),
            "fit_seconds": float(folds["fit_seconds"].mean()),
        }
        mlflow.log_metrics(metrics)
    return {"trial": trial, "run_id": child.info.run_id, **params, **metrics}


def trials_frame(parent_run_id: str) -> pd.DataFrame:
    """The child runs of a search read back from MLflow: run_id, run_name, params and metrics."""
    parent = mlflow.get_run(parent_run_id)
    runs = mlflow.search_runs(
        experiment_ids=[parent.info.experiment_id],
        filter_string=f"tags.mlflow.parentRunId = '{parent_run_id}'",
        output_format="pandas",
    )
    if runs.empty:
        raise LookupError(f"run {parent_run_id} has no child runs: is it a search's parent run?")
    params = sorted(c.removeprefix("params.") for c in runs.columns if c.startswith("params."))
    metrics = sorted(c.removeprefix("metrics.") for c in runs.columns if c.startswith("metrics."))
    renamed = {f"params.{p}": p for p in params} | {f"metrics.{m}": m for m in metrics}
    frame = runs.rename(columns={**renamed, "tags.mlflow.runName": "run_name"})
    keep = ["run_id", "run_name", *params, *metrics]
    return frame[keep].sort_values("run_name", ignore_index=True)


def plot_trials(trials: pd.DataFrame, metric: str = "rmse") -> Figure:
    """One panel per searched parameter: `metric` of each trial against the parameter's value."""
    import matplotlib.pyplot as plt

    skip = {"trial", "run_id", "run_name", "model", *METRICS}
    params = [c for c in trials.columns if c not in skip]
    fig, axes = plt.subplots(1, max(len(params), 1), figsize=(3.2 * max(len(params), 1), 3))
    axes = np.atleast_1d(axes)
    best = trials[metric].idxmin()
    for ax, param in zip(axes, params, strict=False):
        values = pd.to_numeric(trials[param], errors="coerce")
        ax.scatter(values, trials[metric], color="tab:blue", alpha=0.7)
        ax.scatter(values[best], trials.loc[best, metric], color="tab:red", label="best")
        ax.set_xlabel(param)
        ax.set_ylabel(metric)
    axes[0].legend()
    fig.suptitle(f"{len(trials)} trials: {metric} by parameter (best in red)")
    fig.tight_layout()
    return fig
