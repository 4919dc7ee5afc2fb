"""Kubeflow Pipelines in both platform modes: one `run_pipeline`, a local and a cluster runner.

- `spec`: the pipeline's name, its IR YAML (`compile_pipeline`), `RUNTIME_IMAGE`.
- `result`: `PipelineRunResult` and the errors both runners raise.
- `local`: `kfp.local` runs; `cluster`: submit to the KFP API, schedules, IR task lists.
- `run`: `run_pipeline`, which picks the runner from `settings.mode`.
"""

from mlplatform.pipelines.cluster import check_kfp_reachable, ir_tasks, schedule_pipeline
from mlplatform.pipelines.local import local_pipeline_root, relative_to_home
from mlplatform.pipelines.result import (
    SUCCEEDED,
    KfpNotReachableError,
    PipelineError,
    PipelineRunResult,
    PipelineStepFailedError,
    PipelineTimeoutError,
)
from mlplatform.pipelines.run import DEFAULT_TIMEOUT_SECONDS, run_pipeline
from mlplatform.pipelines.spec import (
    RUNTIME_IMAGE,
    RUNTIME_IMAGE_NAME,
    compile_pipeline,
    pipeline_name,
)

__all__ = [
    "DEFAULT_TIMEOUT_SECONDS",
    "RUNTIME_IMAGE",
    "RUNTIME_IMAGE_NAME",
    "SUCCEEDED",
    "KfpNotReachableError",
    "PipelineError",
    "PipelineRunResult",
    "PipelineStepFailedError",
    "PipelineTimeoutError",
    "check_kfp_reachable",
    "compile_pipeline",
    "ir_tasks",
    "local_pipeline_root",
    "pipeline_name",
    "relative_to_home",
    "run_pipeline",
    "schedule_pipeline",
]
