"""ICAO 9303 check digits (7-3-1) and the course's 10-character ID format."""

import numpy as np
import pytest

from mlplatform.ocr import icao


@pytest.mark.parametrize(
    ("field", "digit"),
    [
        ("L898902C3", "6"),  # document number of the ICAO 9303 specimen passport
        ("740812", "2"),  # its date of birth
        ("120415", "9"),  # its date of expiry
        ("D23145890", "7"),  # document number of the ICAO 9303 specimen TD1 card
        ("", "0"),
        ("<<<", "0"),
    ],
)
def test_check_digit_matches_icao_examples(field: str, digit: str) -> None:
    assert icao.check_digit(field) == digit


@pytest.mark.parametrize(("char", "value"), [("0", 0), ("9", 9), ("A", 10), ("Z", 35), ("<", 0)])
def test_char_value(char: str, value: int) -> None:
    assert icao.char_value(char) == value


@pytest.mark.parametrize("char", ["a", "-", "é", "AB", ""])
def test_char_value_rejects_other_characters(char: str) -> None:
    with pytest.raises(ValueError, match="cannot appear in an ICAO field"):
        icao.char_value(char)


def test_make_id_appends_the_check_digit() -> None:
    assert icao.make_id("L898902C3") == "L898902C36"


def test_make_id_rejects_a_wrong_length() -> None:
    with pytest.raises(ValueError, match="it needs 9"):
        icao.make_id("L89890")


@pytest.mark.parametrize(
    ("card_id", "valid"),
    [
        ("UT12345675", True),
        ("UT12E45678", True),  # a letter among the digits is allowed
        ("UT12345674", False),  # wrong check digit
        ("UT1234567", False),  # too short
        ("ut12345675", False),  # lower case
        ("L898902C36", False),  # right check digit, but our IDs start with two letters
        ("UT1234567X", False),  # the check digit must be a digit
    ],
)
def test_is_valid_id(card_id: str, valid: bool) -> None:
    assert icao.is_valid_id(card_id) is valid


def test_random_ids_are_valid_deterministic_and_mix_letters() -> None:
    ids = [icao.random_id(np.random.default_rng([7, i])) for i in range(300)]
    assert all(icao.is_valid_id(card_id) for card_id in ids)
    assert ids == [icao.random_id(np.random.default_rng([7, i])) for i in range(300)]
    assert any(any(c.isalpha() for c in card_id[2:9]) for card_id in ids)
    assert len(set(ids)) == len(ids)


def test_single_character_errors_are_caught() -> None:
    """The 7-3-1 scheme detects every single-character substitution among digits."""
    card_id = "AB12345678"
    card_id = card_id[:-1] + icao.check_digit(card_id[:-1])
    for position in range(2, 9):
        for digit in "0123456789":
            if digit != card_id[position]:
                wrong = card_id[:position] + digit + card_id[position + 1 :]
                assert not icao.is_valid_id(wrong), wrong
