"""Quality floors of the OpenCV card detector on the synthetic set (fast or full, as configured).

Measured with benchmarks/bench_detector.py and on the fast set (60 photos):
fast test mean IoU 0.968, test_heldout 0.893 (medians 0.987 / 0.986);
full test 0.931, test_heldout 0.944 (medians 0.983 / 0.983). The floors leave room for both.
"""

from __future__ import annotations

import pytest

from mlplatform.ocr import dataset
from mlplatform.ocr.detect_heuristic import detect_quad
from mlplatform.ocr.detection_eval import evaluate_detector, summarize

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def root(settings):
    return dataset.ensure_dataset(settings, progress=False)


@pytest.mark.parametrize(
    ("split", "mean_floor", "median_floor"),
    [("test", 0.90, 0.96), ("test_heldout", 0.85, 0.96)],
)
def test_heuristic_detector_meets_its_floor(root, split, mean_floor, median_floor) -> None:
    summary = summarize(evaluate_detector(detect_quad, dataset.load_split(root, split)))
    assert summary["mean_iou"] >= mean_floor
    assert summary["median_iou"] >= median_floor
    assert summary["missed"] <= max(1, summary["n"] // 50)
