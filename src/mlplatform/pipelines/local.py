"""Run a pipeline locally with `kfp.local`: each step a subprocess of this Python, logs in a file.

Every step is a subprocess of this Python (`SubprocessRunner(use_venv=False)`, so the `mlplatform`
package is importable in the steps) and the artefacts land under
`.platform/kfp/<pipeline>-<timestamp>/<step>/`.
"""

from __future__ import annotations

import builtins
import contextlib
import logging
import os
import re
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mlplatform.config import Settings, load_settings
from mlplatform.pipelines.result import (
    SUCCEEDED,
    PipelineError,
    PipelineRunResult,
    PipelineStepFailedError,
)
from mlplatform.pipelines.spec import pipeline_name

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


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


def run_local(
    pipeline_func: Any, arguments: dict[str, Any], settings: Settings, caching: bool, echo: bool
) -> PipelineRunResult:
    """Run the pipeline with `kfp.local`'s SubprocessRunner; raises `PipelineError` on a failed step."""
    from kfp import local

    name = pipeline_name(pipeline_func)
    root = local_pipeline_root(settings)
    (root / "logs").mkdir(parents=True, exist_ok=True)
    stamp = f"{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns() % 10**6:06d}"
    log_path = root / "logs" / f"{name}-{stamp}.log"
    local.init(
        runner=local.SubprocessRunner(use_venv=False),
        pipeline_root=str(root),
        enable_caching=caching,
    )
    start = time.perf_counter()
    try:
        with _captured(log_path, echo), _steps_see(settings), _run_folder_named() as names:
            task = pipeline_func(**arguments)
    except RuntimeError as error:
        raise _step_failure(name, str(error), log_path) from None
    return PipelineRunResult(
        pipeline=name,
        mode="local",
        status=SUCCEEDED,
        outputs=dict(task.outputs or {}),
        duration_seconds=time.perf_counter() - start,
        run_dir=_own_run_dir(root, names),
        log_path=log_path,
        cache_dir=root / ".kfp_cache" if caching else None,
    )


@contextlib.contextmanager
def _run_folder_named() -> Iterator[list[str]]:
    """Record the run folder name `kfp.local` gives this run (it is made up in this process).

    Neither "the newest folder of this pipeline" (a concurrent run of the same pipeline may start a
    newer one) nor a folder named in the log (a cache hit names the earlier run's folder) is safe.
    """
    from kfp.local import executor_input_utils

    original = executor_input_utils.get_local_pipeline_resource_name
    names: list[str] = []

    def recorded(pipeline: str) -> str:
        names.append(original(pipeline))
        return names[-1]

    executor_input_utils.get_local_pipeline_resource_name = recorded
    try:
        yield names
    finally:
        executor_input_utils.get_local_pipeline_resource_name = original


def _own_run_dir(root: Path, names: list[str]) -> Path | None:
    """This run's folder; None when every step came from the cache (kfp.local then makes none)."""
    if not names:
        raise PipelineError("kfp.local did not name a run folder: has its API changed?")
    folder = root / names[0]
    return folder if folder.is_dir() else None


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


def relative_to_home(path: Path | None, settings: Settings | None = None) -> str:
    """Show `path` relative to the project root (no machine-specific prefix in notebook output)."""
    if path is None:
        return "-"
    home = (settings or load_settings()).home
    try:
        return str(path.resolve().relative_to(home))
    except ValueError:
        return str(path)
