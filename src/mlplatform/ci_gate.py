"""What CI runs after the tests: train on a sample, evaluate, and gate on the champion's metrics.

    python -m mlplatform.ci_gate --candidate candidate.json --champion champion.json --tolerance 0.01

exits 0 when the candidate may be promoted and 1 when a metric regressed. `--champion` is a JSON file
of metrics (`{"rmse": 0.98, "mae": 0.78}`) or a registry URI `models:/<name>@<alias>`, whose metrics
are read from the run that produced that model version in MLflow. Both sides must be measured on the
same evaluation data, or the comparison means nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from mlplatform.config import Settings, load_settings
from mlplatform.model_checks import GateResult, RatingModel, compare_to_champion
from mlplatform.recommender.metrics import mae, rmse
from mlplatform.recommender.movielens import sample_users
from mlplatform.recommender.splits import split_by_time


def train_and_evaluate(
    ratings: pd.DataFrame,
    make_model: Callable[[], RatingModel],
    n_users: int | None = None,
    seed: int = 0,
) -> dict[str, float]:
    """Fit `make_model()` on a time split of (a user sample of) `ratings`; return RMSE and MAE.

    The sample and the split are deterministic for a given `seed`, so a candidate and a champion
    trained by this function are judged on the same test rows.
    """
    data = ratings if n_users is None else sample_users(ratings, n_users, seed=seed)
    split = split_by_time(data)
    model = make_model().fit(split.train)  # type: ignore[attr-defined]
    predicted = model.predict(split.test)
    return {
        "rmse": rmse(split.test["rating"], predicted),
        "mae": mae(split.test["rating"], predicted),
    }


def read_metrics(source: str, settings: Settings | None = None) -> dict[str, float] | None:
    """Metrics from a JSON file, or from the run behind a registered model `models:/name@alias`.

    Returns None when the file does not exist or the alias is not set yet (no champion yet).

    Raises:
        ValueError: the JSON is not a flat object of numbers, or the URI has no `@alias`.
    """
    if source.startswith("models:/"):
        return _read_registry_metrics(source, settings or load_settings())
    path = Path(source)
    if not path.exists():
        return None
    metrics = json.loads(path.read_text())
    if not isinstance(metrics, dict) or not all(
        isinstance(v, int | float) for v in metrics.values()
    ):
        raise ValueError(f"{path} must hold a flat JSON object of numbers, like {{'rmse': 0.98}}")
    return {name: float(value) for name, value in metrics.items()}


def _read_registry_metrics(uri: str, settings: Settings) -> dict[str, float] | None:
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    name, _, alias = uri.removeprefix("models:/").partition("@")
    if not alias:
        raise ValueError(f"{uri!r} names no alias: write it as models:/<name>@champion")
    client = MlflowClient(tracking_uri=settings.mlflow_tracking_uri)
    try:
        version = client.get_model_version_by_alias(name, alias)
    except MlflowException as error:
        if error.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            return None
        raise
    return dict(client.get_run(version.run_id).data.metrics)


def gate(
    candidate: str, champion: str, tolerance: float, settings: Settings | None = None
) -> GateResult:
    """Read both sides' metrics and compare them; a missing candidate is an error."""
    candidate_metrics = read_metrics(candidate, settings)
    if candidate_metrics is None:
        raise FileNotFoundError(f"no candidate metrics at {candidate}: run the training step first")
    champion_metrics = read_metrics(champion, settings)
    if champion_metrics is not None:  # gate only on what both sides measured
        champion_metrics = {k: v for k, v in champion_metrics.items() if k in candidate_metrics}
    return compare_to_champion(candidate_metrics, champion_metrics, tolerance)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: print the verdict; exit status 0 (promote) or 1 (regression)."""
    parser = argparse.ArgumentParser(prog="python -m mlplatform.ci_gate", description=__doc__)
    parser.add_argument("--candidate", required=True, help="JSON file of the candidate's metrics")
    parser.add_argument("--champion", required=True, help="JSON file or models:/<name>@<alias>")
    parser.add_argument("--tolerance", type=float, default=0.0, help="allowed regression")
    args = parser.parse_args(argv)
    result = gate(args.candidate, args.champion, args.tolerance)
    print(("PASS: " if result.passed else "FAIL: ") + result.reason)  # noqa: T201
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
