"""MLflow helpers: point the client at the platform's tracking server, log a run in one call.

The tracking URI is set here, from `mlplatform.config`, never in a notebook.
"""

from __future__ import annotations

from collections.abc import Mapping

from mlplatform import services
from mlplatform.config import Settings, load_settings


def use_tracking_server(settings: Settings | None = None) -> str:
    """Point MLflow at the platform's server after checking that it answers; returns the URI."""
    import mlflow  # heavy import, only when tracking is used

    settings = settings or load_settings()
    uri = services.require("mlflow", settings)
    mlflow.set_tracking_uri(uri)
    return uri


def log_run(
    experiment: str,
    run_name: str,
    params: Mapping[str, object],
    metrics: Mapping[str, float],
    tags: Mapping[str, str] | None = None,
) -> str:
    """Log one run with parameters, metrics and tags; returns its run id."""
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
