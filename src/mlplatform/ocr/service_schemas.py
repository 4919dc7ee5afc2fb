"""Response models of the OCR service (with the upload parameters, they are its OpenAPI schema)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from mlplatform.ocr.photo_reading import PhotoReading
from mlplatform.serving.schemas import ServedModelInfo

MAX_BATCH_FILES = 16  # photos in one batch call (about 10 s of work); more is a batch-scoring job

Corner = Annotated[list[float], Field(min_length=2, max_length=2)]


class Timing(BaseModel):
    """Where the time of one photo went, in milliseconds."""

    decode_ms: float = Field(description="Checking and decoding the image.", examples=[2.1])
    read_ms: float = Field(description="Card detection, text lines, recogniser, rule.")
    total_ms: float = Field(examples=[412.5])


class ReadingResponse(BaseModel):
    """The ID number read off one photo, the check-digit rule's verdict and where the card is."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "filename": "photo.jpg",
                    "id": "MN01846O80",
                    "raw": "MN01846O80",
                    "confidence": 0.97,
                    "verdict": "accepted",
                    "check_digit_valid": True,
                    "reason": None,
                    "corners": [[112.4, 81.0], [530.2, 95.7], [521.8, 352.3], [104.9, 338.6]],
                    "image_size": [640, 400],
                    "model": {"name": "ocr-id-reader", "version": "4", "alias": "champion"},
                    "timing": {"decode_ms": 2.1, "read_ms": 410.4, "total_ms": 412.5},
                }
            ]
        }
    )

    filename: str | None = Field(description="The uploaded file's name, as the client sent it.")
    id: str | None = Field(description="The ID number; null when the verdict is `rejected`.")
    raw: str = Field(description="What the recogniser read on the ID line, normalised.")
    confidence: float = Field(ge=0, le=1, description="The recogniser's confidence in `raw`.")
    verdict: Literal["accepted", "corrected", "rejected"] = Field(
        description="accepted: `raw` holds its check digit; corrected: one fix makes it hold; "
        "rejected: no ID returned (see `reason`): ask for another photo or a human."
    )
    check_digit_valid: bool = Field(description="Whether `raw`'s check digit already holds.")
    reason: str | None = Field(description="Why the reading was rejected (no card, no text, rule).")
    corners: list[Corner] | None = Field(
        description="The card's corners in the photo's pixels, clockwise from top-left (4 x 2); "
        "null when no card was found."
    )
    image_size: list[int] = Field(description="The photo's [width, height] in pixels.")
    model: ServedModelInfo
    timing: Timing

    @classmethod
    def of(
        cls, photo: PhotoReading, filename: str | None, model: ServedModelInfo, total_seconds: float
    ) -> ReadingResponse:
        """The response for one read photo."""
        reading = photo.reading
        return cls(
            filename=filename,
            id=reading.id if reading.accepted else None,
            raw=reading.raw,
            confidence=min(1.0, max(0.0, float(reading.confidence))),
            verdict=photo.verdict,  # type: ignore[arg-type]
            check_digit_valid=photo.check_digit_valid,
            reason=photo.reason,
            corners=[[round(x, 1), round(y, 1)] for x, y in reading.corners] or None,
            image_size=[photo.width, photo.height],
            model=model,
            timing=Timing(
                decode_ms=round(photo.decode_seconds * 1000, 2),
                read_ms=round(photo.read_seconds * 1000, 2),
                total_ms=round(total_seconds * 1000, 2),
            ),
        )


class FileError(BaseModel):
    """A file of a batch that could not be read: the status a single upload would have got."""

    status: Literal[413, 422] = Field(description="413: over the pixel limit; 422: not an image.")
    detail: str = Field(examples=["scan.pdf is not a JPEG, PNG or WebP image (...)"])


class BatchItem(BaseModel):
    """One file of a batch: its reading, or why it could not be read."""

    filename: str | None
    reading: ReadingResponse | None = None
    error: FileError | None = None


class BatchResponse(BaseModel):
    """One item per uploaded file, in the order sent; a bad file does not fail the others."""

    results: list[BatchItem]
    read: int = Field(description="Files that were read (whatever the verdict).")
    failed: int = Field(description="Files that could not be read (see each `error`).")
