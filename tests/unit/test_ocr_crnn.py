import numpy as np
import pytest
import torch

from mlplatform.ocr.crnn import (
    ID_ALPHABET,
    IMAGE_HEIGHT,
    CRNNRecognizer,
    allowed_mask,
    base_weights_path,
    characters,
    decode,
    decode_chars,
    prepare,
)


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)


def test_base_weights_come_from_the_offline_package() -> None:
    path = base_weights_path()
    assert path.name == "english_g2.pth"
    assert "easyocr_en_models" in str(path)


def test_prepare_keeps_the_aspect_ratio_and_pads() -> None:
    wide = np.zeros((32, 160), np.uint8)
    narrow = np.full((32, 64, 3), 255, np.uint8)
    batch = prepare([wide, narrow])
    assert batch.shape == (2, 1, IMAGE_HEIGHT, 320)
    assert float(batch.min()) == -1.0 and float(batch.max()) == 1.0
    assert torch.all(batch[1, 0, :, 128:] == 1.0)  # padded with the last column


def test_allowed_mask() -> None:
    assert int(allowed_mask(None).sum()) == len(characters()) + 1
    mask = allowed_mask(ID_ALPHABET)
    assert int(mask.sum()) == 37 and bool(mask[0])  # 36 characters and the blank


def _logits(path: list[int], classes: int) -> torch.Tensor:
    logits = torch.full((1, len(path), classes), -10.0)
    for t, k in enumerate(path):
        logits[0, t, k] = 10.0
    return logits


def test_decode_collapses_repeats_and_drops_blanks() -> None:
    chars = characters()
    a, b = chars.index("A") + 1, chars.index("B") + 1
    text, confidence = decode(_logits([a, a, 0, a, b, b, 0], len(chars) + 1), allowed_mask(None))[0]
    assert text == "AAB"
    assert confidence == pytest.approx(1.0, abs=1e-6)


def test_decode_chars_keeps_each_characters_best_step() -> None:
    chars = characters()
    a, b = chars.index("A") + 1, chars.index("B") + 1
    logits = _logits([a, a, 0, b], len(chars) + 1)
    logits[0, 0, a] = 0.0  # the first A step is unsure, the second sure
    logits[0, 3, b] = -9.0  # B barely beats the other classes
    [decoded] = decode_chars(logits, allowed_mask(None))
    assert decoded.text == "AB"
    assert decoded.char_confidences[0] == pytest.approx(1.0, abs=1e-6)
    assert decoded.char_confidences[1] < 0.1
    assert decoded.confidence == pytest.approx(decoded.char_confidences[1] ** 0.5, rel=1e-6)


def test_decode_respects_the_alphabet() -> None:
    chars = characters()
    lower_o, upper_o = chars.index("o") + 1, chars.index("O") + 1
    logits = _logits([lower_o], len(chars) + 1)
    logits[0, 0, upper_o] = 5.0  # second best
    assert decode(logits, allowed_mask(None))[0][0] == "o"
    assert decode(logits, allowed_mask(ID_ALPHABET))[0][0] == "O"


def test_recognizer_reads_only_the_alphabet() -> None:
    recognizer = CRNNRecognizer.load()
    crop = np.full((32, 200), 255, np.uint8)
    crop[8:24, 20:180:12] = 0
    [(text, confidence)] = recognizer.read([crop])
    assert set(text) <= set(ID_ALPHABET)
    assert 0.0 <= confidence <= 1.0
    assert recognizer.read([]) == []
    [decoded] = recognizer.read_chars([crop])
    assert (decoded.text, decoded.confidence) == (text, confidence)
    assert len(decoded.char_confidences) == len(text)
