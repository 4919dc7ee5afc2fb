"""Cluster mode of `mlplatform.pipelines`: compile, submit to the KFP API, wait, explain failures.

Kept apart from the local runner so each stays small. `run_pipeline` in `mlplatform.pipelines` is the
one entry point; it calls `run_on_cluster` when `MLPLATFORM_MODE=cluster`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import yaml

from mlplatform.config import Settings, load_settings
from mlplatform.pipelines.result import (
    SUCCEEDED,
    KfpNotReachableError,
    PipelineError,
    PipelineRunResult,
    PipelineStepFailedError,
    PipelineTimeoutError,
)
from mlplatform.pipelines.spec import compile_pipeline, pipeline_name

EXPERIMENT = "mlplatform-course"
NAMESPACE = "kubeflow"
UI_URL = "http://localhost:8080"
"""The KFP UI: published there by `make cluster-up` (see `mlplatform.cluster.config.UIS`)."""

_CLUSTER_FIX = (
    "Start the cluster with 'make cluster-up' (it publishes the KFP API on localhost:8888) and check "
    "it with 'make cluster-status'; on another cluster, port-forward the API with "
    "'kubectl port-forward -n kubeflow svc/ml-pipeline 8888:8888' or set KFP_HOST. "
    "To run without a cluster, set MLPLATFORM_MODE=local."
)


def check_kfp_reachable(host: str | None, timeout: float = 3.0) -> str:
    """Return the host if the KFP API answers its health check, else raise.

    Raises:
        KfpNotReachableError: no host is configured or nothing answers there; says what to run.
    """
    if not host:
        raise KfpNotReachableError(f"No KFP host is configured (KFP_HOST is empty). {_CLUSTER_FIX}")
    url = f"{host.rstrip('/')}/apis/v2beta1/healthz"
    try:
        response = httpx.get(url, timeout=timeout)
    except httpx.HTTPError as error:
        raise KfpNotReachableError(
            f"The Kubeflow Pipelines API is not reachable at {host} ({type(error).__name__}). "
            f"{_CLUSTER_FIX}"
        ) from None
    if response.status_code >= 400:
        raise KfpNotReachableError(
            f"The Kubeflow Pipelines API at {host} answered {response.status_code} to {url}. "
            f"{_CLUSTER_FIX}"
        )
    return host


def run_url(run_id: str, ui_url: str = UI_URL) -> str:
    """The run's page in the KFP UI."""
    return f"{ui_url.rstrip('/')}/#/runs/details/{run_id}"


def run_on_cluster(
    pipeline_func: Any,
    arguments: dict[str, Any],
    settings: Settings,
    enable_caching: bool | None,
    timeout_seconds: float,
) -> PipelineRunResult:
    """Compile `pipeline_func`, submit it to `settings.kfp_host` and wait for the run to end.

    Raises:
        KfpNotReachableError: the API does not answer (checked before anything is submitted).
        PipelineTimeoutError: the run is still going after `timeout_seconds`.
        PipelineStepFailedError: the run ended in another state than SUCCEEDED.
    """
    import kfp

    host = check_kfp_reachable(settings.kfp_host)
    name = pipeline_name(pipeline_func)
    package = compile_pipeline(
        pipeline_func, settings.platform_dir / "kfp" / "compiled" / f"{name}.yaml"
    )
    client = kfp.Client(host=host, namespace=NAMESPACE)
    start = time.perf_counter()
    run = client.create_run_from_pipeline_package(
        str(package), arguments=arguments, experiment_name=EXPERIMENT, enable_caching=enable_caching
    )
    url = run_url(run.run_id)
    try:
        final = client.wait_for_run_completion(run.run_id, timeout=int(timeout_seconds))
    except TimeoutError:
        raise PipelineTimeoutError(
            f"Run {run.run_id} of {name!r} is still running after {timeout_seconds:.0f} s. "
            f"Follow it at {url}, or pass a larger timeout_seconds."
        ) from None
    state = str(final.state or "UNKNOWN").upper()
    if state != SUCCEEDED:
        raise failed_run_error(name, state, final, url)
    return PipelineRunResult(
        pipeline=name,
        mode="cluster",
        status=SUCCEEDED,
        duration_seconds=time.perf_counter() - start,
        run_id=run.run_id,
        run_url=url,
    )


