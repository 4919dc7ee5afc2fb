"""Model tests for rating models, and the gate that compares a candidate with the champion.

The behavioural checks take any object with `.predict(pairs) -> array`, where `pairs` is a frame
with `user_id` and `item_id` columns (the course's `BiasBaseline` and friends), and return a list of
readable problems, empty when the model behaves:

- minimum functionality: one finite prediction per row, on the rating scale, also for new users;
- invariance: predictions do not depend on row order or on a column the model should ignore;
- directional expectation: an item many users loved is predicted higher than one they hated.

`compare_to_champion` is the regression gate of CI: plain metric dicts in, pass or fail with a reason
out. Where the champion's metrics come from (a JSON file, the MLflow registry) is `ci_gate`'s job.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from mlplatform.recommender.movielens import RATING_SCALE

# Which way is better for the metrics the course logs; pass `directions=` for any other metric.
METRIC_DIRECTIONS = {
    "rmse": "lower",
    "mae": "lower",
    "precision_at_10": "higher",
    "ndcg_at_10": "higher",
}


class RatingModel(Protocol):
    """Anything with `predict(pairs) -> one rating per row`."""

    def predict(self, pairs: pd.DataFrame) -> np.ndarray:
        """One predicted rating per (user_id, item_id) row."""
        ...


def check_minimum_functionality(
    model: RatingModel, pairs: pd.DataFrame, scale: tuple[float, float] = RATING_SCALE
) -> list[str]:
    """One finite prediction per row, on the rating scale, including a user never seen before."""
    unknown = pd.DataFrame({"user_id": [-1], "item_id": [int(pairs["item_id"].iloc[0])]})
    problems = []
    for name, frame in (("the given pairs", pairs), ("a new user (user_id -1)", unknown)):
        predicted = np.asarray(model.predict(frame), dtype=float)
        if predicted.shape != (len(frame),):
            problems.append(f"{name}: expected {len(frame)} predictions, got {predicted.shape}")
            continue
        if not np.isfinite(predicted).all():
            problems.append(
                f"{name}: {int((~np.isfinite(predicted)).sum())} predictions not finite"
            )
        low, high = scale
        outside = (predicted < low) | (predicted > high)
        if outside.any():
            problems.append(f"{name}: {int(outside.sum())} predictions outside [{low}, {high}]")
    return problems


def check_invariance(model: RatingModel, pairs: pd.DataFrame, seed: int = 0) -> list[str]:
    """Shuffling the rows, or adding a column the model must ignore, changes no prediction."""
    baseline = pd.Series(np.asarray(model.predict(pairs), dtype=float), index=pairs.index)
    problems = []
    shuffled = pairs.sample(frac=1.0, random_state=seed)
    moved = pd.Series(np.asarray(model.predict(shuffled), dtype=float), index=shuffled.index)
    if not np.allclose(moved.loc[pairs.index], baseline):
        problems.append("predictions change when the rows are shuffled")
    noise = np.random.default_rng(seed).normal(size=len(pairs))
    extra = np.asarray(model.predict(pairs.assign(unrelated=noise)), dtype=float)
    if not np.allclose(extra, baseline):
        problems.append("predictions change when an unrelated column is added")
    return problems


def loved_and_hated_items(train: pd.DataFrame, min_ratings: int = 50) -> tuple[int, int]:
    """The item with the highest and the one with the lowest mean rating among popular items."""
    stats = train.groupby("item_id")["rating"].agg(["mean", "size"])
    popular = stats[stats["size"] >= min_ratings]
    if len(popular) < 2:
        raise ValueError(
            f"fewer than two items have {min_ratings} ratings; pass a smaller min_ratings"
        )
    ordered = popular.sort_values(["mean", "size"], ascending=[False, False])
    return int(ordered.index[0]), int(ordered.index[-1])


def check_directional(
    model: RatingModel, users: pd.Series | list[int], loved: int, hated: int
) -> list[str]:
    """Each user is predicted to like the `loved` item more than the `hated` one."""
    users = pd.Series(list(users), dtype="int64")
    pairs = pd.DataFrame(
        {
            "user_id": pd.concat([users, users]),
            "item_id": [loved] * len(users) + [hated] * len(users),
        }
    )
    predicted = np.asarray(model.predict(pairs.reset_index(drop=True)), dtype=float)
    wrong = users[predicted[: len(users)] <= predicted[len(users) :]]
    if wrong.empty:
        return []
    return [
        f"{len(wrong)} of {len(users)} users are not predicted to prefer item {loved} (loved) "
        f"to item {hated} (hated), e.g. users {wrong.head(3).tolist()}"
    ]


@dataclass(frozen=True)
class GateResult:
    """The regression gate's verdict: `passed`, a one-line `reason`, and the per-metric deltas."""

    passed: bool
    reason: str
    deltas: dict[str, float] = field(default_factory=dict)  # candidate minus champion


def compare_to_champion(
    candidate_metrics: Mapping[str, float],
    champion_metrics: Mapping[str, float] | None,
    tolerance: float = 0.0,
    directions: Mapping[str, str] | None = None,
) -> GateResult:
    """Pass when no metric of the champion got worse by more than `tolerance` (absolute units).

    Args:
        candidate_metrics: the new model's metrics, e.g. {"rmse": 0.98}.
        champion_metrics: the champion's metrics on the same data; None or empty when there is no
            champion yet, which passes (the first model becomes the champion).
        tolerance: how much worse a metric may get (noise allowance), in the metric's units.
        directions: "lower" or "higher" is better, by metric name; defaults to METRIC_DIRECTIONS.

    Raises:
        ValueError: a negative tolerance, or a metric whose direction is unknown.
    """
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance}")
    if not champion_metrics:
        return GateResult(True, "no champion yet: the candidate becomes the first champion")
    directions = {**METRIC_DIRECTIONS, **(directions or {})}
    deltas, failures = {}, []
    for name, champion in champion_metrics.items():
        if directions.get(name) not in ("lower", "higher"):
            raise ValueError(
                f"no direction for metric {name!r}: pass directions={{{name!r}: 'lower'}} "
                f"or directions={{{name!r}: 'higher'}}"
            )
        if name not in candidate_metrics or not math.isfinite(candidate_metrics[name]):
            failures.append(f"{name} is missing from the candidate's metrics")
            continue
        deltas[name] = float(candidate_metrics[name]) - float(champion)
        worse = deltas[name] if directions[name] == "lower" else -deltas[name]
        if worse > tolerance:
            failures.append(
                f"{name} regressed: {candidate_metrics[name]:.4f} vs champion {champion:.4f} "
                f"(tolerance {tolerance})"
            )
    if failures:
        return GateResult(False, "; ".join(failures), deltas)
    shown = ", ".join(f"{name} {delta:+.4f}" for name, delta in deltas.items())
    return GateResult(True, f"no regression beyond {tolerance}: {shown}", deltas)
