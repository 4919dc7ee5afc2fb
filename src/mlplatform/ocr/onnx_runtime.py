"""The OCR networks on onnxruntime (CPU): same interfaces as the torch ones the reader uses.

`OnnxCRNNRecognizer` is a `reader.Recognizer` (with `read_chars`), `OnnxCornerDetector` a
`reader.Detector` (photo -> 4 x 2 corners). Pre- and post-processing are the torch classes' own
functions (`crnn.prepare`, `crnn.decode_chars`, `corner_model.to_input`, `mask_quad.mask_to_quad`),
so the two backends differ only in the network runtime.
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import onnxruntime as ort
import torch

from mlplatform.ocr.corner_model import to_input
from mlplatform.ocr.crnn import ID_ALPHABET, Decoded, allowed_mask, decode_chars, prepare
from mlplatform.ocr.detect_heuristic import check_image
from mlplatform.ocr.mask_quad import mask_to_quad
from mlplatform.ocr.onnx_export import config_path
from mlplatform.ocr.reader import Box, easyocr_reader, text_boxes


def intra_op_threads() -> int:
    """The intra-op threads of onnxruntime: `OMP_NUM_THREADS`, else 1 (the CPU is shared)."""
    value = os.environ.get("OMP_NUM_THREADS", "1")
    return int(value) if value.isdigit() and int(value) > 0 else 1


def session(path: Path) -> ort.InferenceSession:
    """A CPU inference session for the ONNX file at `path`.

    Raises:
        FileNotFoundError: no file at `path`; export one with `onnx_export` first.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} does not exist; export it with mlplatform.ocr.onnx_export."
        )
    options = ort.SessionOptions()
    options.intra_op_num_threads = intra_op_threads()
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


@dataclass
class OnnxCRNNRecognizer:
    """`crnn.CRNNRecognizer` on onnxruntime: read text crops, decode greedily within `alphabet`."""

    session: Any
    alphabet: str | None = ID_ALPHABET
    name: str = "crnn-onnx"
    _mask: torch.Tensor = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._mask = allowed_mask(self.alphabet)

    def read(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """(text, confidence) for each crop."""
        return [(d.text, d.confidence) for d in self.read_chars(crops)]

    def read_chars(self, crops: list[np.ndarray]) -> list[Decoded]:
        """Text, confidence and per-character confidences for each crop."""
        if not crops:
            return []
        (logits,) = self.session.run(None, {"input": prepare(crops).numpy()})
        return decode_chars(torch.from_numpy(logits), self._mask)

    @classmethod
    def load(cls, path: Path, alphabet: str | None = ID_ALPHABET) -> OnnxCRNNRecognizer:
        """A recogniser from an ONNX file written by `onnx_export.export_crnn`."""
        return cls(session(path), alphabet)


class OnnxCornerDetector:
    """`corner_model.CornerDetector` on onnxruntime: photo in, the card's four corners out."""

    def __init__(self, session: Any, input_size: tuple[int, int]) -> None:
        self.session = session
        self.input_size = input_size

    @classmethod
    def load(cls, path: Path) -> OnnxCornerDetector:
        """A detector from the files written by `onnx_export.export_corner_detector`."""
        config = json.loads(config_path(path).read_text())
        return cls(session(path), tuple(config["input_size"]))

    def probabilities(self, image: np.ndarray) -> np.ndarray:
        """The card probability of every pixel of the network's input (H x W, input size)."""
        if len(check_image(image)) == 1:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
        batch = to_input(image, self.input_size)[None]
        (logits,) = self.session.run(None, {"input": batch})
        return 1.0 / (1.0 + np.exp(-logits[0, 0]))

    def __call__(self, image: np.ndarray) -> np.ndarray:
        """The card's corners (4 x 2 float) in `image`'s pixels (errors as `CornerDetector`'s)."""
        probability = self.probabilities(image)
        height, width = image.shape[:2]
        full = cv2.resize(probability, (width, height), interpolation=cv2.INTER_LINEAR)
        return mask_to_quad(full)


class OnnxCRAFT:
    """CRAFT on onnxruntime, callable as EasyOCR's `test_net` calls its network: `(scores, None)`."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def __call__(self, batch: torch.Tensor) -> tuple[torch.Tensor, None]:
        """B x 3 x H x W normalised pixels -> (B x H/2 x W/2 x 2 scores, no feature map)."""
        (scores,) = self.session.run(None, {"input": batch.numpy().astype(np.float32)})
        return torch.from_numpy(scores), None


class OnnxTextBoxes:
    """`reader.text_boxes` with CRAFT on onnxruntime; EasyOCR's own pre- and post-processing.

    A shallow copy of the shared EasyOCR reader gets the ONNX network as its detector, so the
    torch reader (used by other code in the same process) is left as it is.
    """

    def __init__(self, session: Any) -> None:
        self.easyocr = copy.copy(easyocr_reader())
        self.easyocr.detector = OnnxCRAFT(session)

    @classmethod
    def load(cls, path: Path) -> OnnxTextBoxes:
        """Text boxes from the ONNX file written by `onnx_export.export_craft`."""
        return cls(session(path))

    def __call__(self, card: np.ndarray) -> list[Box]:
        """Every text line on the flat card, as `reader.text_boxes` returns them."""
        return text_boxes(card, self.easyocr)
