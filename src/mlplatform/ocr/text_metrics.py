"""Metrics of a text reading: edit distance, character error rate and exact match.

The character error rate (CER) of a reading is the Levenshtein distance between the reading and
the truth (the fewest single-character insertions, deletions and substitutions that turn one into
the other) divided by the length of the truth. A CER of 0.1 on a 10-character ID is one wrong
character; an empty reading has a CER of 1; a reading with extra characters can exceed 1.

Example:
    >>> edit_distance("AB12", "A812")
    1
    >>> character_error_rate("A812", "AB12")
    0.25
"""

from __future__ import annotations

from collections.abc import Sequence


def edit_distance(a: str, b: str) -> int:
    """The Levenshtein distance between `a` and `b` (dynamic programming, one row at a time)."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]


def character_error_rate(prediction: str, truth: str) -> float:
    """Edit distance over the truth's length.

    Raises:
        ValueError: `truth` is empty (the rate is undefined).
    """
    if not truth:
        raise ValueError("truth is empty: the character error rate needs a non-empty reference.")
    return edit_distance(prediction, truth) / len(truth)


def corpus_cer(predictions: Sequence[str], truths: Sequence[str]) -> float:
    """Total edits over total reference characters (longer references weigh more)."""
    if len(predictions) != len(truths):
        raise ValueError(f"{len(predictions)} predictions but {len(truths)} truths.")
    total = sum(len(t) for t in truths)
    if total == 0:
        raise ValueError("the references are empty: nothing to compare against.")
    return sum(edit_distance(p, t) for p, t in zip(predictions, truths, strict=True)) / total


def exact_match(predictions: Sequence[str], truths: Sequence[str]) -> float:
    """Share of readings equal to their truth, character for character."""
    if len(predictions) != len(truths):
        raise ValueError(f"{len(predictions)} predictions but {len(truths)} truths.")
    if not truths:
        raise ValueError("no readings to score.")
    return sum(p == t for p, t in zip(predictions, truths, strict=True)) / len(truths)
