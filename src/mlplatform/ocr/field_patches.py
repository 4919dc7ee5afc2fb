"""The region of a photo around one ID field, shared by the recogniser's training and its letter crops."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FieldPatch:
    """The region around one ID field: grey pixels, the field's quad in them, and its text."""

    pixels: np.ndarray
    quad: np.ndarray  # 4 x 2, clockwise from top-left, in patch pixels
    text: str


def patch_around(grey: np.ndarray, quad: np.ndarray, text: str) -> FieldPatch:
    """The region of a grey photo around a field's quad, with 1.5 field heights of room."""
    quad = np.asarray(quad, float)
    pad = 1.5 * quad_height(quad)
    x0, y0 = np.maximum(np.floor(quad.min(axis=0) - pad), 0).astype(int)
    x1 = int(min(np.ceil(quad[:, 0].max() + pad), grey.shape[1]))
    y1 = int(min(np.ceil(quad[:, 1].max() + pad), grey.shape[0]))
    return FieldPatch(grey[y0:y1, x0:x1].copy(), quad - [x0, y0], text)


def quad_height(quad: np.ndarray) -> float:
    """The mean length of a quad's left and right edges (the field's height in pixels)."""
    return float(np.linalg.norm(quad[3] - quad[0]) + np.linalg.norm(quad[2] - quad[1])) / 2
