import numpy as np
import pytest

from mlplatform.ocr.crnn import Decoded
from mlplatform.ocr.dataset import Sample, generate_dataset, load_split
from mlplatform.ocr.detect_heuristic import NoCardFoundError
from mlplatform.ocr.reader import (
    EasyOCRRecognizer,
    IDReader,
    id_likeness,
    load_or_train_detector,
    pick_id,
    read_lines,
    text_boxes,
    trained_detector_path,
)
from mlplatform.ocr.reader import flatten_card as flatten

SIZES = {"train": 2, "val": 1, "test": 3, "test_heldout": 2}


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> list[Sample]:
    root = tmp_path_factory.mktemp("cards") / "set"
    generate_dataset(root, SIZES, seed=7, progress=False)
    return load_split(root, "test") + load_split(root, "test_heldout")


def truth_detector(sample: Sample):
    return lambda image: sample.corners


class Echo:
    """A recogniser that 'reads' a fixed list, to test the line choice without a network."""

    name = "echo"

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts

    def read(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        return [(self.texts[k % len(self.texts)], 0.5) for k in range(len(crops))]


class EchoChars(Echo):
    """An `Echo` that also reports per-character confidences, like `CRNNRecognizer.read_chars`."""

    def __init__(self, texts: list[str], char_confidences: list[float]) -> None:
        super().__init__(texts)
        self.char_confidences = tuple(char_confidences)

    def read_chars(self, crops: list[np.ndarray]) -> list[Decoded]:
        return [Decoded(text, 0.5, self.char_confidences) for text, _ in self.read(crops)]


@pytest.mark.parametrize(
    ("better", "worse"),
    [
        ("MN01846O80", "MN01846O81"),  # valid check digit beats invalid
        ("MN01846O81", "12.06.1978"),  # the ID format beats a date
        ("MN01846O8", "OKAFOR Dmitri"),  # letters + digits beat a name
        ("MN01846O81", "Document no."),
        ("MN01846O81", ""),
    ],
)
def test_id_likeness_orders_lines(better: str, worse: str) -> None:
    assert id_likeness(better) > id_likeness(worse)


def test_pick_id_takes_the_id_line_and_breaks_ties_by_confidence() -> None:
    readings = [("REPUBLIC OF UTOPIA", 0.9), ("AB1234567X", 0.4), ("AB1234567Y", 0.8)]
    assert pick_id(readings) == (2, "AB1234567Y", 0.8)
    assert pick_id([]) == (-1, "", 0.0)


def test_craft_finds_the_lines_of_a_flat_card(samples: list[Sample]) -> None:
    sample = samples[0]
    card = flatten(sample.load(), truth_detector(sample))
    assert card.shape == (323, 512, 3)
    boxes = text_boxes(card)
    assert 4 <= len(boxes) <= 20
    assert all(0 <= x0 < x1 <= 512 and 0 <= y0 < y1 <= 323 for x0, x1, y0, y1 in boxes)


def test_read_lines_picks_the_id_and_applies_the_rule(samples: list[Sample]) -> None:
    sample = samples[0]
    card = flatten(sample.load(), truth_detector(sample))
    reading = read_lines(card, [(0, 10, 0, 10)] * 3, Echo(["NAME", sample.card_id, "01.01.2000"]))
    assert (reading.id, reading.status) == (sample.card_id, "accepted")


def test_read_lines_passes_character_confidences_to_the_rule(samples: list[Sample]) -> None:
    card = np.zeros((323, 512, 3), np.uint8)
    boxes = [(0, 10, 0, 10)] * 2
    unsure_index_2 = [0.99, 0.99, 0.4] + [0.99] * 7  # "MNO1846O80": three valid fixes
    reading = read_lines(card, boxes, EchoChars(["NAME", "MNO1846O80"], unsure_index_2))
    assert (reading.id, reading.status) == ("MN01846O80", "corrected")
    assert reading.char_confidences == tuple(unsure_index_2)
    without = read_lines(card, boxes, Echo(["NAME", "MNO1846O80"]))
    assert (without.id, without.status, without.char_confidences) == ("", "rejected", ())


def test_easyocr_reads_most_ids_out_of_the_box(samples: list[Sample]) -> None:
    some = samples[:2]
    readings = [IDReader(truth_detector(s), EasyOCRRecognizer()).read(s.load()) for s in some]
    # Out of the box EasyOCR confuses 0/O and 1/I: most characters right, not every ID.
    from mlplatform.ocr.text_metrics import corpus_cer

    assert corpus_cer([r.raw for r in readings], [s.card_id for s in some]) < 0.25


def test_a_photo_without_a_card_raises() -> None:
    blank = np.full((400, 640, 3), 128, np.uint8)
    from mlplatform.ocr.detect_heuristic import detect_quad

    with pytest.raises(NoCardFoundError, match="No card-sized shape"):
        IDReader(detect_quad, Echo(["X"])).read(blank)


def test_a_card_without_text_is_rejected_with_a_reason() -> None:
    plain = np.full((400, 640, 3), 200, np.uint8)
    corners = np.array([[100, 80], [540, 80], [540, 360], [100, 360]], float)
    reading = IDReader(lambda image: corners, Echo(["X"])).read(plain)
    assert (reading.status, reading.id, reading.error) == (
        "rejected",
        "",
        "no text found on the card",
    )
    assert not reading.accepted
    assert reading.corners == tuple(map(tuple, corners))  # where the card was, for the caller


def test_a_reading_says_where_the_card_is(samples: list[Sample]) -> None:
    sample = samples[0]
    reading = IDReader(truth_detector(sample), Echo([sample.card_id])).read(sample.load())
    assert reading.id == sample.card_id
    assert np.allclose(reading.corners, sample.corners)


def test_empty_image_raises() -> None:
    from mlplatform.ocr.detect_heuristic import detect_quad

    with pytest.raises(ValueError, match="image is empty"):
        IDReader(detect_quad, Echo(["X"])).read(np.zeros((0, 0, 3), np.uint8))


def test_trained_detector_path_matches_chapter_08(tmp_path) -> None:
    path = trained_detector_path(tmp_path, "cards-v1-seed42-n60")
    assert path == tmp_path / "ocr" / "models" / "corner-detector-cards-v1-seed42-n60.pt"


def test_load_or_train_detector_trains_once(samples: list[Sample], tmp_path) -> None:
    root = samples[0].path.parent.parent.parent
    _, path = load_or_train_detector(root, tmp_path, fast=True, seed=1)
    assert path.is_file()
    stamp = path.stat().st_mtime_ns
    again, same = load_or_train_detector(root, tmp_path, fast=True, seed=1)
    assert same == path and path.stat().st_mtime_ns == stamp  # loaded, not retrained
    assert again(samples[0].load()).shape == (4, 2)
