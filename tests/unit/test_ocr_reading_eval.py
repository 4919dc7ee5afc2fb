import numpy as np
import pandas as pd
import pytest

from mlplatform.ocr.dataset import Sample, generate_dataset, load_split
from mlplatform.ocr.reading_eval import (
    comparison,
    evaluate_readers,
    failures,
    headline_metrics,
    summarize,
)


def _row(split: str, reader: str, truth: str, raw: str, out: str, status: str) -> dict:
    from mlplatform.ocr.text_metrics import character_error_rate as cer

    return {"split": split, "image_id": 1, "layout": "azure", "reader": reader, "truth": truth,
            "raw": raw, "id": out, "status": status, "confidence": 0.5, "error": "",
            "exact": raw == truth, "exact_rule": out == truth, "cer": cer(raw, truth),
            "cer_rule": cer(out if status in ("accepted", "corrected") else raw, truth)}  # fmt: skip


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        [
            _row("test", "a", "AB12345678", "AB12345678", "AB12345678", "accepted"),
            _row("test", "a", "AB12345678", "A812345678", "AB12345678", "corrected"),
            _row("test", "a", "AB12345678", "AB1234567", "", "rejected"),
            _row("test", "a", "AB12345678", "AB12345671", "AB12345671", "accepted"),  # wrong
            _row("test_heldout", "a", "AB12345678", "", "", "error"),
        ]
    )


def test_summarize(frame: pd.DataFrame) -> None:
    table = summarize(frame)
    test = table.loc[("test", "a")]
    assert test["n"] == 4
    assert test["exact_match"] == pytest.approx(0.25)
    assert test["exact_match_rule"] == pytest.approx(0.5)
    assert test["cer"] == pytest.approx((0 + 0.1 + 0.1 + 0.1) / 4)
    assert (test["accepted"], test["corrected"], test["rejected"]) == (2, 1, 1)
    assert test["wrong_accepted"] == 1
    held = table.loc[("test_heldout", "a")]
    assert (held["rejected"], held["wrong_accepted"], held["cer"]) == (1, 0, 1.0)


def test_comparison_has_a_rule_row_per_reader(frame: pd.DataFrame) -> None:
    table = comparison(frame)
    assert table.index.tolist() == ["a", "a + rule"]
    assert table.loc["a + rule", ("test", "exact_match")] == pytest.approx(0.5)
    assert table.loc["a", ("test_heldout", "cer")] == pytest.approx(1.0)


def test_headline_metrics_shortens_the_heldout_split(frame: pd.DataFrame) -> None:
    metrics = headline_metrics(frame, "a")
    assert metrics["test_exact_match_rule"] == pytest.approx(0.5)
    assert metrics["heldout_rejected"] == 1.0
    assert "test_heldout_cer" not in metrics


def test_failures_are_the_wrong_rows_worst_first(frame: pd.DataFrame) -> None:
    worst = failures(frame, "a", k=2)
    assert worst["raw"].tolist() == ["", "AB1234567"]


class Constant:
    name = "constant"

    def __init__(self, text: str) -> None:
        self.text = text

    def read(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        return [(self.text, 1.0)] * len(crops)


def test_evaluate_readers_shares_the_lines_and_records_failures(tmp_path) -> None:
    root = tmp_path / "set"
    generate_dataset(
        root, {"train": 1, "val": 1, "test": 2, "test_heldout": 1}, seed=3, progress=False
    )
    samples: list[Sample] = load_split(root, "test")
    truth = samples[0].card_id

    calls = []

    def detector(image: np.ndarray) -> np.ndarray:  # finds the first card, misses the second
        calls.append(image.shape)
        if len(calls) == 2:
            raise RuntimeError("No card-sized shape found")
        return samples[0].corners

    readers = {"right": Constant(truth), "wrong": Constant("XX")}
    frame = evaluate_readers(samples, detector, readers, "test", progress=False)
    assert len(frame) == 4
    first = frame[frame["image_id"] == samples[0].image_id].set_index("reader")
    assert bool(first.loc["right", "exact"]) and first.loc["right", "status"] == "accepted"
    assert first.loc["wrong", "status"] == "rejected"
    second = frame[frame["image_id"] == samples[1].image_id]
    assert (second["status"] == "error").all()
    assert second["error"].str.contains("No card").all()
