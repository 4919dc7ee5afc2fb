"""A trained card detector: a small U-Net predicts the card mask, geometry turns it into corners.

The network (`CardSegmenter`) sees the photo shrunk to `input_size` (160 x 100 pixels for a 640 x 400
photo) and predicts, for every input pixel, the logit that it belongs to the card. `CornerDetector`
wraps it for use: it validates and shrinks the photo, runs the network, upsamples the probability
map back to the photo's size and hands it to `mask_quad.mask_to_quad`, which finds the largest
region, simplifies it to four corners and refits each side as a line (sub-pixel corners).

Why a mask and not four (x, y) numbers straight out of the network: a mask is predicted by the same
convolution everywhere (no fully connected layer has to learn where things are), every boundary
pixel is evidence for a side, and "no card" is simply an empty mask.

Example:
    >>> detector = CornerDetector.load(path)  # doctest: +SKIP
    >>> detector(image)  # 4 x 2 corners in photo pixels, clockwise from the top-left # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

from mlplatform.ocr.detect_heuristic import NoCardFoundError, check_image
from mlplatform.ocr.mask_quad import mask_to_quad

FORMAT_VERSION = 1
MEAN, STD = 0.5, 0.25  # pixel normalisation after scaling to [0, 1]


@dataclass(frozen=True)
class NetworkConfig:
    """The network's shape: input size (width, height) and the channels of the first stage."""

    input_size: tuple[int, int] = (160, 100)
    width: int = 16


def _block(c_in: int, c_out: int) -> nn.Sequential:
    """Two 3 x 3 convolutions with batch norm and ReLU."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
        nn.Conv2d(c_out, c_out, 3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


class CardSegmenter(nn.Module):
    """A four-level U-Net: N x 3 x H x W normalised pixels -> N x 1 x H x W card logits."""

    def __init__(self, width: int = 16) -> None:
        super().__init__()
        channels = [width, 2 * width, 4 * width, 4 * width]
        self.down = nn.ModuleList()
        c_in = 3
        for c_out in channels:
            self.down.append(_block(c_in, c_out))
            c_in = c_out
        self.up = nn.ModuleList(
            _block(channels[i + 1] + channels[i], channels[i]) for i in reversed(range(3))
        )
        self.head = nn.Conv2d(channels[0], 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of the card mask at the input's resolution."""
        skips = []
        for i, block in enumerate(self.down):
            if i:
                x = nn.functional.max_pool2d(x, 2, ceil_mode=True)
            x = block(x)
            skips.append(x)
        for block, skip in zip(self.up, reversed(skips[:-1]), strict=True):
            x = nn.functional.interpolate(x, size=skip.shape[-2:], mode="bilinear")
            x = block(torch.cat([x, skip], dim=1))
        return self.head(x)


def to_input(image: np.ndarray, input_size: tuple[int, int]) -> np.ndarray:
    """An RGB uint8 photo as the network's 3 x H x W float32 input (shrunk, normalised)."""
    small = cv2.resize(image, input_size, interpolation=cv2.INTER_AREA)
    return ((small.astype(np.float32) / 255.0 - MEAN) / STD).transpose(2, 0, 1)


class CornerDetector:
    """Photo in, the card's four corners out (clockwise from the top-left, photo pixels)."""

    def __init__(self, network: CardSegmenter, config: NetworkConfig) -> None:
        self.network = network.eval()
        self.config = config

    @classmethod
    def new(cls, config: NetworkConfig | None = None, seed: int = 42) -> CornerDetector:
        """An untrained detector (weights initialised from `seed`)."""
        config = config or NetworkConfig()
        torch.manual_seed(seed)
        return cls(CardSegmenter(config.width), config)

    def probabilities(self, image: np.ndarray) -> np.ndarray:
        """The card probability of every pixel of the network's input (H x W, input size)."""
        channels = check_image(image)
        if len(channels) == 1:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
        batch = torch.from_numpy(to_input(image, self.config.input_size))[None]
        with torch.inference_mode():
            return torch.sigmoid(self.network.eval()(batch))[0, 0].numpy()

    def __call__(self, image: np.ndarray) -> np.ndarray:
        """The card's corners (4 x 2 float) in `image`'s pixels.

        Raises:
            ValueError: `image` is not a non-empty uint8 H x W x 3 (or gray) array.
            NoCardFoundError: the network sees no card-sized region.
        """
        probability = self.probabilities(image)
        height, width = image.shape[:2]
        full = cv2.resize(probability, (width, height), interpolation=cv2.INTER_LINEAR)
        return mask_to_quad(full)

    def save(self, path: Path) -> Path:
        """Write weights and configuration to one file (torch format); returns the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        state = {
            "format_version": FORMAT_VERSION,
            "config": asdict(self.config),
            "state_dict": self.network.state_dict(),
        }
        torch.save(state, path)
        return path

    @classmethod
    def load(cls, path: Path) -> CornerDetector:
        """Read a detector written by `save`.

        Raises:
            FileNotFoundError: no file at `path`; train one with `train_corner_detector`.
            ValueError: the file is not a saved detector.
        """
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(
                f"{path} does not exist; train a detector with "
                "`corner_training.train_corner_detector` and `save` it first."
            )
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as error:  # torch raises several types for a foreign file
            raise ValueError(f"{path} is not a saved CornerDetector: {error}") from error
        if not isinstance(state, dict) or state.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{path} is not a CornerDetector file of format {FORMAT_VERSION}.")
        raw = state["config"]
        config = NetworkConfig(tuple(raw["input_size"]), int(raw["width"]))
        network = CardSegmenter(config.width)
        network.load_state_dict(state["state_dict"])
        return cls(network, config)


__all__ = ["CardSegmenter", "CornerDetector", "NetworkConfig", "NoCardFoundError", "to_input"]
