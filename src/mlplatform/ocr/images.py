"""Read and decode photos: one clear error for a file or an upload that is not an image."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


class InvalidImageError(ValueError):
    """A file that should be an image is missing, empty or not an image."""


def load_image(path: Path | str) -> np.ndarray:
    """Read an image file as an H x W x 3 RGB uint8 array.

    Raises:
        InvalidImageError: the file is missing, empty, or not an image OpenCV can decode; the
            message names the file and says what to do.
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidImageError(f"{path} does not exist; check the path or regenerate the set.")
    data = path.read_bytes()
    if not data:
        raise InvalidImageError(f"{path} is empty (0 bytes): re-copy or regenerate it.")
    return decode_image(data, str(path))


def decode_image(data: bytes, name: str = "the upload") -> np.ndarray:
    """Decode image bytes (JPEG, PNG, ...) to RGB; raises `InvalidImageError` if they are not one."""
    if not data:
        raise InvalidImageError(f"{name} is empty (0 bytes): send a JPEG or PNG image.")
    pixels = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if pixels is None:
        raise InvalidImageError(
            f"{name} is not an image OpenCV can decode ({len(data)} bytes starting "
            f"{data[:8]!r}); expected a JPEG or PNG file."
        )
    return np.ascontiguousarray(pixels[..., ::-1])
