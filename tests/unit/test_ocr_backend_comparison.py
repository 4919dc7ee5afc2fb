"""`ocr.backend_comparison`: two readers on the same photos, summarised and compared."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mlplatform.ocr.backend_comparison import (
    agreement,
    backend_summary,
    compare_backends,
    distribution_mb,
)
from mlplatform.ocr.dataset import generate_dataset, load_split
from mlplatform.ocr.detect_heuristic import detect_quad
from mlplatform.ocr.reader import IDReader


class Recognizer:
    """Reads the same text on every crop (a backend that is always right, or always wrong)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def read(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        return [(self.text, 0.9) for _ in crops]


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> list:
    root = tmp_path_factory.mktemp("cards") / "set"
    generate_dataset(root, {"train": 1, "val": 1, "test": 2, "test_heldout": 1}, seed=5,
                     progress=False)  # fmt: skip
    return load_split(root, "test")


def reader(text: str) -> IDReader:
    return IDReader(detect_quad, Recognizer(text), lambda card: [(10, 200, 10, 40)])


def test_each_photo_is_read_by_each_backend_and_summarised(samples: list) -> None:
    truth = samples[0].card_id
    readers = {"first": reader(truth), "second": reader("garbage")}
    frame = compare_backends(readers, samples)
    assert len(frame) == 2 * len(samples)
    assert frame["backend"].tolist()[:2] == ["first", "second"]  # alternating, photo by photo
    summary = backend_summary(frame)
    assert summary.index.tolist() == ["first", "second"]
    assert summary.loc["first", "exact_match"] == pytest.approx(1 / len(samples))
    assert summary.loc["second", "exact_match"] == 0.0
    assert (summary["p50_ms"] > 0).all() and (summary["text_detector_p50_ms"] >= 0).all()
    assert agreement(frame) == 0.0
    same = compare_backends({"a": reader(truth), "b": reader(truth)}, samples)
    assert agreement(same) == 1.0


def test_distribution_mb_is_the_installed_size() -> None:
    size = distribution_mb("pytest")
    files = Path(__file__).stat().st_size / 1e6
    assert 0.1 < size < 50 and size > files
