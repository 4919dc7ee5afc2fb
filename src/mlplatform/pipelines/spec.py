"""What a course pipeline is before it runs: its name, its IR YAML, the image its steps name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlplatform import __version__

RUNTIME_IMAGE_NAME = "mlplatform-runtime"
RUNTIME_IMAGE = f"{RUNTIME_IMAGE_NAME}:{__version__}"
"""The image every course component names as `base_image` (built from `platform/images`)."""


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
