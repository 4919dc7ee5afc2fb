"""Bad uploads for the OCR service's `POST /read`, each with the status it must get.

Chapter 10 sends these to the running service to show that what cannot be read is the client's
problem (a 4xx with a message), never a 500. Each probe is the keyword arguments of
`httpx.Client.request`, so `serving.traffic.answer_table` can send the lot and tabulate the answers.
The limits are parameters: the service's defaults (`ServingSettings`), or a test's smaller ones.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any

from PIL import Image

from mlplatform.config import ServingSettings

ROUTE = "/read"
_DEFAULTS = ServingSettings()
_JPEG_HEADER = {"content-type": "image/jpeg"}


@dataclass(frozen=True)
class Probe:
    """One request and the status the service owes it."""

    request: dict[str, Any]
    expected: int


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (width, height)).save(buffer, "PNG")  # one flat colour: a small file
    return buffer.getvalue()


def _upload(name: str, data: bytes, kind: str, field: str = "file") -> dict[str, Any]:
    return {"method": "POST", "url": ROUTE, "files": {field: (name, data, kind)}}


def upload_probes(
    photo: bytes,
    max_body_bytes: int = _DEFAULTS.max_body_bytes,
    max_pixels: int = _DEFAULTS.max_image_pixels,
) -> dict[str, Probe]:
    """A good photo (200) and the bad uploads (4xx) of chapter 10, by name.

    Args:
        photo: the bytes of a readable JPEG of a card.
        max_body_bytes: the service's body limit (an upload one MiB over it gets 413).
        max_pixels: the service's pixel limit (an image just over it gets 413).
    """
    side = math.isqrt(max_pixels) + 1  # a square just over the pixel limit
    return {
        "a photo of a card": Probe(_upload("card.jpg", photo, "image/jpeg"), 200),
        "not an image (a PDF)": Probe(
            _upload("scan.pdf", b"%PDF-1.7\n1 0 obj <<>> endobj\n", "application/pdf"), 422
        ),
        "an empty file": Probe(_upload("empty.jpg", b"", "image/jpeg"), 422),
        "a truncated JPEG": Probe(_upload("cut.jpg", photo[: len(photo) // 2], "image/jpeg"), 422),
        "a 1x1 PNG": Probe(_upload("dot.png", _png(1, 1), "image/png"), 422),
        f"a {side}x{side} PNG (over the pixel limit)": Probe(
            _upload("huge.png", _png(side, side), "image/png"), 413
        ),
        "an upload over the body limit": Probe(
            _upload("big.jpg", photo + b"\0" * (max_body_bytes + 2**20), "image/jpeg"), 413
        ),
        "JSON, not multipart": Probe(
            {"method": "POST", "url": ROUTE, "json": {"file": "card.jpg"}}, 415
        ),
        "the photo as the raw body": Probe(
            {"method": "POST", "url": ROUTE, "content": photo, "headers": _JPEG_HEADER}, 415
        ),
        "no part named `file`": Probe(_upload("card.jpg", photo, "image/jpeg", "photo"), 422),
    }
