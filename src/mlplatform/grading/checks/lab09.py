"""Public checks for lab 09, reading the ID number: CER by hand, the check-digit fix, per-layout scores."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlplatform.grading.public import Check, CheckFailed, Namespace, answer
from mlplatform.ocr import icao
from mlplatform.ocr.text_metrics import character_error_rate

CER_CASES = (
    ("AB12345678", "AB12345678"),  # right
    ("A812345678", "AB12345678"),  # one substitution
    ("AB1234567", "AB12345678"),  # one deletion
    ("AB123456789", "AB12345678"),  # one insertion
    ("", "AB12345678"),  # nothing read
    ("XAB12345678X", "AB12345678"),  # two insertions at the ends
)

# The lab's confusion map: one partner per character (the notebook defines the same `CONFUSABLE`).
CONFUSABLE = {"0": "O", "O": "0", "1": "I", "I": "1", "5": "S", "S": "5",
              "8": "B", "B": "8", "2": "Z", "Z": "2", "6": "G", "G": "6"}  # fmt: skip
FIX_CASES = (
    ("MN01846O80", "MN01846O80"),  # valid: returned as read
    ("MN01B46O80", "MN01846O80"),  # 8 read as B: the only valid fix
    ("MN0184GO80", "MN0184GO80"),  # 6 read as G: worth 16 vs 6, the check digit cannot tell
    ("MNO1846O80", "MN01846O80"),
    ("EB1B8W7092", None),  # two valid single fixes (EB188W7092, EB1BBW7092): ambiguous
    ("XX12345XX3", None),  # no valid single fix
    ("MN01846O8", None),  # too short to be an ID
)


def reference_fix(reading: str) -> str | None:
    """The behaviour q2 asks for, to compare against."""
    if icao.is_valid_id(reading):
        return reading
    found = {
        reading[:i] + CONFUSABLE[c] + reading[i + 1 :]
        for i, c in enumerate(reading)
        if c in CONFUSABLE and icao.is_valid_id(reading[:i] + CONFUSABLE[c] + reading[i + 1 :])
    }
    return found.pop() if len(found) == 1 else None


def _check_cer(ns: Namespace) -> None:
    char_error_rate = answer(ns, "char_error_rate")
    for prediction, truth in CER_CASES:
        got = char_error_rate(prediction, truth)
        expected = character_error_rate(prediction, truth)
        if not isinstance(got, int | float | np.floating) or not np.isclose(float(got), expected):
            raise CheckFailed(
                f"char_error_rate({prediction!r}, {truth!r}) returned {got!r}, expected "
                f"{expected:.2f}: the edit distance counts insertions and deletions, not only "
                "characters that differ at the same position."
            )


def _check_fix(ns: Namespace) -> None:
    fix_id = answer(ns, "fix_id")
    for reading, expected in FIX_CASES:
        assert reference_fix(reading) == expected, reading  # the table itself is right
        got = fix_id(reading)
        if got != expected:
            raise CheckFailed(f"fix_id({reading!r}) returned {got!r}, expected {expected!r}.")


LAYOUT_FRAME = pd.DataFrame(
    {
        "layout": ["azure", "azure", "sand", "sand", "sand", "crimson"],
        "truth": [
            "AB12345678",
            "CD12345678",
            "EF12345678",
            "GH12345678",
            "IJ12345678",
            "KL1234567",
        ],
        "read": ["AB12345678", "CD1234567B", "EF12345678", "GH12345678", "IJ1234567", "KL1234567"],
    }
)
LAYOUT_EXPECTED = {"azure": 0.5, "crimson": 1.0, "sand": 2 / 3}


def _check_by_layout(ns: Namespace) -> None:
    exact_match_by_layout = answer(ns, "exact_match_by_layout")
    got = exact_match_by_layout(LAYOUT_FRAME.copy())
    if not isinstance(got, pd.Series):
        raise CheckFailed(
            f"exact_match_by_layout should return a pandas Series, got {type(got).__name__}."
        )
    values = {str(k): float(v) for k, v in got.items()}
    if set(values) != set(LAYOUT_EXPECTED):
        raise CheckFailed(
            f"the index should be the layouts {sorted(LAYOUT_EXPECTED)}, got {sorted(values)}."
        )
    for layout, expected in LAYOUT_EXPECTED.items():
        if not np.isclose(values[layout], expected):
            raise CheckFailed(
                f"exact match of {layout!r} is {expected:.3f}, you returned {values[layout]:.3f}: "
                "a reading counts only when all its characters equal the truth."
            )


CHECKS = [
    Check(
        "q1",
        3,
        (
            "character error rate: the fewest single-character edits (insert, delete, substitute)"
            " that turn the reading into the truth, relative to the truth's length."
        ),
        _check_cer,
    ),
    Check(
        "q2",
        3,
        (
            "a reading that passes the check-digit rule stands; otherwise try the single "
            "confusions chapter 09 lists, and answer only when exactly one correction is valid."
        ),
        _check_fix,
    ),
    Check(
        "q3",
        2,
        "exact match per reading, averaged within each layout.",
        _check_by_layout,
    ),
]
