"""Evaluate a card detector on a split: IoU and corner error per photo, summaries, worst cases.

A detector is any callable `image -> quad` (4 x 2 corners, clockwise from the card's top-left, in
pixels), e.g. `detect_heuristic.detect_quad`. A detector that raises `NoCardFoundError` (or any
`ValueError`/`RuntimeError`) on a photo scores IoU 0 there and the miss is counted, so one bad photo
never stops an evaluation.

What can be grouped by: the generator records each photo's layout, but not its camera draws (blur,
noise, shadow, glare, JPEG quality). So summaries are per layout, plus per rotation bin computed from
the true corners (the one distortion the annotations reveal).

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


def results_frame(results: Sequence[DetectionResult]) -> pd.DataFrame:
    """One row per photo: image_id, layout, rotation (deg), rotation bin, iou, corner_error, ms, missed."""
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
    labels = [f"{lo:g}-{hi:g}" for lo, hi in itertools.pairwise(ROTATION_BINS)]
    frame["rotation_bin"] = pd.cut(frame["rotation"], ROTATION_BINS, labels=labels, right=False)
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
    """The same summary per group: `layout` or `rotation_bin` (one row per group present)."""
    frame = results_frame(results)
    if column not in ("layout", "rotation_bin"):
        raise ValueError(f"Cannot group by {column!r}; use 'layout' or 'rotation_bin'.")
    rows = [
        {column: str(key), **_summary(group)} for key, group in frame.groupby(column, observed=True)
    ]
    return pd.DataFrame(rows)


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
    "DetectionResult",
    "Detector",
    "evaluate_detector",
    "evaluate_sample",
    "plot_detections",
    "results_frame",
    "summarize",
    "summarize_by",
    "worst_cases",
]
