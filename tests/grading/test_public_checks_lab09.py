"""Lab 09's public checks: right answers pass, typical wrong answers fail with a useful message."""

from __future__ import annotations

import pandas as pd
import pytest
from check_contract import assert_check_separates

from mlplatform.grading.checks.lab09 import reference_fix
from mlplatform.ocr import icao
from mlplatform.ocr.text_metrics import character_error_rate


def positional_error_rate(prediction: str, truth: str) -> float:
    """Counts differing positions: wrong as soon as a character is dropped or added."""
    padded = prediction.ljust(len(truth))[: len(truth)]
    return sum(a != b for a, b in zip(padded, truth, strict=True)) / len(truth)


def distance_not_rate(prediction: str, truth: str) -> float:
    return character_error_rate(prediction, truth) * len(truth)


@pytest.mark.parametrize(
    ("wrong", "message"),
    [(positional_error_rate, "insertions and deletions"), (distance_not_rate, "expected 0.10")],
)
def test_q1_cer(wrong, message: str) -> None:
    assert_check_separates("lab09", "q1", "char_error_rate", character_error_rate, wrong, message)


def first_valid_fix(reading: str) -> str | None:
    """Takes the first valid repair even when there are several."""
    from mlplatform.grading.checks.lab09 import CONFUSABLE

    if icao.is_valid_id(reading):
        return reading
    for i, char in enumerate(reading):
        candidate = reading[:i] + CONFUSABLE.get(char, char) + reading[i + 1 :]
        if icao.is_valid_id(candidate):
            return candidate
    return None


def never_fixes(reading: str) -> str | None:
    return reading if icao.is_valid_id(reading) else None


@pytest.mark.parametrize(
    ("wrong", "message"),
    [(first_valid_fix, r"fix_id\('EB1B8W7092'\)"), (never_fixes, r"fix_id\('MN01B46O80'\)")],
)
def test_q2_fix(wrong, message: str) -> None:
    assert_check_separates("lab09", "q2", "fix_id", reference_fix, wrong, message)


def by_layout(frame: pd.DataFrame) -> pd.Series:
    return (frame["read"] == frame["truth"]).groupby(frame["layout"]).mean()


def by_layout_cer(frame: pd.DataFrame) -> pd.Series:
    """Mean of 1 - CER: partial credit for near misses, not exact match."""
    score = [
        1 - character_error_rate(r, t) for r, t in zip(frame["read"], frame["truth"], strict=True)
    ]
    return pd.Series(score).groupby(frame["layout"]).mean()


def overall_only(frame: pd.DataFrame) -> float:
    return float((frame["read"] == frame["truth"]).mean())


@pytest.mark.parametrize(
    ("wrong", "message"),
    [(by_layout_cer, "all its characters"), (overall_only, "should return a pandas Series")],
)
def test_q3_by_layout(wrong, message: str) -> None:
    assert_check_separates("lab09", "q3", "exact_match_by_layout", by_layout, wrong, message)
