"""Read the ID off one photo from outside (an upload, a file in a folder), with checks and timing.

The one path behind the OCR service (`ocr.service`) and batch scoring (`ocr.folder_reading`):
decode the bytes with `images.decode_checked` (format, pixel limit, truncation), run the reader,
and turn "no card in the photo" into a rejected reading with the reason, since that is an answer
about a valid photo and not a bad request. What the reader cannot be given (not an image, too
large, too small) raises `InvalidImageError` / `ImageTooLargeError` for the caller to report.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from mlplatform.ocr import icao
from mlplatform.ocr.detect_heuristic import NoCardFoundError
from mlplatform.ocr.id_rules import REJECTED, apply_rule
from mlplatform.ocr.images import decode_checked
from mlplatform.ocr.reader import Reading


class PhotoReader(Protocol):
    """What reads a photo: `IDReader`, or a test's fake."""

    def read(self, image: np.ndarray) -> Reading:
        """The reading of one RGB photo (raises `NoCardFoundError` when there is no card)."""
        ...


@dataclass(frozen=True)
class PhotoReading:
    """One photo's reading, its size, and where the time went."""

    reading: Reading
    width: int
    height: int
    decode_seconds: float
    read_seconds: float

    @property
    def verdict(self) -> str:
        """The check-digit rule's verdict: accepted, corrected or rejected."""
        return self.reading.status

    @property
    def check_digit_valid(self) -> bool:
        """True when what the recogniser read already has a valid format and check digit."""
        return icao.is_valid_id(self.reading.raw)

    @property
    def reason(self) -> str | None:
        """Why nothing was accepted (no card, no text, the rule), None when an ID is returned."""
        reading = self.reading
        if reading.accepted:
            return None
        if reading.error:
            return reading.error
        rule = apply_rule(reading.raw, reading.char_confidences or None)  # the same verdict again
        return f"the check-digit rule rejects {reading.raw!r}: {rule.reason}"


def reader_of(model: Any) -> PhotoReader:
    """The photo reader inside a served model: a loaded `ocr-id-reader` pyfunc, or a reader itself.

    The service calls the reader directly rather than the pyfunc's `predict`, because the pyfunc's
    table has no room for the card's corners and would decode every photo a second time.
    """
    if hasattr(model, "read"):
        return model
    python_model = model.unwrap_python_model() if hasattr(model, "unwrap_python_model") else model
    reader = getattr(python_model, "reader", None)
    if reader is None:
        raise TypeError(
            f"{type(model).__name__} holds no ID reader: serve a version of ocr-id-reader "
            "(mlplatform.ocr.reader_registry.register_reader)."
        )
    return reader


def read_photo(reader: PhotoReader, data: bytes, max_pixels: int, name: str) -> PhotoReading:
    """Decode `data` with the checks of `images.decode_checked` and read the ID on it.

    Raises:
        ImageTooLargeError: over `max_pixels`.
        InvalidImageError: empty, not an image, truncated, or too small; the message names `name`.
    """
    start = time.perf_counter()
    image = decode_checked(data, max_pixels, name)
    decoded = time.perf_counter()
    try:
        reading = reader.read(image)
    except NoCardFoundError as error:
        reading = Reading("", "", REJECTED, 0.0, str(error))  # "No card ... found: ..."
    done = time.perf_counter()
    height, width = image.shape[:2]
    return PhotoReading(reading, width, height, decoded - start, done - decoded)
