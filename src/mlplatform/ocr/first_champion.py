"""Make sure `ocr-id-reader` has a `champion`, so the OCR service has something to serve.

Chapter 09's pipeline leaves a champion behind; chapter 10 may run first, on a fresh platform.
`ensure_champion` then runs that same training pipeline (`ocr.pipeline.ocr_training_pipeline`:
data, detector, reader, evaluation, registration with `promote_if_better`), so the champion it
leaves is exactly what chapter 09 would have registered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mlplatform import registry


@dataclass(frozen=True)
class ChampionState:
    """The version `champion` points at, and what this call did to get it."""

    version: int
    trained_now: bool
    pipeline_seconds: float = 0.0

    def describe(self, name: str) -> str:
        """One line for the notebook."""
        if self.trained_now:
            how = f"trained by the OCR pipeline just now, in {self.pipeline_seconds:.0f} s"
        else:
            how = "already registered"
        return f"{name}@{registry.CHAMPION} is v{self.version} ({how})"


def _champion(name: str) -> int | None:
    try:
        known = registry.aliases(name)
    except LookupError:  # no model of that name yet: the pipeline's registration creates it
        return None
    return known.get(registry.CHAMPION)


def _run_training_pipeline(arguments: Mapping[str, Any]) -> float:
    """Run the OCR training pipeline in the platform's mode; the seconds it took."""
    from mlplatform.ocr.pipeline import ocr_training_pipeline
    from mlplatform.pipelines import run_pipeline

    return run_pipeline(ocr_training_pipeline, arguments).duration_seconds


def ensure_champion(
    name: str,
    fast: bool,
    seed: int = 42,
    train: Callable[[Mapping[str, Any]], float] = _run_training_pipeline,
) -> ChampionState:
    """The champion of `name`; when there is none, train and register one with the OCR pipeline.

    Args:
        name: the registered model, e.g. `ocr.model_name_for(FAST)`.
        fast: the pipeline's fast mode (small data, few epochs).
        seed: the pipeline's seed.
        train: runs the pipeline with its arguments and returns its seconds (tests pass a fake).

    Raises:
        LookupError: the pipeline ran but `name` still has no champion (see its registration).
    """
    version = _champion(name)
    if version is not None:
        return ChampionState(version, False)
    seconds = train({"fast": fast, "seed": seed, "model_name": name})
    version = _champion(name)
    if version is None:
        raise LookupError(
            f"The OCR training pipeline ran, but {name!r} has no {registry.CHAMPION!r} alias: "
            "read the register step's output (its log is under .platform/kfp/) and set one with "
            f"registry.set_alias({name!r}, 'champion', VERSION)."
        )
    return ChampionState(version, True, seconds)
