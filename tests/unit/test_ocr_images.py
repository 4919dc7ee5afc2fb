"""Checked decoding of untrusted image bytes (`images.decode_checked`)."""

from __future__ import annotations

import numpy as np
import pytest
from ocr_service_fakes import card_photo, encoded
from PIL import Image

from mlplatform.ocr.images import (
    MIN_IMAGE_SIDE,
    ImageTooLargeError,
    InvalidImageError,
    decode_checked,
    decode_image,
)


def test_it_gives_the_same_pixels_as_the_data_sets_decoder() -> None:
    photo = card_photo()[0]
    assert np.array_equal(decode_checked(photo, 10**7), decode_image(photo))


@pytest.mark.parametrize(
    ("size", "limit", "error", "message"),
    [
        ((8000, 8000), 25_000_000, ImageTooLargeError, "64,000,000 pixels, over the limit"),
        ((13500, 13500), 25_000_000, ImageTooLargeError, "far too large to decode"),  # Pillow's own
        ((101, 100), 10_000, ImageTooLargeError, "over the limit of 10,000"),
        ((MIN_IMAGE_SIDE - 1, 500), 10**7, InvalidImageError, "too small"),
    ],
)
def test_sizes_are_checked_from_the_header(size, limit, error, message) -> None:
    with pytest.raises(error, match=message):
        decode_checked(encoded(Image.new("L", size)), limit, "x.png")


def test_the_limit_is_inclusive_and_grey_becomes_rgb() -> None:
    pixels = decode_checked(encoded(Image.new("L", (100, 100), 77)), 10_000)
    assert pixels.shape == (100, 100, 3) and pixels.dtype == np.uint8 and (pixels == 77).all()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty"),
        (b"GIF89a" + b"\x00" * 40, "is not a JPEG, PNG or WebP image"),
        (encoded(Image.new("RGB", (64, 64)), "GIF"), "is not a JPEG, PNG or WebP image"),
        (encoded(Image.new("RGB", (64, 64)), "BMP"), "is not a JPEG, PNG or WebP image"),
        (card_photo()[0][:5000], "damaged or truncated JPEG"),
        (encoded(Image.new("RGB", (64, 64)))[:-30], "damaged or truncated PNG"),
    ],
)
def test_what_cannot_be_decoded_is_refused_by_name(data: bytes, message: str) -> None:
    with pytest.raises(InvalidImageError, match=message) as caught:
        decode_checked(data, 10**7, "upload.bin")
    assert "upload.bin" in str(caught.value) and " at 0x" not in str(caught.value)


def test_webp_is_read() -> None:
    assert decode_checked(encoded(Image.new("RGB", (64, 48)), "WEBP"), 10**7).shape == (48, 64, 3)
