"""ICAO 9303 check digits and the course's ID number format.

ICAO Doc 9303 (part 3, section 4.9) computes a check digit over a field of digits, capital letters
and the filler `<`: each character gets a value (0-9 for digits, A=10 ... Z=35, `<`=0), the values
are multiplied by the repeating weights 7, 3, 1, and the sum modulo 10 is the check digit. The
specimen passport in Doc 9303 has document number `L898902C3` with check digit 6.

Our ID number is 10 characters: a 9-character document number (two letters, then seven characters
that are mostly digits with the odd letter, as in real document numbers) followed by its check
digit. Example: `AB12C4567` + `?` -> the full ID the reader must produce.
"""

from __future__ import annotations

import re
import string

import numpy as np

WEIGHTS = (7, 3, 1)
DOCUMENT_LENGTH = 9  # characters before the check digit
ID_LENGTH = DOCUMENT_LENGTH + 1
ID_PATTERN = re.compile(r"^[A-Z]{2}[0-9A-Z]{7}[0-9]$")
LETTER_SHARE = 0.15  # chance that one of the last seven document characters is a letter


def char_value(char: str) -> int:
    """The ICAO value of one character: digits as themselves, A=10 ... Z=35, `<`=0.

    Raises:
        ValueError: `char` is not a digit, a capital letter or `<`.
    """
    if len(char) == 1 and char.isdigit() and char.isascii():
        return int(char)
    if len(char) == 1 and char in string.ascii_uppercase:
        return ord(char) - ord("A") + 10
    if char == "<":
        return 0
    raise ValueError(
        f"{char!r} cannot appear in an ICAO field: use digits, capital letters A-Z or '<'."
    )


def check_digit(field: str) -> str:
    """The ICAO 9303 check digit (7-3-1 weights) of `field`, as a one-character string.

    Example:
        >>> check_digit("L898902C3")
        '6'
    """
    total = sum(char_value(char) * WEIGHTS[i % 3] for i, char in enumerate(field))
    return str(total % 10)


def make_id(document_number: str) -> str:
    """Append the check digit to a 9-character document number."""
    if len(document_number) != DOCUMENT_LENGTH:
        raise ValueError(
            f"document number {document_number!r} has {len(document_number)} characters; "
            f"it needs {DOCUMENT_LENGTH}."
        )
    return document_number + check_digit(document_number)


def is_valid_id(card_id: str) -> bool:
    """True when `card_id` has the course's format and its last character is the right check digit."""
    if not ID_PATTERN.match(card_id):
        return False
    return check_digit(card_id[:-1]) == card_id[-1]


def random_id(rng: np.random.Generator) -> str:
    """A random, valid 10-character ID drawn from `rng` (same generator state, same ID)."""
    letters = string.ascii_uppercase
    head = "".join(letters[i] for i in rng.integers(0, 26, 2))
    tail = []
    for _ in range(DOCUMENT_LENGTH - 2):
        if rng.random() < LETTER_SHARE:
            tail.append(letters[int(rng.integers(0, 26))])
        else:
            tail.append(str(int(rng.integers(0, 10))))
    return make_id(head + "".join(tail))
