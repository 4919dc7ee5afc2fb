"""Training data for the corner detector: shrunk photos, soft card masks and augmentation.

Coordinates: a photo's corners are in photo pixels with pixel centres at integers (the
convention of the annotations and of OpenCV's warps). Shrinking by a factor s maps x to
(x + 0.5) s - 0.5, the same half-pixel convention `cv2.resize` uses, so a mask drawn from the mapped
corners lines up with the shrunk photo and, upsampled again, with the original.

Augmentation changes an image and its corners together: a random rotation, scale and shift (one
affine warp), a horizontal flip (a mask does not care about corner order), then brightness,
contrast, colour, blur and noise on the pixels only. Some training images are replaced by photos
without a card (`no_card_image`, target: an empty mask), so that a plain wall or table is not
mistaken for a card.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from mlplatform.ocr.dataset import Sample
from mlplatform.ocr.photos import background

SUPERSAMPLE = 4  # masks are drawn this much finer, then averaged down: soft, sub-pixel edges


def scale_points(points: np.ndarray, factor: tuple[float, float]) -> np.ndarray:
    """Map N x 2 points to an image resized by `factor` (fx, fy), pixel centres at integers."""
    return (np.asarray(points, float) + 0.5) * np.asarray(factor, float) - 0.5


def card_mask(corners: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A soft H x W mask (float32 in [0, 1]) of the quad `corners` in an image of `size` (w, h).

    Each value is the share of the pixel the card covers, to about 1/16 of a pixel. Corners of
    NaN (a photo without a card) give an empty mask.
    """
    width, height = size
    if np.isnan(corners).any():
        return np.zeros((height, width), np.float32)
    fine = np.zeros((height * SUPERSAMPLE, width * SUPERSAMPLE), np.uint8)
    points = scale_points(corners, (SUPERSAMPLE, SUPERSAMPLE))
    cv2.fillPoly(fine, [np.round(points * 16).astype(np.int32)], 255, cv2.LINE_8, shift=4)
    small = cv2.resize(fine, size, interpolation=cv2.INTER_AREA)
    return small.astype(np.float32) / 255.0


def shrink(image: np.ndarray, corners: np.ndarray, size: tuple[int, int]) -> tuple:
    """A photo and its corners at the network's input `size` (uint8 image, float corners)."""
    height, width = image.shape[:2]
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return small, scale_points(corners, (size[0] / width, size[1] / height))


def load_arrays(samples: Sequence[Sample], size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """All samples shrunk to `size`: N x H x W x 3 uint8 images and N x 4 x 2 corners."""
    if not samples:
        raise ValueError("No samples given; load a split with dataset.load_split first.")
    pairs = [shrink(sample.load(), sample.corners, size) for sample in samples]
    return np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs])


def random_affine(
    image: np.ndarray,
    corners: np.ndarray,
    rng: np.random.Generator,
    max_rotation: float = 10.0,
    scale: tuple[float, float] = (0.85, 1.1),
    shift: float = 0.08,
) -> tuple[np.ndarray, np.ndarray]:
    """Rotate (degrees, either way), scale and shift image and corners by one random affine warp.

    The warp turns about the image centre; `shift` is a share of the image size. Borders are
    filled by replicating the edge pixels.
    """
    height, width = image.shape[:2]
    angle = rng.uniform(-max_rotation, max_rotation)
    matrix = cv2.getRotationMatrix2D(
        ((width - 1) / 2, (height - 1) / 2), angle, rng.uniform(*scale)
    )
    matrix[:, 2] += rng.uniform(-shift, shift, 2) * (width, height)
    warped = cv2.warpAffine(
        image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    moved = np.asarray(corners, float) @ matrix[:, :2].T + matrix[:, 2]
    return warped, moved


def flip(image: np.ndarray, corners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mirror left-right (corners mirrored too; their order no longer starts top-left)."""
    width = image.shape[1]
    mirrored = np.asarray(corners, float).copy()
    mirrored[:, 0] = width - 1 - mirrored[:, 0]
    return np.ascontiguousarray(image[:, ::-1]), mirrored


def photometric(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random brightness, contrast, colour balance, blur and noise on a uint8 RGB image."""
    pixels = image.astype(np.float32)
    mean = pixels.mean()
    pixels = (pixels - mean) * rng.uniform(0.7, 1.3) + mean * rng.uniform(0.75, 1.25)
    pixels *= rng.uniform(0.85, 1.15, 3).astype(np.float32)
    if rng.random() < 0.3:
        pixels = cv2.GaussianBlur(pixels, (0, 0), rng.uniform(0.3, 1.0))
    pixels += rng.normal(0, rng.uniform(0, 6), pixels.shape[:2])[..., None].astype(np.float32)
    return np.clip(pixels, 0, 255).astype(np.uint8)


def no_card_image(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """A photo without a card at `size`: a table texture, or a plain colour (a wall, a sheet)."""
    if rng.random() < 0.5:
        return cv2.resize(background(rng), size, interpolation=cv2.INTER_AREA)
    colour = rng.uniform(0, 255, 3)
    return np.broadcast_to(colour, (size[1], size[0], 3)).astype(np.uint8)


def augment(
    image: np.ndarray, corners: np.ndarray, rng: np.random.Generator, max_rotation: float = 10.0
) -> tuple[np.ndarray, np.ndarray]:
    """One random geometric + photometric variant of a shrunk photo and its corners.

    Corners of NaN mean "no card": the image is then only changed photometrically.
    """
    if np.isnan(corners).any():
        return photometric(image, rng), corners
    image, corners = random_affine(image, corners, rng, max_rotation)
    if rng.random() < 0.5:
        image, corners = flip(image, corners)
    return photometric(image, rng), corners


__all__ = [
    "augment",
    "card_mask",
    "flip",
    "load_arrays",
    "no_card_image",
    "photometric",
    "random_affine",
    "scale_points",
    "shrink",
]
