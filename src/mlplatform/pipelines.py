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

import builtins
import contextlib
import logging
import os
import re
import time
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx

from mlplatform import __version__
from mlplatform.config import Settings, load_settings
from mlplatform.pipeline_result import SUCCEEDED, PipelineError, PipelineRunResult

logger = logging.getLogger(__name__)

RUNTIME_IMAGE_NAME = "mlplatform-runtime"
RUNTIME_IMAGE = f"{RUNTIME_IMAGE_NAME}:{__version__}"
"""The image every course component names as `base_image` (built from `platform/images`)."""

DEFAULT_TIMEOUT_SECONDS = 30 * 60
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_CLUSTER_FIX = (
    "Start the cluster with 'make cluster-up' (it publishes the KFP API on localhost:8888) and check "
    "it with 'make cluster-status'; on another cluster, port-forward the API with "
    "'kubectl port-forward -n kubeflow svc/ml-pipeline 8888:8888' or set KFP_HOST. "
    "To run without a cluster, set MLPLATFORM_MODE=local."
)


class KfpNotReachableError(PipelineError):
    """The Kubeflow Pipelines API does not answer in cluster mode."""


class PipelineStepFailedError(PipelineError):
    """One step of a pipeline failed.

    Attributes:
        step: the name of the step (task) that failed.
        log: where its log is: a file in local mode, a `kubectl logs` command in cluster mode.
    """

    def __init__(self, message: str, step: str, log: str) -> None:
        super().__init__(message)
        self.step = step
        self.log = log


class PipelineTimeoutError(PipelineError):
    """The cluster run did not finish within the timeout."""


def pipeline_name(pipeline_func: Any) -> str:
    """The name a `@dsl.pipeline` function was given.

    Raises:
        TypeError: `pipeline_func` is not decorated with `@dsl.pipeline` (or `@dsl.component`).
    """
    spec = getattr(pipeline_func, "pipeline_spec", None)
    if spec is None:
        raise TypeError(
            f"{pipeline_func!r} is not a KFP pipeline; decorate the function with @dsl.pipeline."
        )
    return str(spec.pipeline_info.name)


def compile_pipeline(pipeline_func: Any, path: str | Path) -> Path:
    """Compile a `@dsl.pipeline` function to KFP's IR YAML at `path` and return the path."""
    from kfp import compiler

    pipeline_name(pipeline_func)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    compiler.Compiler().compile(pipeline_func=pipeline_func, package_path=str(target))
    return target


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
        from mlplatform.pipelines_cluster import run_on_cluster

        return run_on_cluster(pipeline_func, arguments, settings, enable_caching, timeout_seconds)
    return _run_local(pipeline_func, arguments, settings, bool(enable_caching), echo)


def local_pipeline_root(settings: Settings) -> Path:
    """Where `kfp.local` writes every run's artefacts: `.platform/kfp`."""
    return settings.platform_dir / "kfp"


class _Tee:
    """A text stream that writes to a file and, optionally, to a second stream."""

    def __init__(self, *streams: Any) -> None:
        self.streams = streams

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
        return len(text)

    def flush(self) -> None:
        for stream in self.streams:
            stream.flush()


def _run_local(
    pipeline_func: Any, arguments: dict[str, Any], settings: Settings, caching: bool, echo: bool
) -> PipelineRunResult:
    from kfp import local

    name = pipeline_name(pipeline_func)
    root = local_pipeline_root(settings)
    (root / "logs").mkdir(parents=True, exist_ok=True)
    stamp = f"{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns() % 10**6:06d}"
    log_path = root / "logs" / f"{name}-{stamp}.log"
    before = set(root.glob(f"{name}-*"))
    local.init(
        runner=local.SubprocessRunner(use_venv=False),
        pipeline_root=str(root),
        enable_caching=caching,
    )
    start = time.perf_counter()
    try:
        with _captured(log_path, echo), _steps_see(settings):
            task = pipeline_func(**arguments)
    except RuntimeError as error:
        raise _step_failure(name, str(error), log_path) from None
    run_dirs = sorted(set(root.glob(f"{name}-*")) - before)
    return PipelineRunResult(
        pipeline=name,
        mode="local",
        status=SUCCEEDED,
        outputs=dict(task.outputs or {}),
        duration_seconds=time.perf_counter() - start,
        run_dir=run_dirs[-1] if run_dirs else None,
        log_path=log_path,
        cache_dir=root / ".kfp_cache" if caching else None,
    )


@contextlib.contextmanager
def _captured(log_path: Path, echo: bool) -> Iterator[None]:
    """Send the steps' output and kfp.local's own log lines to `log_path` (and here if `echo`)."""
    import sys

    root_logger = logging.getLogger()
    level, handlers, original_print = root_logger.level, root_logger.handlers[:], builtins.print
    with log_path.open("w", encoding="utf-8") as log, warnings.catch_warnings():
        # The course image is not called "python...", which kfp.local warns about; it is unused here.
        warnings.filterwarnings("ignore", message=".*non-Python base image.*")
        stream = _Tee(log, sys.stdout) if echo else _Tee(log)
        handler = logging.StreamHandler(stream)  # type: ignore[arg-type]
        root_logger.addHandler(handler)
        root_logger.setLevel(logging.INFO)
        try:
            with contextlib.redirect_stdout(stream):  # type: ignore[type-var]
                yield
        finally:
            # kfp.local swaps the root logger's handlers and builtins.print while it logs; its
            # ParallelFor threads can leave the swapped ones behind. Put the originals back.
            root_logger.handlers[:] = handlers
            root_logger.setLevel(level)
            builtins.print = original_print


@contextlib.contextmanager
def _steps_see(settings: Settings) -> Iterator[None]:
    """Let the step subprocesses resolve the same project home as the caller."""
    previous = os.environ.get("MLPLATFORM_HOME")
    os.environ["MLPLATFORM_HOME"] = str(settings.home)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("MLPLATFORM_HOME", None)
        else:
            os.environ["MLPLATFORM_HOME"] = previous


def _step_failure(pipeline: str, message: str, log_path: Path) -> PipelineError:
    plain = _ANSI.sub("", message)
    match = re.search(r"Inner task failed: '([^']+)'", plain)
    if match is None:
        return PipelineError(f"Pipeline {pipeline!r} could not run: {plain} Log: {log_path}")
    step = match.group(1)
    tail = _log_tail(log_path)
    text = (
        f"Step {step!r} of pipeline {pipeline!r} failed. Its log is in {log_path} "
        f"(search for \"Executing task '{step}'\"), or run again with echo=True. "
        f"Last lines:\n{tail}"
    )
    return PipelineStepFailedError(text, step=step, log=str(log_path))


def _log_tail(log_path: Path, lines: int = 12) -> str:
    text = _ANSI.sub("", log_path.read_text(encoding="utf-8", errors="replace"))
    kept = [line for line in text.splitlines() if line.strip()]
    return "\n".join(kept[-lines:])


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


def relative_to_home(path: Path | None, settings: Settings | None = None) -> str:
    """Show `path` relative to the project root (no machine-specific prefix in notebook output)."""
    if path is None:
        return "-"
    home = (settings or load_settings()).home
    try:
        return str(path.resolve().relative_to(home))
    except ValueError:
        return str(path)
