"""Photos and fake platform pieces for the OCR service's tests.

`CardReader` finds the card with the real heuristic detector (so corners are real and a photo
without a card raises `NoCardFoundError` as in production) and "reads" the ID that the test gave
it, so a test runs in milliseconds instead of the real reader's half second.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from mlplatform.config import ServingSettings, load_settings
from mlplatform.ocr.dataset import draw_photo
from mlplatform.ocr.detect_heuristic import detect_quad
from mlplatform.ocr.id_rules import apply_rule
from mlplatform.ocr.reader import Reading
from mlplatform.ocr.service import create_ocr_app
from mlplatform.serving import ModelHolder, ServedModel

MAX_PIXELS = 4_000_000  # small enough that a test's "too large" image is cheap to encode


def card_photo(image_id: int = 1) -> tuple[bytes, str, np.ndarray]:
    """A synthetic photo (JPEG bytes), its card's ID and its true corners."""
    _, card, photo = draw_photo(seed=3, split="test", image_id=image_id)
    return photo.jpeg, card.identity.id_number, photo.corners


def encoded(pixels: np.ndarray | Image.Image, image_format: str = "PNG") -> bytes:
    """Image bytes in `image_format`."""
    image = pixels if isinstance(pixels, Image.Image) else Image.fromarray(pixels)
    buffer = io.BytesIO()
    image.save(buffer, image_format)
    return buffer.getvalue()


def blank_photo(width: int = 320, height: int = 200) -> bytes:
    """A valid photo with no card in it."""
    return encoded(np.full((height, width, 3), 128, np.uint8), "JPEG")


class CardReader:
    """The real card detector, then the rule applied to a text the test chose."""

    def __init__(self, text: str) -> None:
        self.text = text

    def read(self, image: np.ndarray) -> Reading:
        corners = tuple((float(x), float(y)) for x, y in detect_quad(image))
        result = apply_rule(self.text)
        return Reading(result.raw, result.id, result.status, 0.93, corners=corners)


class FakeSource:
    """A registry whose alias points at `version`; each version reads `texts[version]`."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.texts, self.version = texts, "1"

    def resolve(self, name: str, alias: str) -> str:
        return self.version

    def load(self, name: str, alias: str, version: str) -> ServedModel:
        return ServedModel(CardReader(self.texts[version]), name, version, alias)


def make_app(
    text: str = "MN01846O80", max_body_bytes: int = 1024 * 1024, source=None, reads: int = 2
):
    holder = ModelHolder("ocr-id-reader-test", source=source or FakeSource({"1": text}))
    holder.refresh()  # loaded before the app starts, for clients that skip the lifespan
    serving = ServingSettings(
        max_body_bytes=max_body_bytes,
        model_poll_seconds=0,
        max_image_pixels=MAX_PIXELS,
        ocr_concurrent_reads=reads,
    )
    return create_ocr_app(holder=holder, settings=load_settings(), serving=serving)
