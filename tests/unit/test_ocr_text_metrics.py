import pytest

from mlplatform.ocr.text_metrics import (
    character_error_rate,
    corpus_cer,
    edit_distance,
    exact_match,
)


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("", "", 0),
        ("ABC", "ABC", 0),
        ("ABC", "", 3),
        ("", "ABC", 3),
        ("AB12", "A812", 1),  # substitution
        ("AB12", "AB123", 1),  # insertion
        ("AB12", "B12", 1),  # deletion
        ("kitten", "sitting", 3),
        ("AB12", "BA21", 3),  # Levenshtein has no transposition: delete, substitute, insert
    ],
)
def test_edit_distance(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b) == distance
    assert edit_distance(b, a) == distance


@pytest.mark.parametrize(
    ("prediction", "truth", "rate"),
    [("AB12", "AB12", 0.0), ("A812", "AB12", 0.25), ("", "AB12", 1.0), ("XXAB12XX", "AB12", 1.0)],
)
def test_character_error_rate(prediction: str, truth: str, rate: float) -> None:
    assert character_error_rate(prediction, truth) == pytest.approx(rate)


def test_cer_of_an_empty_truth_raises() -> None:
    with pytest.raises(ValueError, match="truth is empty"):
        character_error_rate("A", "")


def test_corpus_cer_weights_by_length() -> None:
    # one edit in 2 characters + no edit in 8 = 1 / 10, not the mean of 0.5 and 0.
    assert corpus_cer(["AX", "ABCDEFGH"], ["AB", "ABCDEFGH"]) == pytest.approx(0.1)


def test_exact_match() -> None:
    assert exact_match(["AB", "CD", "EF"], ["AB", "CX", "EF"]) == pytest.approx(2 / 3)


@pytest.mark.parametrize("metric", [exact_match, corpus_cer])
def test_length_mismatch_raises(metric) -> None:
    with pytest.raises(ValueError, match="1 predictions but 2 truths"):
        metric(["A"], ["A", "B"])


def test_no_readings_raise() -> None:
    with pytest.raises(ValueError, match="no readings"):
        exact_match([], [])
