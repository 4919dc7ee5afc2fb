"""Card detection quality and speed on the full synthetic set: the OpenCV baseline (and, later, more).

For each detector in DETECTORS and each of the full set's `test` and `test_heldout` splits (200 photos
each), report mean and median IoU, the share of photos at IoU >= 0.9 and >= 0.95, the mean corner
error in pixels, misses and milliseconds per image (detection only, decoding excluded). The heuristic
OpenCV detector is the in-run baseline every other detector is compared with.

Result keys are flat: `<detector>_<split>_<metric>`, and `detectors` lists the detectors measured.
To add the trained detector (chapter 08), add an entry to DETECTORS; nothing else changes.

Run: `.venv/bin/python benchmarks/bench_detector.py` (writes benchmarks/results/detector.json).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from mlplatform.benchmarking import machine_info, print_table, write_result
from mlplatform.config import load_settings
from mlplatform.ocr import dataset
from mlplatform.ocr.detect_heuristic import detect_quad
from mlplatform.ocr.detection_eval import evaluate_detector, summarize, summarize_by

SPLITS = ("test", "test_heldout")
# name -> (description, detector); the trained detector of chapter 08 joins here.
DETECTORS: dict[str, tuple[str, Callable[[np.ndarray], np.ndarray]]] = {
    "heuristic": ("OpenCV: colour Canny, contours, approxPolyDP, edge extension", detect_quad),
}
METRICS = (
    "mean_iou",
    "median_iou",
    "share_iou_ge_0.9",
    "share_iou_ge_0.95",
    "mean_corner_error_px",
    "missed",
    "ms_per_image",
)


def main() -> None:
    """Evaluate every detector on both splits of the full set; print tables, write the JSON."""
    settings = load_settings()
    root = dataset.ensure_dataset(settings, dataset.split_sizes(fast=False), seed=42)
    result: dict[str, object] = {
        "benchmark": "detector",
        "dataset": root.name,
        "splits": list(SPLITS),
        "detectors": list(DETECTORS),
        "metric_note": "a miss counts as IoU 0 and is left out of the corner error",
    }
    rows = []
    for name, (description, detector) in DETECTORS.items():
        result[f"{name}_description"] = description
        for split in SPLITS:
            start = time.perf_counter()
            results = evaluate_detector(detector, dataset.load_split(root, split))
            summary = summarize(results)
            result[f"{name}_{split}_n"] = summary["n"]
            for metric in METRICS:
                value = summary[metric]
                result[f"{name}_{split}_{metric}"] = (
                    round(value, 4) if isinstance(value, float) else value
                )
            result[f"{name}_{split}_wall_seconds"] = round(time.perf_counter() - start, 2)
            rows.append({"detector": name, "split": split, **{m: summary[m] for m in METRICS}})
            for layout_row in summarize_by(results, "layout").to_dict("records"):
                result[f"{name}_{split}_{layout_row['layout']}_mean_iou"] = round(
                    layout_row["mean_iou"], 4
                )
    result.update(machine_info(["numpy", "opencv-python-headless", "shapely"]))
    print_table(rows)
    print(f"wrote {write_result('detector', result, settings.home)}")


if __name__ == "__main__":
    main()
