"""Run a Kubeflow Pipelines `@dsl.pipeline` the same way in both platform modes.

Local mode runs the pipeline with `kfp.local`: every step is a subprocess of this Python
(`SubprocessRunner(use_venv=False)`, so the `mlplatform` package is importable in the steps) and the
artefacts land under `.platform/kfp/<pipeline>-<timestamp>/<step>/`. Cluster mode compiles the same
function to IR YAML and submits it to the KFP API at `settings.kfp_host`, then waits for the run.

What kfp 2.17's local runner does and does not do (read from `kfp/local/`): it runs lightweight
Python components only (no container components), in topological order; it supports `dsl.If`/`Elif`/
`Else`, `dsl.ParallelFor` with `dsl.Collected`, exit handlers, `.set_retry(...)` and, when asked,
caching (off by default, stored under `<pipeline_root>/.kfp_cache`). Resource requests and limits,
accelerators, node selectors, Kubernetes secrets and volumes, and schedules only exist on the cluster.

Example:
    >>> result = run_pipeline(my_pipeline, arguments={"n": 3})  # doctest: +SKIP
    >>> result.status, result.outputs  # doctest: +SKIP
    ('SUCCEEDED', {'Output': 3.0})
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlplatform.config import Settings, load_settings
from mlplatform.pipelines.cluster import run_on_cluster
from mlplatform.pipelines.local import run_local
from mlplatform.pipelines.result import PipelineRunResult

DEFAULT_TIMEOUT_SECONDS = 30 * 60


def run_pipeline(
    pipeline_func: Any,
    arguments: Mapping[str, Any] | None = None,
    settings: Settings | None = None,
    *,
    enable_caching: bool | None = None,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    echo: bool = False,
) -> PipelineRunResult:
    """Run a pipeline in the current platform mode and wait for it to finish.

    Args:
        pipeline_func: a function decorated with `@dsl.pipeline`.
        arguments: values for the pipeline's parameters.
        settings: defaults to `load_settings()`.
        enable_caching: reuse outputs of steps whose inputs did not change. `None` keeps each
            platform's default: off in `kfp.local`, on (per step) on the cluster.
        timeout_seconds: cluster mode: how long to wait for the run.
        echo: local mode: also show the steps' logs here (they are always written to `log_path`).

    Raises:
        PipelineStepFailedError: a step failed; the message names it and where its log is.
        KfpNotReachableError: cluster mode and the KFP API does not answer.
        PipelineTimeoutError: cluster mode and the run did not finish in time.
    """
    settings = settings or load_settings()
    arguments = dict(arguments or {})
    if settings.mode == "cluster":
        return run_on_cluster(pipeline_func, arguments, settings, enable_caching, timeout_seconds)
    return run_local(pipeline_func, arguments, settings, bool(enable_caching), echo)
