"""Card detection quality and speed on the full synthetic set: the OpenCV baseline vs the trained detector.

First the trained detector of chapter 08 is trained twice from scratch on one CPU thread: in fast mode
(the 30-photo training split of the fast set, the notebook tests' configuration) and in full mode (the
1,200-photo training split, what a learner runs); both training times are recorded. Then each detector
is scored on the full set's `test` and `test_heldout` splits (200 photos each): mean and median IoU, the
share of photos at IoU >= 0.9 and >= 0.95, the mean corner error in pixels, misses and milliseconds per
image (detection only, decoding excluded). The heuristic is the in-run baseline.

Result keys are flat: `<detector>_<split>_<metric>`, per layout `<detector>_<split>_<layout>_mean_iou`,
and `train_<mode>_*` for the training runs; `detectors` lists the detectors measured.

Run: `.venv/bin/python benchmarks/bench_detector.py` (writes benchmarks/results/detector.json; about
10 minutes on two cores).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import asdict

import numpy as np
import torch

from mlplatform.benchmarking import machine_info, print_table, write_result
from mlplatform.config import load_settings
from mlplatform.ocr import dataset
from mlplatform.ocr.corner_model import CornerDetector
from mlplatform.ocr.corner_training import CornerTrainConfig, train_corner_detector
from mlplatform.ocr.detect_heuristic import detect_quad
from mlplatform.ocr.detection_eval import evaluate_detector, summarize, summarize_by

SPLITS = ("test", "test_heldout")
METRICS = (
    "mean_iou",
    "median_iou",
    "share_iou_ge_0.9",
    "share_iou_ge_0.95",
    "mean_corner_error_px",
    "missed",
    "ms_per_image",
)


def _rounded(value: object) -> object:
    return round(value, 4) if isinstance(value, float) else value


def train(fast: bool, result: dict[str, object]) -> CornerDetector:
    """Train in one mode on that mode's set; record time, configuration and validation IoU."""
    settings = load_settings()
    root = dataset.ensure_dataset(settings, dataset.split_sizes(fast), seed=42, progress=False)
    config = CornerTrainConfig.for_mode(fast, seed=42)
    train_split, val = dataset.load_split(root, "train"), dataset.load_split(root, "val")
    start = time.perf_counter()
    detector, history = train_corner_detector(train_split, val, config, progress=False)
    mode = "fast" if fast else "full"
    result[f"train_{mode}_seconds"] = round(time.perf_counter() - start, 1)
    result[f"train_{mode}_dataset"] = root.name
    result[f"train_{mode}_photos"] = len(train_split) + config.extra_photos
    result[f"train_{mode}_val_mean_iou"] = round(float(history["val_mean_iou"].iloc[-1]), 4)
    result[f"train_{mode}_config"] = ", ".join(f"{k}={v}" for k, v in asdict(config).items())
    return detector


def evaluate(
    name: str, detector: Callable[[np.ndarray], np.ndarray], root, result: dict, rows: list
) -> None:
    """Score one detector on both splits into `result` (flat keys) and `rows` (the table)."""
    for split in SPLITS:
        start = time.perf_counter()
        results = evaluate_detector(detector, dataset.load_split(root, split))
        summary = summarize(results)
        result[f"{name}_{split}_n"] = summary["n"]
        for metric in METRICS:
            result[f"{name}_{split}_{metric}"] = _rounded(summary[metric])
        result[f"{name}_{split}_wall_seconds"] = round(time.perf_counter() - start, 2)
        rows.append({"detector": name, "split": split, **{m: summary[m] for m in METRICS}})
        for layout_row in summarize_by(results, "layout").to_dict("records"):
            result[f"{name}_{split}_{layout_row['layout']}_mean_iou"] = round(
                layout_row["mean_iou"], 4
            )


def main() -> None:
    """Train in both modes, evaluate both detectors on both splits; print tables, write the JSON."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    torch.set_num_threads(1)
    settings = load_settings()
    root = dataset.ensure_dataset(settings, dataset.split_sizes(fast=False), seed=42)
    result: dict[str, object] = {
        "benchmark": "detector",
        "dataset": root.name,
        "splits": list(SPLITS),
        "detectors": ["heuristic", "trained"],
        "metric_note": "a miss counts as IoU 0 and is left out of the corner error",
        "heuristic_description": "OpenCV: colour Canny, contours, approxPolyDP, edge extension",
        "trained_description": "U-Net mask at 160x100 from scratch (full mode), largest region, "
        "approxPolyDP, side line refit",
        "torch_threads": torch.get_num_threads(),
    }
    train(fast=True, result=result)
    trained = train(fast=False, result=result)
    rows: list[dict] = []
    evaluate("heuristic", detect_quad, root, result, rows)
    evaluate("trained", trained, root, result, rows)
    result.update(machine_info(["numpy", "opencv-python-headless", "shapely", "torch"]))
    print_table(rows)
    print(f"training: fast {result['train_fast_seconds']} s, full {result['train_full_seconds']} s")
    print(f"wrote {write_result('detector', result, settings.home)}")


if __name__ == "__main__":
    main()
