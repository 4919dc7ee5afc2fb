"""`ocr.latency_budget`: stages timed on a real photo with fake networks; the budget table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from ocr_service_fakes import blank_photo, card_photo

from mlplatform.ocr.detect_heuristic import detect_quad
from mlplatform.ocr.images import InvalidImageError
from mlplatform.ocr.latency_budget import (
    STAGES,
    budget_table,
    stage_to_optimise,
    time_photos,
    time_stages,
)
from mlplatform.ocr.reader import IDReader


class Recognizer:
    def __init__(self, text: str) -> None:
        self.text = text

    def read(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        return [(self.text, 0.9) for _ in crops]


def reader(text: str = "MN01846O80", lines: int = 1) -> IDReader:
    """The real card detector; one text line per card; a recogniser that reads `text`."""
    return IDReader(detect_quad, Recognizer(text), lambda card: [(10, 200, 10, 40)] * lines)


def test_every_stage_is_timed_and_the_reading_is_the_readers() -> None:
    photo, _, _ = card_photo()
    staged = time_stages(reader(), photo)
    assert list(staged.ms) == list(STAGES)
    assert all(ms > 0 for ms in staged.ms.values())
    assert staged.total_ms == pytest.approx(sum(staged.ms.values()))
    assert (staged.reading.id, staged.reading.status) == ("MN01846O80", "accepted")


def test_stages_not_reached_are_zero_and_the_reading_says_why() -> None:
    no_card = time_stages(reader(), blank_photo())
    assert no_card.ms["card_detector"] > 0 and no_card.ms["text_detector"] == 0
    assert no_card.reading.status == "rejected" and "card" in no_card.reading.error
    no_text = time_stages(reader(lines=0), card_photo()[0])
    assert no_text.ms["text_detector"] > 0 and no_text.reading.error == "no text found on the card"


def test_what_is_not_a_photo_raises_like_the_service() -> None:
    with pytest.raises(InvalidImageError, match="not a JPEG, PNG or WebP"):
        time_stages(reader(), b"%PDF-1.7")


def test_time_photos_has_a_row_per_photo_with_the_id() -> None:
    photos = [("a.jpg", card_photo(1)[0]), ("b.jpg", blank_photo())]
    frame = time_photos(reader(), photos)
    assert frame["photo"].tolist() == ["a.jpg", "b.jpg"]
    assert frame["verdict"].tolist() == ["accepted", "rejected"]
    assert np.allclose(frame["total"], frame[list(STAGES)].sum(axis=1))


def test_budget_table_percentiles_shares_and_the_stage_to_optimise() -> None:
    timings = pd.DataFrame(
        {
            "decode": [1.0, 1.0, 1.0, 1.0],
            "detect": [10.0, 10.0, 10.0, 50.0],
            "read": [20.0, 60.0, 20.0, 20.0],
        }
    )
    table = budget_table(timings, ["decode", "detect", "read"])
    assert table.loc["detect", "p50_ms"] == 10.0
    assert table.loc["detect", "p95_ms"] == pytest.approx(np.percentile([10, 10, 10, 50], 95))
    assert table.loc["detect", "share"] == pytest.approx(20 / 51)
    assert table.drop(index="total")["share"].sum() == pytest.approx(1.0)
    assert table.loc["total", "p95_ms"] == pytest.approx(np.percentile([31, 71, 31, 71], 95))
    assert table.loc["total", "p95_ms"] < table.drop(index="total")["p95_ms"].sum()
    assert stage_to_optimise(table) == "read"  # by mean: detect's one outlier does not outweigh it


def test_budget_table_names_a_missing_stage() -> None:
    with pytest.raises(KeyError, match=r"no column for \['recognizer'\]"):
        budget_table(pd.DataFrame({"decode": [1.0]}), ["decode", "recognizer"])
