import numpy as np
import pytest

from mlplatform.ocr import icao
from mlplatform.ocr.dataset import SPLITS
from mlplatform.ocr.letter_crops import EXTRA_STREAM, letter_id, letter_patches


@pytest.mark.parametrize("seed", range(20))
def test_letter_ids_are_valid_with_letters_in_the_tail(seed: int) -> None:
    card_id = letter_id(np.random.default_rng(seed))
    assert icao.is_valid_id(card_id)
    assert sum(c.isalpha() for c in card_id[2 : icao.DOCUMENT_LENGTH]) >= 1


def test_letter_fields_come_from_streams_the_data_set_does_not_use() -> None:
    assert EXTRA_STREAM not in range(len(SPLITS))


def test_letter_patches_are_deterministic_fields_with_their_text() -> None:
    first, again = letter_patches(2, seed=3), letter_patches(2, seed=3)
    assert [p.text for p in first] == [p.text for p in again]
    assert np.array_equal(first[0].pixels, again[0].pixels)
    for patch in first:
        assert icao.is_valid_id(patch.text)
        height, width = patch.pixels.shape
        assert patch.quad.min() >= 0
        assert patch.quad[:, 0].max() <= width and patch.quad[:, 1].max() <= height
    assert letter_patches(0, seed=3) == []
