"""Pictures for the notebooks: ground truth drawn on a photo, and image grids."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import cv2
import numpy as np

CARD_COLOUR = (255, 40, 40)
FIELD_COLOUR = (40, 220, 40)
ID_COLOUR = (255, 200, 0)


def draw_ground_truth(
    image: np.ndarray, corners: np.ndarray, fields: Mapping[str, np.ndarray] | None = None
) -> np.ndarray:
    """A copy of `image` with the ground truth drawn on it.

    The card outline is red with a dot on its top-left corner; field quadrilaterals are green and
    the ID number yellow.
    """
    out = image.copy()
    outline = np.round(np.asarray(corners)).astype(np.int32).reshape(-1, 1, 2)
    cv2.polylines(out, [outline], True, CARD_COLOUR, 2, cv2.LINE_AA)
    cv2.circle(out, tuple(int(v) for v in outline[0, 0]), 6, CARD_COLOUR, -1, cv2.LINE_AA)
    for name, quad in (fields or {}).items():
        colour = ID_COLOUR if name == "id_number" else FIELD_COLOUR
        points = np.round(np.asarray(quad)).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(out, [points], True, colour, 1, cv2.LINE_AA)
    return out


def image_grid(images: Sequence[np.ndarray], columns: int = 4, pad: int = 6) -> np.ndarray:
    """Tile RGB images (resized to the first one's size) into one white-padded grid."""
    height, width = images[0].shape[:2]
    rows = -(-len(images) // columns)
    grid = np.full((rows * (height + pad) + pad, columns * (width + pad) + pad, 3), 255, np.uint8)
    for k, image in enumerate(images):
        if image.shape[:2] != (height, width):
            image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
        if image.ndim == 2:
            image = np.repeat(image[..., None], 3, axis=2)
        top, left = pad + (k // columns) * (height + pad), pad + (k % columns) * (width + pad)
        grid[top : top + height, left : left + width] = image
    return grid


def show(image: np.ndarray, max_width: int = 960, quality: int = 80) -> Any:
    """Display an RGB image in a notebook as a JPEG no wider than `max_width`.

    Noisy photos make PNG outputs of several megabytes; a JPEG keeps a committed notebook small.
    """
    from IPython.display import Image as IPythonImage  # only in notebooks

    height, width = image.shape[:2]
    if width > max_width:
        size = (max_width, round(height * max_width / width))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    ok, encoded = cv2.imencode(".jpg", image[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("OpenCV could not encode the image as JPEG.")
    return IPythonImage(data=encoded.tobytes(), format="jpeg")


def figure_pixels(figure: Any) -> np.ndarray:
    """A matplotlib figure rendered to an RGB array (the figure is closed afterwards)."""
    import matplotlib.pyplot as plt

    figure.canvas.draw()
    pixels = np.asarray(figure.canvas.buffer_rgba())[..., :3].copy()
    plt.close(figure)
    return pixels


def show_figure(figure: Any, max_width: int = 960, quality: int = 80) -> Any:
    """Display a matplotlib figure of photos as a JPEG (a PNG of noisy photos runs to megabytes)."""
    return show(figure_pixels(figure), max_width=max_width, quality=quality)
