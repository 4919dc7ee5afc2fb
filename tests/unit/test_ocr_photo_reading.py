"""One untrusted photo through the checks and the reader (`photo_reading`)."""

from __future__ import annotations

import pytest
from ocr_service_fakes import CardReader, blank_photo, card_photo

from mlplatform.ocr.images import InvalidImageError
from mlplatform.ocr.photo_reading import read_photo, reader_of
from mlplatform.ocr.registered_reader import IDReaderModel


def test_a_card_is_read_with_its_corners_and_timing() -> None:
    photo = read_photo(CardReader("MN01846O80"), card_photo()[0], 10**7, "card.jpg")
    assert (photo.verdict, photo.check_digit_valid, photo.reason) == ("accepted", True, None)
    assert len(photo.reading.corners) == 4 and (photo.width, photo.height) == (640, 400)
    assert photo.decode_seconds > 0 and photo.read_seconds > 0


def test_no_card_is_a_rejected_reading_with_the_detectors_reason() -> None:
    photo = read_photo(CardReader("MN01846O80"), blank_photo(), 10**7, "blank.jpg")
    assert (photo.verdict, photo.reading.id, photo.reading.corners) == ("rejected", "", ())
    assert photo.reason.startswith("No card-sized shape found")


def test_bad_bytes_raise_before_the_reader_runs() -> None:
    class Refuses:
        def read(self, image):
            raise AssertionError("the reader must not see bad bytes")

    with pytest.raises(InvalidImageError, match=r"scan\.pdf is not a JPEG"):
        read_photo(Refuses(), b"%PDF-1.7", 10**7, "scan.pdf")


class FakePyfunc:
    """What `mlflow.pyfunc.load_model` returns for `ocr-id-reader`: it unwraps to the model."""

    def __init__(self, python_model) -> None:
        self.python_model = python_model

    def unwrap_python_model(self):
        return self.python_model


def test_reader_of_finds_the_reader_in_a_loaded_pyfunc() -> None:
    reader = CardReader("X")
    model = IDReaderModel()
    model.reader = reader  # type: ignore[assignment]
    assert reader_of(FakePyfunc(model)) is reader
    assert reader_of(reader) is reader


def test_reader_of_another_model_says_what_to_serve() -> None:
    with pytest.raises(TypeError, match="holds no ID reader: serve a version of ocr-id-reader"):
        reader_of(FakePyfunc(object()))
