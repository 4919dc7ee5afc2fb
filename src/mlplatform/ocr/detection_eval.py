"""Evaluate a card detector on a split: IoU and corner error per photo, summaries, worst cases.

A detector is any callable `image -> quad` (4 x 2 corners, clockwise from the card's top-left, in
pixels), e.g. `detect_heuristic.detect_quad`. A detector that raises `NoCardFoundError` (or any
`ValueError`/`RuntimeError`) on a photo scores IoU 0 there and the miss is counted, so one bad photo
never stops an evaluation.

What can be grouped by: each photo's layout, its rotation (binned from the true corners), and, for
sets made by generator 1.1.0 or later, the camera's recorded draws (`Sample.distortions`): the
background kind, whether there is a shadow or a glare spot, and bins of the card's scale, the
perspective tilt, the blur, the noise and the JPEG quality.

Example:
    >>> from mlplatform.ocr.detect_heuristic import detect_quad
    >>> results = evaluate_detector(detect_quad, load_split(root, "test"))  # doctest: +SKIP
    >>> summarize(results)["mean_iou"]  # doctest: +SKIP
    0.87
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mlplatform.ocr.dataset import Sample
from mlplatform.ocr.geometry import mean_corner_error, quad_iou, rotation_degrees

Detector = Callable[[np.ndarray], np.ndarray]
IOU_THRESHOLDS = (0.9, 0.95)
ROTATION_BINS = (0.0, 5.0, 10.0, 15.0, 90.0)  # absolute top-edge angle, degrees
# recorded draw -> bin edges (the lowest bin includes its left edge: blur 0 = no blur applied)
DISTORTION_BINS = {
    "scale": (0.55, 0.65, 0.75, 0.9),
    "tilt": (0.0, 0.05, 0.08, 0.1),
    "blur": (0.0, 0.3, 0.8, 1.2),
    "noise": (0.0, 3.0, 6.0, 8.0),
    "jpeg_quality": (45, 60, 75, 95),
}
DISTORTION_FLAGS = ("shadow", "glare")  # recorded strength, 0 when absent -> "yes" / "no"
GROUPS = (
    "layout",
    "rotation_bin",
    "background",
    *DISTORTION_FLAGS,
    *(f"{name}_bin" for name in DISTORTION_BINS),
)


@dataclass(frozen=True)
class DetectionResult:
    """One photo's outcome: the predicted quad (None on a miss), IoU, corner error, time."""

    sample: Sample
    pred: np.ndarray | None
    iou: float
    corner_error: float  # pixels; NaN on a miss
    seconds: float
    error: str = ""


def evaluate_sample(detector: Detector, sample: Sample) -> DetectionResult:
    """Run the detector on one photo and score it against the true corners."""
    image = sample.load()
    start = time.perf_counter()
    try:
        pred = np.asarray(detector(image), dtype=float)
    except (ValueError, RuntimeError) as error:  # NoCardFoundError is a RuntimeError
        seconds = time.perf_counter() - start
        return DetectionResult(sample, None, 0.0, float("nan"), seconds, type(error).__name__)
    seconds = time.perf_counter() - start
    iou = quad_iou(pred, sample.corners)
    return DetectionResult(sample, pred, iou, mean_corner_error(pred, sample.corners), seconds)


def evaluate_detector(detector: Detector, samples: Sequence[Sample]) -> list[DetectionResult]:
    """Score the detector on every sample (in order)."""
    if not samples:
        raise ValueError("No samples to evaluate; check the split name and dataset folder.")
    return [evaluate_sample(detector, sample) for sample in samples]


def _bin_labels(edges: Sequence[float]) -> list[str]:
    return [f"{lo:g}-{hi:g}" for lo, hi in itertools.pairwise(edges)]


def _add_distortions(frame: pd.DataFrame, results: Sequence[DetectionResult]) -> None:
    """Columns for the recorded camera draws (only when every sample has them)."""
    draws = [r.sample.distortions for r in results]
    if not all(draws):
        return
    table = pd.DataFrame(draws)
    frame["background"] = table["background"].to_numpy()
    for flag in DISTORTION_FLAGS:
        frame[flag] = np.where(table[flag].to_numpy() > 0, "yes", "no")
    for name, edges in DISTORTION_BINS.items():
        frame[name] = table[name].to_numpy()
        frame[f"{name}_bin"] = pd.cut(
            frame[name], edges, labels=_bin_labels(edges), include_lowest=True
        )


def results_frame(results: Sequence[DetectionResult]) -> pd.DataFrame:
    """One row per photo: image_id, layout, rotation (deg), rotation bin, iou, corner_error, ms, missed.

    For sets with recorded distortions also: background, shadow and glare ("yes"/"no"), and
    scale, tilt, blur, noise, jpeg_quality with a `<name>_bin` column each.
    """
    rotations = [abs(rotation_degrees(r.sample.corners)) for r in results]
    frame = pd.DataFrame(
        {
            "image_id": [r.sample.image_id for r in results],
            "layout": [r.sample.layout for r in results],
            "rotation": rotations,
            "iou": [r.iou for r in results],
            "corner_error": [r.corner_error for r in results],
            "ms": [1000 * r.seconds for r in results],
            "missed": [r.pred is None for r in results],
        }
    )
    labels = _bin_labels(ROTATION_BINS)
    frame["rotation_bin"] = pd.cut(frame["rotation"], ROTATION_BINS, labels=labels, right=False)
    _add_distortions(frame, results)
    return frame


