import pytest

from mlplatform.ocr import icao
from mlplatform.ocr.id_rules import (
    ACCEPTED,
    CORRECTED,
    REJECTED,
    aligned_confidences,
    apply_rule,
    confusions,
    fix_positions,
    least_confident,
    normalise,
    rule_counts,
    single_substitutions,
)


@pytest.mark.parametrize(
    ("raw", "status", "expected"),
    [
        ("MN01846O80", ACCEPTED, "MN01846O80"),
        ("mn 0184-6o80", ACCEPTED, "MN01846O80"),  # normalised first
        ("0B12345679", CORRECTED, "OB12345679"),  # a digit where a letter must be
        ("WX18617HBO", CORRECTED, "WX18617HB0"),  # a letter where the check digit must be
        ("MNQ1846O80", CORRECTED, "MN01846O80"),  # one confusion, one valid fix
        ("PUX8L7B387", CORRECTED, "PUX8L78387"),
        ("MNO1846O80", REJECTED, ""),  # one confusion, but three valid fixes: refuse to guess
        ("MN01846O8", REJECTED, ""),  # too short
        ("MN01846O8012", REJECTED, ""),  # too long
        ("", REJECTED, ""),
        ("XX12345XX3", REJECTED, ""),  # no single confusion gives a valid ID
    ],
)
def test_apply_rule(raw: str, status: str, expected: str) -> None:
    result = apply_rule(raw)
    assert (result.status, result.id) == (status, expected)
    assert result.accepted == (status != REJECTED)
    assert result.corrected == (status == CORRECTED)


def test_every_corrected_id_is_valid() -> None:
    for raw in ("0B12345679", "MNQ1846O80", "PUX8L7B387", "WX18617HBO"):
        assert icao.is_valid_id(apply_rule(raw).id)


def test_a_confusion_whose_values_differ_by_ten_passes_the_check_digit() -> None:
    # L=21 and 1 differ by 20, a multiple of 10: the 7-3-1 check digit cannot see this error.
    result = apply_rule("MN0L846O80")
    assert result.status == ACCEPTED
    assert result.id != "MN01846O80"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("ab 12-c", "AB12C"), ("A.B/1", "AB1"), ("", ""), ("ÄB1", "B1")],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("05123456O", "OS123456O"), ("81X", "BIX"), ("AB1234567O", "AB12345670"), ("A", "A")],
)
def test_fix_positions(text: str, expected: str) -> None:
    assert fix_positions(text) == expected


@pytest.mark.parametrize(("char", "expected"), [("0", "ODQ"), ("O", "0DQ"), ("8", "B"), ("X", "")])
def test_confusions(char: str, expected: str) -> None:
    assert confusions(char) == expected


def test_single_substitutions_finds_the_original() -> None:
    assert "MN01846O80" in single_substitutions("MNQ1846O80")
    assert single_substitutions("XX12345XX3") == []


def test_a_correction_can_be_wrong() -> None:
    # A misread that is not one of the listed confusions (the truth has X, not O) can still be
    # one confusion away from *another* valid ID: the rule then returns that ID, confidently.
    result = apply_rule("MNX1846O80")
    assert result.status == CORRECTED
    assert result.id == "MNX1846D80"


def test_rule_counts() -> None:
    results = [apply_rule(raw) for raw in ("MN01846O80", "MNQ1846O80", "", "xx")]
    assert rule_counts(results) == {ACCEPTED: 1, CORRECTED: 1, REJECTED: 2}


# "MNO1846O80" has three valid single fixes: MN01846O80 (index 2), MNO18A6O80 (index 5) and
# MNO1846Q80 (index 7). Per-character confidences say which character was misread.
AMBIGUOUS = "MNO1846O80"
SURE = [0.99] * 10


def _confidences(**low: float) -> list[float]:
    values = list(SURE)
    for key, value in low.items():
        values[int(key[1:])] = value
    return values


@pytest.mark.parametrize(
    ("confidences", "status", "expected"),
    [
        (None, REJECTED, ""),  # no confidences: refuse to guess, as before
        (_confidences(i2=0.40), CORRECTED, "MN01846O80"),  # the O at index 2 is the doubtful one
        (_confidences(i5=0.35), CORRECTED, "MNO18A6O80"),
        (_confidences(i7=0.50), CORRECTED, "MNO1846Q80"),
        (_confidences(i2=0.40, i7=0.45), REJECTED, ""),  # two doubtful characters: not clear
        (SURE, REJECTED, ""),  # all equally sure: not clear
        (_confidences(i0=0.10), REJECTED, ""),  # the doubtful character has no valid fix
        ([0.5] * 9, REJECTED, ""),  # confidences that do not line up with the text are ignored
    ],
)
def test_confidences_break_ties_between_valid_fixes(
    confidences: list[float] | None, status: str, expected: str
) -> None:
    result = apply_rule(AMBIGUOUS, confidences)
    assert (result.status, result.id) == (status, expected)


def test_confidences_never_override_a_valid_or_unique_reading() -> None:
    assert apply_rule("MN01846O80", _confidences(i2=0.01)).status == ACCEPTED
    assert apply_rule("MNQ1846O80", _confidences(i5=0.01)).id == "MN01846O80"


@pytest.mark.parametrize(
    ("margin", "status"), [(0.0, CORRECTED), (0.2, CORRECTED), (0.3, REJECTED)]
)
def test_margin_decides_how_clear_the_winner_must_be(margin: float, status: str) -> None:
    confidences = _confidences(i2=0.60, i7=0.85)
    assert apply_rule(AMBIGUOUS, confidences, margin=margin).status == status


def test_least_confident_rejects_two_fixes_of_the_same_character() -> None:
    # Two candidates change index 2: the confidence locates the error but cannot choose the fix.
    assert least_confident("AB0", ["ABO", "ABD", "AB1"], [0.9, 0.9, 0.1], 0.1) is None


@pytest.mark.parametrize(
    ("text", "confidences", "expected"),
    [
        ("MN 01", [0.1, 0.2, 0.3, 0.4, 0.5], [0.1, 0.2, 0.4, 0.5]),  # the space is dropped
        ("mn01", [0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3, 0.4]),
        ("MN01", [0.1, 0.2], None),  # wrong length
        ("MN01", None, None),
    ],
)
def test_aligned_confidences(
    text: str, confidences: list[float] | None, expected: list[float] | None
) -> None:
    assert aligned_confidences(text, confidences) == expected
