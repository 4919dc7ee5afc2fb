"""What one pipeline run produced, and how to read its outputs back (`PipelineRunResult`).

In local mode every step that ran has a folder `<run_dir>/<step>/` with `executor_output.json` (the
parameters it returned, its artefacts' metadata) and its artefact files. A step served from the local
cache has no folder in this run: its outputs stay where the run that computed them put them, and the
cache entry in `<pipeline_root>/.kfp_cache/` points there. `PipelineRunResult` reads both.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlplatform.config import Mode

SUCCEEDED = "SUCCEEDED"
_CACHE_HIT = re.compile(r"Task (\S+) cache hit \(key=([0-9a-f]+)\)")


class PipelineError(RuntimeError):
    """A pipeline could not be run; the message says why and what to do."""


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


@dataclass(frozen=True)
class PipelineRunResult:
    """What one run of a pipeline produced.

    Attributes:
        pipeline: the pipeline's name (`@dsl.pipeline(name=...)`).
        mode: `local` or `cluster`.
        status: `SUCCEEDED` (a failed run raises instead of returning).
        outputs: the pipeline's own outputs (what the pipeline function returns); local mode only.
        duration_seconds: wall-clock time of the run.
        run_dir: local mode: the folder with one sub-folder of artefacts per step that ran.
        log_path: local mode: the captured log of every step.
        run_id: cluster mode: the KFP run id.
        run_url: cluster mode: the run's page in the KFP UI.
        cache_dir: local mode with caching on: where the cache entries are.
    """

    pipeline: str
    mode: Mode
    status: str
    outputs: dict[str, Any] = field(default_factory=dict)
    duration_seconds: float = 0.0
    run_dir: Path | None = None
    log_path: Path | None = None
    run_id: str | None = None
    run_url: str | None = None
    cache_dir: Path | None = None

    @property
    def steps(self) -> list[str]:
        """Steps executed in this run (local mode); skipped and cache-served steps are absent."""
        if self.run_dir is None:
            return []
        return sorted(p.name for p in self.run_dir.iterdir() if p.is_dir())

    @property
    def cached_steps(self) -> list[str]:
        """Steps whose outputs came from the local cache instead of running again."""
        return sorted(self._cache_keys())

    def ran(self, step: str) -> bool:
        """Whether `step` produced outputs in this run, executed or served from the cache."""
        return step in self.steps or step in self._cache_keys()

    def _cache_keys(self) -> dict[str, str]:
        if self.log_path is None or not self.log_path.is_file():
            return {}
        return dict(_CACHE_HIT.findall(self.log_path.read_text(encoding="utf-8", errors="replace")))

    def step_outputs(self, step: str) -> dict[str, Any]:
        """Parameters returned by `step` (local mode), e.g. `{"Output": 0.93}`.

        Raises:
            PipelineError: the step did not run in this pipeline run.
        """
        return dict(self._executor_output(step).get("parameterValues", {}))

    def step_metrics(self, step: str) -> dict[str, Any]:
        """Everything `step` logged with `Output[Metrics].log_metric` (local mode)."""
        artifacts = self._executor_output(step).get("artifacts", {})
        found: dict[str, Any] = {}
        for entry in artifacts.values():
            for artifact in entry.get("artifacts", []):
                found.update(artifact.get("metadata", {}))
        return found

    def artifact_path(self, step: str, name: str) -> Path:
        """Where the output artefact `name` of `step` is (in an earlier run's folder if cached)."""
        if self.run_dir is not None and (self.run_dir / step).is_dir():
            return self.run_dir / step / name
        artifact = self._cache_entry(step).get(name)
        if not isinstance(artifact, dict) or "uri" not in artifact:
            raise PipelineError(f"Step {step!r} of {self.pipeline!r} has no artefact {name!r}.")
        return Path(artifact["uri"])

    def _cache_entry(self, step: str) -> dict[str, Any]:
        key = self._cache_keys().get(step)
        entries = sorted(self.cache_dir.glob(f"{key}*.json")) if key and self.cache_dir else []
        if not entries:
            ran = ", ".join(self.steps + self.cached_steps) or "none"
            raise PipelineError(f"Step {step!r} did not run in {self.pipeline!r} (ran: {ran}).")
        return json.loads(entries[0].read_text())

    def _executor_output(self, step: str) -> dict[str, Any]:
        if self.run_dir is not None and (self.run_dir / step).is_dir():
            path = self.run_dir / step / "executor_output.json"
            return json.loads(path.read_text()) if path.is_file() else {}
        entry = self._cache_entry(step)  # same shape as executor_output.json, rebuilt
        artifacts = {k: v for k, v in entry.items() if isinstance(v, dict) and "uri" in v}
        return {
            "parameterValues": {k: v for k, v in entry.items() if k not in artifacts},
            "artifacts": {k: {"artifacts": [v]} for k, v in artifacts.items()},
        }