def _summary(frame: pd.DataFrame) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "n": len(frame),
        "mean_iou": float(frame["iou"].mean()),
        "median_iou": float(frame["iou"].median()),
    }
    for threshold in IOU_THRESHOLDS:
        summary[f"share_iou_ge_{threshold:g}"] = float((frame["iou"] >= threshold).mean())
    errors = frame["corner_error"].dropna()
    summary["mean_corner_error_px"] = float(errors.mean()) if len(errors) else float("nan")
    summary["missed"] = int(frame["missed"].sum())
    summary["ms_per_image"] = float(frame["ms"].mean())
    return summary


def summarize(results: Sequence[DetectionResult]) -> dict[str, Any]:
    """Overall numbers: n, mean and median IoU, shares at IoU >= 0.9 / 0.95, corner error, misses, ms.

    A missed photo counts as IoU 0 and is left out of the corner error (reported as `missed`).
    """
    return _summary(results_frame(results))


def summarize_by(results: Sequence[DetectionResult], column: str = "layout") -> pd.DataFrame:
    """The same summary per group of `column`, one of GROUPS (one row per group present).

    Raises:
        ValueError: `column` is not in GROUPS, or it is a distortion and the set does not record
            distortions (made before generator 1.1.0: regenerate it with `ensure_dataset`).
    """
    if column not in GROUPS:
        raise ValueError(f"Cannot group by {column!r}; use one of {', '.join(GROUPS)}.")
    frame = results_frame(results)
    if column not in frame:
        raise ValueError(
            f"The samples record no distortions, so they cannot be grouped by {column!r}; "
            "regenerate the set with `ensure_dataset` (generator 1.1.0 or later)."
        )
    rows = [
        {column: str(key), **_summary(group)} for key, group in frame.groupby(column, observed=True)
    ]
    return pd.DataFrame(rows)


def compare_by(
    results: dict[str, Sequence[DetectionResult]], column: str = "layout", metric: str = "mean_iou"
) -> pd.DataFrame:
    """One row per group of `column`, one column per detector holding `metric`, plus the count n.

    Example:
        >>> compare_by({"heuristic": a, "trained": b}, "blur_bin")  # doctest: +SKIP
    """
    tables = {name: summarize_by(r, column).set_index(column) for name, r in results.items()}
    if metric not in next(iter(tables.values())):
        raise ValueError(f"Unknown metric {metric!r}; use a key of `summarize`, e.g. 'mean_iou'.")
    first = next(iter(tables.values()))
    frame = pd.DataFrame({"n": first["n"]})
    for name, table in tables.items():
        frame[name] = table[metric]
    return frame


def worst_cases(results: Sequence[DetectionResult], k: int = 6) -> list[DetectionResult]:
    """The k results with the lowest IoU (misses first), for error analysis."""
    if k < 1:
        raise ValueError(f"k={k} must be at least 1.")
    return sorted(results, key=lambda r: (r.iou, r.sample.image_id))[:k]


def plot_detections(results: Sequence[DetectionResult], columns: int = 3) -> Any:
    """Draw each photo with the true quad (green) and the predicted one (red, dashed).

    Returns:
        The matplotlib figure (titles give image id, layout and IoU).
    """
    import matplotlib.pyplot as plt

    if not results:
        raise ValueError("Nothing to plot; pass at least one result (e.g. from worst_cases).")
    rows = int(np.ceil(len(results) / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(4 * columns, 2.7 * rows), squeeze=False)
    for axis in axes.ravel():
        axis.axis("off")
    for axis, result in zip(axes.ravel(), results, strict=False):
        axis.imshow(result.sample.load())
        true = np.vstack([result.sample.corners, result.sample.corners[:1]])
        axis.plot(true[:, 0], true[:, 1], color="lime", linewidth=1.5, label="true")
        if result.pred is not None:
            pred = np.vstack([result.pred, result.pred[:1]])
            axis.plot(pred[:, 0], pred[:, 1], "r--", linewidth=1.5, label="predicted")
            axis.plot(*result.pred[0], "ro", markersize=4)  # the predicted top-left corner
        missed = " (missed)" if result.pred is None else ""
        axis.set_title(
            f"#{result.sample.image_id} {result.sample.layout}: IoU {result.iou:.2f}{missed}",
            fontsize=9,
        )
    figure.tight_layout()
    return figure


__all__ = [
    "DISTORTION_BINS",
    "GROUPS",
    "DetectionResult",
    "Detector",
    "compare_by",
    "evaluate_detector",
    "evaluate_sample",
    "plot_detections",
    "results_frame",
    "summarize",
    "summarize_by",
    "worst_cases",
]