def failed_run_error(pipeline: str, state: str, run: Any, url: str) -> PipelineStepFailedError:
    """Name the first failed step of a finished cluster run and the command that shows its log."""
    tasks = getattr(getattr(run, "run_details", None), "task_details", None) or []
    failed = [t for t in tasks if str(getattr(t, "state", "")).upper() == "FAILED"]
    leaf = [t for t in failed if getattr(t, "pod_name", None)] or failed
    if not leaf:
        log = f"kubectl get pods -n {NAMESPACE} -l pipeline/runid={run.run_id}"
        return PipelineStepFailedError(
            f"Run of {pipeline!r} ended {state}. See {url}; list its pods with '{log}'.",
            step="unknown",
            log=log,
        )
    task = leaf[0]
    step = str(task.display_name)
    pod = getattr(task, "pod_name", None)
    log = f"kubectl logs -n {NAMESPACE} {pod} -c main" if pod else url
    return PipelineStepFailedError(
        f"Step {step!r} of pipeline {pipeline!r} failed (run {state}). Its log: '{log}'. "
        f"The run's page: {url}",
        step=step,
        log=log,
    )


def check_cron(cron_expression: str) -> str:
    """Return `cron_expression` if it has KFP's six fields (seconds first), else raise.

    Raises:
        ValueError: it has another number of fields; the message gives an example.
    """
    fields = cron_expression.split()
    if len(fields) != 6:
        raise ValueError(
            f"KFP cron expressions have 6 fields (second minute hour day month weekday), got "
            f"{len(fields)} in {cron_expression!r}. Every day at 03:00 is '0 0 3 * * *'."
        )
    return cron_expression


def schedule_pipeline(
    pipeline_func: Any,
    cron_expression: str,
    arguments: dict[str, Any] | None = None,
    settings: Settings | None = None,
    job_name: str | None = None,
) -> str:
    """Create a recurring run of `pipeline_func` on the cluster and return its id.

    Args:
        pipeline_func: a `@dsl.pipeline` function; it is compiled and uploaded with the schedule.
        cron_expression: six fields, seconds first: `'0 0 3 * * *'` is every day at 03:00.
        arguments: pipeline parameters used by every scheduled run.
        settings: defaults to `load_settings()`.
        job_name: defaults to `<pipeline>-schedule`.

    Raises:
        PipelineError: not in cluster mode (schedule locally with cron or CI instead).
        KfpNotReachableError: the KFP API does not answer.
    """
    import kfp

    settings = settings or load_settings()
    if settings.mode != "cluster":
        raise PipelineError(
            "Recurring runs are kept by the KFP cluster, and this is local mode. Locally, let cron or "
            "CI start the run, e.g. '0 3 * * * cd <course> && .venv/bin/python -m "
            "mlplatform.recommender.pipeline'; or set MLPLATFORM_MODE=cluster."
        )
    check_cron(cron_expression)
    host = check_kfp_reachable(settings.kfp_host)
    name = pipeline_name(pipeline_func)
    package = compile_pipeline(
        pipeline_func, settings.platform_dir / "kfp" / "compiled" / f"{name}.yaml"
    )
    client = kfp.Client(host=host, namespace=NAMESPACE)
    experiment = client.create_experiment(name=EXPERIMENT)
    job = client.create_recurring_run(
        experiment_id=experiment.experiment_id,
        job_name=job_name or f"{name}-schedule",
        cron_expression=cron_expression,
        pipeline_package_path=str(package),
        params=arguments or {},
        max_concurrency=1,  # a slow run is never overlapped by the next one
        no_catchup=True,  # after a pause, run once now rather than once per missed slot
    )
    return str(job.recurring_run_id)


def ir_tasks(package: str | Path) -> list[dict[str, Any]]:
    """One row per task of a compiled pipeline (IR YAML), nested groups included.

    Each row: `task`, `inside` (the enclosing condition or loop, `-` at the top), `component`,
    `after` (the tasks it waits for), `runs_if` (a `dsl.If` condition), `loop_over`, `retries`, `cache`.
    """
    spec = yaml.safe_load(Path(package).read_text())
    rows: list[dict[str, Any]] = []

    def walk(dag: dict[str, Any], inside: str) -> None:
        for name, task in dag.get("tasks", {}).items():
            component = task["componentRef"]["name"]
            iterator = task.get("parameterIterator") or task.get("artifactIterator") or {}
            rows.append(
                {
                    "task": name,
                    "inside": inside,
                    "component": component,
                    "after": ", ".join(task.get("dependentTasks", [])) or "-",
                    "runs_if": task.get("triggerPolicy", {}).get("condition", "-"),
                    "loop_over": iterator.get("items", {}).get("inputParameter", "-"),
                    "retries": task.get("retryPolicy", {}).get("maxRetryCount", 0),
                    "cache": task.get("cachingOptions", {}).get("enableCache", False),
                }
            )
            nested = spec["components"].get(component, {}).get("dag")
            if nested:
                walk(nested, name)

    walk(spec["root"]["dag"], "-")
    return rows
