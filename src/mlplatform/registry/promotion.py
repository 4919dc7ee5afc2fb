"""Aliases that follow the evidence: `champion` moves only to a version that is strictly better.

`promote_if_better` compares two versions on the metric their runs logged on the *same* evaluation
data (the digest of the run's "evaluation" dataset input); versions evaluated on different data
raise `DigestMismatchError` instead of being compared. `alias_metrics` reads the metrics behind an
alias (what the CI gate compares a candidate with).
"""

from __future__ import annotations

from dataclasses import dataclass

from mlflow.exceptions import MlflowException

from mlplatform.registry.versions import (
    CHALLENGER,
    CHAMPION,
    aliases,
    set_alias,
    version_by_alias,
)
from mlplatform.tracking import dataset_inputs, tracking_client


class DigestMismatchError(ValueError):
    """Two versions were evaluated on different data, so their metrics cannot be compared."""


@dataclass(frozen=True)
class Promotion:
    """The outcome of `promote_if_better`."""

    promoted: bool
    candidate: int
    champion: int | None  # the champion before the decision (None: there was none)
    metric: str
    candidate_value: float
    champion_value: float | None
    evaluation_digest: str

    def describe(self) -> str:
        """One sentence for a notebook or a log."""
        if self.champion is None:
            return f"v{self.candidate} is the first champion ({self.metric}={self.candidate_value:.4f})."
        if self.champion == self.candidate:
            return f"v{self.candidate} is already the champion."
        verb = "replaces" if self.promoted else "does not beat"
        return (
            f"v{self.candidate} ({self.metric}={self.candidate_value:.4f}) {verb} champion "
            f"v{self.champion} ({self.metric}={self.champion_value:.4f}) on evaluation data "
            f"{self.evaluation_digest[:12]}."
        )


def evaluation_of(name: str, version: int | str, metric: str) -> tuple[float, str]:
    """`metric` of the run that produced a version, and the digest of its evaluation data.

    Raises:
        KeyError: the run has no such metric, or logged no evaluation dataset.
    """
    model_version = tracking_client().get_model_version(name, str(version))
    run = tracking_client().get_run(model_version.run_id)
    if metric not in run.data.metrics:
        raise KeyError(
            f"{name} v{version}: its run {model_version.run_id} has no metric {metric!r} "
            f"(it has {', '.join(sorted(run.data.metrics)) or 'none'})."
        )
    evaluation = dataset_inputs(model_version.run_id).get("evaluation")
    if evaluation is None:
        raise KeyError(
            f"{name} v{version}: its run logged no evaluation data; log it with "
            "log_dataset(test, dataset_version(test, name), context='evaluation')."
        )
    return run.data.metrics[metric], evaluation.digest


def promote_if_better(
    name: str, candidate_version: int | str, metric: str, higher_is_better: bool = False
) -> Promotion:
    """Make the candidate `champion` if it beats the current champion on the same evaluation data.

    The candidate first becomes `challenger`. If there is no champion it becomes champion. If it
    is strictly better, `champion` moves to it and `challenger` is removed; otherwise the champion
    stays and the candidate remains the challenger.

    Raises:
        DigestMismatchError: the two versions were evaluated on different data.
    """
    candidate = int(candidate_version)
    value, digest = evaluation_of(name, candidate, metric)
    champion = aliases(name).get(CHAMPION)
    if champion == candidate:
        return Promotion(False, candidate, champion, metric, value, value, digest)
    if champion is None:
        set_alias(name, CHAMPION, candidate)
        return Promotion(True, candidate, None, metric, value, None, digest)
    champion_value, champion_digest = evaluation_of(name, champion, metric)
    if champion_digest != digest:
        raise DigestMismatchError(
            f"v{candidate} was evaluated on data {digest[:12]}... but champion v{champion} on "
            f"{champion_digest[:12]}...: their {metric} values are not comparable. Evaluate both on the "
            "same held-out frame (same dataset_version digest) and log it with context='evaluation'."
        )
    better = value > champion_value if higher_is_better else value < champion_value
    set_alias(name, CHALLENGER, candidate)
    if better:
        set_alias(name, CHAMPION, candidate)
        tracking_client().delete_registered_model_alias(name, CHALLENGER)
    return Promotion(better, candidate, champion, metric, value, champion_value, digest)


def alias_metrics(name: str, alias: str) -> dict[str, float] | None:
    """The metrics of the run behind `name@alias`, or None when there is no such model or alias."""
    try:
        version = version_by_alias(name, alias)
    except LookupError:  # no such model, or the alias is not set (UnknownAliasError)
        return None
    except MlflowException as error:
        if error.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            return None
        raise
    return dict(tracking_client().get_run(version.run_id).data.metrics)
