"""The check-digit rule: accept, correct or reject a reading of the ID number.

A reader's raw text is first normalised (upper case, spaces and punctuation dropped). Then:

1. **accepted**: the text is a valid ID (format and ICAO 9303 check digit, see `icao`);
2. **corrected**: it is not, but exactly one valid ID is reachable by
   a. the *position constraints* of the format (the first two characters are letters, the last is a
      digit: a `0` in front becomes `O`, an `O` at the end becomes `0`, ...), or, failing that,
   b. the position constraints plus *one substitution* among the usual OCR confusions
      (0/O/D/Q, 1/I/L, 2/Z, 5/S, 6/G, 8/B, 7/T, 4/A);
   c. when several single substitutions are valid and the recogniser reported a confidence per
      character, the one that changes the *least confident* character, provided that character
      is clearly less confident than the next candidate's (`CONFIDENCE_MARGIN` lower);
3. **rejected**: anything else (wrong length, no valid candidate, or several without a clear
   winner). A rejected reading is not silently passed on: the caller asks a human, or the user to
   retake the photo.

The check digit detects every single substitution (weights 7, 3, 1 are coprime with 10, and a
confusion changes a character's value), but it cannot *locate* one: the check digit alone sees
several equally good candidates. The recogniser can: a misread character was usually read with
less certainty than the others. Without per-character confidences the rule refuses to guess.

Example:
    >>> apply_rule("MN01846O80").status
    'accepted'
    >>> apply_rule("MN01846O8").status  # one character short
    'rejected'
    >>> apply_rule("MNO1846O80").status  # three valid fixes, no way to tell which
    'rejected'
    >>> apply_rule("MNO1846O80", [0.99, 0.99, 0.41, 0.99, 0.98, 0.99, 0.97, 0.99, 0.99, 0.99]).id
    'MN01846O80'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from mlplatform.ocr import icao

ACCEPTED, CORRECTED, REJECTED = "accepted", "corrected", "rejected"
CONFUSION_GROUPS: tuple[str, ...] = ("0ODQ", "1IL", "2Z", "5S", "6G", "8B", "7T", "4A")
TO_LETTER = {"0": "O", "1": "I", "2": "Z", "4": "A", "5": "S", "6": "G", "7": "T", "8": "B"}
TO_DIGIT = {"O": "0", "D": "0", "Q": "0", "I": "1", "L": "1", "Z": "2", "A": "4", "S": "5",
            "G": "6", "T": "7", "B": "8"}  # fmt: skip
LETTER_POSITIONS = (0, 1)
DIGIT_POSITIONS = (icao.ID_LENGTH - 1,)
_NOT_ALNUM = re.compile(r"[^0-9A-Z]")
CONFIDENCE_MARGIN = (
    0.1  # chosen on the validation split (chapter 09, benchmarks/bench_ocr_reader.py)
)


@dataclass(frozen=True)
class RuleResult:
    """What the rule made of one reading: the ID it returns ("" when rejected) and why."""

    raw: str
    id: str
    status: str  # ACCEPTED, CORRECTED or REJECTED
    reason: str

    @property
    def accepted(self) -> bool:
        """True when the rule returns an ID (accepted as read, or corrected)."""
        return self.status != REJECTED

    @property
    def corrected(self) -> bool:
        """True when the returned ID differs from the normalised reading."""
        return self.status == CORRECTED


def normalise(text: str) -> str:
    """Upper case, with everything but A-Z and 0-9 removed (`"ab 12-c"` -> `"AB12C"`)."""
    return _NOT_ALNUM.sub("", text.upper())


def fix_positions(text: str) -> str:
    """Apply the format's letter and digit positions (`"0B..."` -> `"OB..."`, `"...O"` -> `"...0"`)."""
    chars = list(text)
    for i in LETTER_POSITIONS:
        if i < len(chars):
            chars[i] = TO_LETTER.get(chars[i], chars[i])
    for i in DIGIT_POSITIONS:
        if i < len(chars):
            chars[i] = TO_DIGIT.get(chars[i], chars[i])
    return "".join(chars)


def confusions(char: str) -> str:
    """The characters `char` is commonly confused with (not including itself)."""
    found = "".join(group for group in CONFUSION_GROUPS if char in group)
    return "".join(dict.fromkeys(c for c in found if c != char))


def single_substitutions(text: str) -> list[str]:
    """Every valid ID that differs from `text` in exactly one confusable character."""
    found = []
    for i, char in enumerate(text):
        for other in confusions(char):
            candidate = text[:i] + other + text[i + 1 :]
            if icao.is_valid_id(candidate):
                found.append(candidate)
    return sorted(set(found))


def aligned_confidences(text: str, confidences: Sequence[float] | None) -> list[float] | None:
    """The confidences of the characters `normalise(text)` keeps (None if they do not line up)."""
    if confidences is None or len(confidences) != len(text):
        return None
    kept = [c for char, c in zip(text, confidences, strict=True) if normalise(char) == char.upper()]
    return [float(c) for c in kept] if len(kept) == len(normalise(text)) else None


def least_confident(
    text: str, candidates: Sequence[str], confidences: Sequence[float], margin: float
) -> str | None:
    """The candidate that changes `text`'s least confident character, if that choice is clear.

    Clear means: exactly one candidate changes that character, and its confidence is at least
    `margin` below the confidence of every other candidate's changed character. Otherwise None.
    """
    changed = [next(i for i, (a, b) in enumerate(zip(text, c, strict=True)) if a != b)
               for c in candidates]  # fmt: skip
    order = sorted(range(len(candidates)), key=lambda k: confidences[changed[k]])
    lowest, others = order[0], order[1:]
    runner_up = min((confidences[changed[k]] for k in others), default=1.0 + margin)
    same_place = [k for k in others if changed[k] == changed[lowest]]
    if same_place or confidences[changed[lowest]] > runner_up - margin:
        return None
    return candidates[lowest]


def apply_rule(
    text: str, confidences: Sequence[float] | None = None, margin: float = CONFIDENCE_MARGIN
) -> RuleResult:
    """Accept, correct or reject one raw reading (see the module docstring for the order).

    Args:
        text: what the recogniser read.
        confidences: optional, one per character of `text` (`crnn.CRNNRecognizer.read_chars`);
            they break ties between several valid single substitutions.
        margin: how much less confident the chosen character must be than the next candidate.
    """
    clean = normalise(text)
    if icao.is_valid_id(clean):
        return RuleResult(text, clean, ACCEPTED, "valid check digit")
    if len(clean) != icao.ID_LENGTH:
        return RuleResult(text, "", REJECTED, f"{len(clean)} characters, expected {icao.ID_LENGTH}")
    positioned = fix_positions(clean)
    if icao.is_valid_id(positioned):
        return RuleResult(text, positioned, CORRECTED, "letter/digit positions")
    candidates = single_substitutions(positioned)
    if len(candidates) == 1:
        return RuleResult(text, candidates[0], CORRECTED, "one confusable substitution")
    if not candidates:
        return RuleResult(text, "", REJECTED, "check digit fails and no single fix")
    per_char = aligned_confidences(text, confidences)
    chosen = least_confident(positioned, candidates, per_char, margin) if per_char else None
    if chosen:
        return RuleResult(text, chosen, CORRECTED, "least confident character")
    return RuleResult(text, "", REJECTED, f"{len(candidates)} equally good corrections")


def rule_counts(results: list[RuleResult]) -> dict[str, int]:
    """How many readings were accepted, corrected and rejected."""
    counts = {ACCEPTED: 0, CORRECTED: 0, REJECTED: 0}
    for result in results:
        counts[result.status] += 1
    return counts
