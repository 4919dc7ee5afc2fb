"""The OCR service: upload a photo of an ID card, get the ID number, the verdict and the corners.

Start it with `python -m mlplatform.ocr.service` (127.0.0.1:8102 by default, `OCR_PORT`); it
serves `ocr-id-reader@champion` (`ocr-id-reader-fast` with `MLPLATFORM_FAST=1`) from the MLflow
registry and follows the alias.

| route | answers |
|---|---|
| `POST /read` | a multipart upload with one photo in `file` -> the ID, its confidence, the verdict (accepted, corrected, rejected), the card's corners, the model version, the timing |
| `POST /read/batch` | up to 16 photos, each in a `files` part -> one item per file, in order; a bad file gets its own error and does not fail the others |
| `/health`, `/ready`, `/metrics`, `POST /admin/reload` | see `mlplatform.serving.app` |

A photo in which no card is found is a valid photo with a negative answer: 200, verdict
`rejected`, `corners` null and the reason. What cannot be read at all is refused: not a JPEG, PNG
or WebP, truncated, or under 32 pixels a side (422); over `MLPLATFORM_MAX_IMAGE_PIXELS` pixels
(413, found from the header before any pixel is decoded); a body over `MLPLATFORM_MAX_BODY_BYTES`
(413); a body that is not `multipart/form-data` (415); no `file` part (422).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, FastAPI, File, HTTPException, UploadFile

from mlplatform.config import ServingSettings, Settings, load_serving_settings, load_settings
from mlplatform.ocr.dataset import draw_photo
from mlplatform.ocr.images import ImageTooLargeError, InvalidImageError
from mlplatform.ocr.photo_reading import read_photo, reader_of
from mlplatform.ocr.registered_reader import model_name_for
from mlplatform.ocr.service_schemas import (
    MAX_BATCH_FILES,
    BatchItem,
    BatchResponse,
    FileError,
    ReadingResponse,
)
from mlplatform.registry import CHAMPION
from mlplatform.serving import BadRequestError, ModelHolder, ServedModel, create_app, serve
from mlplatform.serving.schemas import ServedModelInfo, error_responses

UPLOAD_TYPES = ("multipart/form-data",)
MAX_NAME_CHARS = 100  # of a client's file name quoted in a message
ERRORS = error_responses(
    {
        400: "The multipart body could not be parsed",
        413: "The body is over the size limit, or the image over the pixel limit",
        415: "The body is not multipart/form-data",
        422: "No file part, too many files, or a file that is not a readable JPEG/PNG/WebP",
        503: "The model is not loaded yet",
    }
)


def _name(upload: UploadFile) -> str:
    return (upload.filename or "the upload")[:MAX_NAME_CHARS]


@dataclass(frozen=True)
class ReadLimits:
    """How much one read may take (pixels) and how many reads run at once (the rest wait)."""

    max_pixels: int
    slots: threading.BoundedSemaphore

    @classmethod
    def of(cls, serving: ServingSettings) -> ReadLimits:
        """The limits of `serving`."""
        return cls(
            serving.max_image_pixels, threading.BoundedSemaphore(serving.ocr_concurrent_reads)
        )


def _read(served: ServedModel, upload: UploadFile, limits: ReadLimits) -> ReadingResponse:
    """Read one uploaded photo (raises the errors of `photo_reading.read_photo`)."""
    start = time.perf_counter()  # the total includes any wait for a slot
    data = upload.file.read()
    with limits.slots:
        photo = read_photo(reader_of(served.model), data, limits.max_pixels, _name(upload))
    elapsed = time.perf_counter() - start
    return ReadingResponse.of(photo, upload.filename, ServedModelInfo.of(served), elapsed)


def _batch_item(served: ServedModel, upload: UploadFile, limits: ReadLimits) -> BatchItem:
    try:
        return BatchItem(filename=upload.filename, reading=_read(served, upload, limits))
    except InvalidImageError as error:
        status = 413 if isinstance(error, ImageTooLargeError) else 422
        return BatchItem(
            filename=upload.filename, error=FileError(status=status, detail=str(error))
        )


def _router(holder: ModelHolder, limits: ReadLimits) -> APIRouter:
    """The reading routes; the operational ones come from `create_app`."""
    router = APIRouter(prefix="/read", tags=["reading"], responses=ERRORS)

    @router.post("", response_model=ReadingResponse)
    def read(
        file: Annotated[UploadFile, File(description="One photo (JPEG, PNG or WebP).")],
    ) -> ReadingResponse:
        """Read the ID number off one photo of a card."""
        served = holder.current
        try:
            return _read(served, file, limits)
        except ImageTooLargeError as error:
            raise HTTPException(413, str(error)) from None
        except InvalidImageError as error:
            raise BadRequestError(str(error)) from None

    @router.post("/batch", response_model=BatchResponse)
    def read_batch(
        files: Annotated[
            list[UploadFile],
            File(
                min_length=1,
                max_length=MAX_BATCH_FILES,
                description=f"1 to {MAX_BATCH_FILES} photos, each in a part named `files`.",
            ),
        ],
    ) -> BatchResponse:
        """Read several photos in one call; each file gets its reading or its own error.

        More photos than a batch takes are a batch-scoring job: `mlplatform ocr read-folder`.
        """
        served = holder.current
        items = [_batch_item(served, upload, limits) for upload in files]
        failed = sum(item.error is not None for item in items)
        return BatchResponse(results=items, read=len(items) - failed, failed=failed)

    return router


def warm_up(max_pixels: int) -> Callable[[ServedModel], None]:
    """A call that makes a freshly loaded reader read one synthetic photo before it is served.

    It loads EasyOCR's text detector on the loading thread rather than in the first request, and a
    version that cannot read a photo at all (it raises) is never served.
    """
    photo = draw_photo(seed=0, split="test", image_id=1)[2].jpeg

    def read_once(served: ServedModel) -> None:
        read_photo(reader_of(served.model), photo, max_pixels, "the warm-up photo")

    return read_once


def create_ocr_app(
    holder: ModelHolder | None = None,
    settings: Settings | None = None,
    serving: ServingSettings | None = None,
) -> FastAPI:
    """The OCR app; every argument defaults to the platform's (the MLflow registry, the settings).

    Args:
        holder: the model; default `ocr-id-reader@champion` (`-fast` in fast mode) from MLflow.
        settings: platform settings (MLflow, fast mode); default `load_settings()`.
        serving: host, limits (body, pixels), poll interval; default `load_serving_settings()`.
    """
    settings = settings or load_settings()
    serving = serving or load_serving_settings()
    if holder is None:
        import mlflow  # the registry is reached through MLflow's client

        mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
        holder = ModelHolder(model_name_for(settings.fast), CHAMPION)
    holder.warm_up = warm_up(serving.max_image_pixels)
    app = create_app(
        "OCR ID reader",
        holder,
        {},
        serving,
        content_types=UPLOAD_TYPES,
        description=__doc__ or "",
    )
    app.include_router(_router(holder, ReadLimits.of(serving)))
    return app


def main() -> None:
    """Serve the OCR reader on the configured host and port."""
    serving = load_serving_settings()
    serve(create_ocr_app(serving=serving), serving.ocr_port, serving)


if __name__ == "__main__":
    main()
