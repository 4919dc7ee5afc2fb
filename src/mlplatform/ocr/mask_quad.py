"""Reduce a card probability mask to the card's four corners, with sub-pixel line fits.

A segmentation network says, for every pixel, how likely it is to be card. A reader needs four
corners. The steps: threshold the (upsampled) probability map, keep the largest outside contour,
simplify its convex hull to four corners (`approxPolyDP` at growing tolerances, else the rotated
bounding box), then refit each side as a straight line through the contour points along its middle
part and intersect neighbouring lines. Line fits average over hundreds of boundary pixels, which is
what makes a mask predicted at a quarter of the photo's resolution precise to a pixel or two.

Example:
    >>> import cv2, numpy as np
    >>> mask = np.zeros((100, 160), np.float32)
    >>> _ = cv2.fillPoly(mask, [np.array([[20, 10], [140, 20], [130, 90], [15, 80]])], 1.0)
    >>> quad = mask_to_quad(mask)  # fillPoly also fills the pixels the outline passes through
    >>> bool(np.abs(quad - [[20, 10], [140, 20], [130, 90], [15, 80]]).max() < 1.5)
    True
"""

from __future__ import annotations

import cv2
import numpy as np

from mlplatform.ocr.detect_heuristic import NoCardFoundError
from mlplatform.ocr.geometry import order_corners

MIN_AREA_FRACTION = 0.04  # a card covers at least this share of the photo
MAX_AREA_FRACTION = 0.97  # a mask covering (almost) everything is not a card
APPROX_EPSILONS = (0.01, 0.02, 0.03, 0.05, 0.08)  # approxPolyDP tolerance / perimeter
SIDE_MARGIN = 0.15  # share of each side near the corners left out of its line fit


def largest_region(mask: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """The outline (N x 2 points) of the largest connected region of `mask >= threshold`.

    Raises:
        NoCardFoundError: no region covers between MIN_AREA_FRACTION and MAX_AREA_FRACTION of the
            mask.
    """
    mask = np.asarray(mask)
    if mask.ndim != 2 or mask.size == 0:
        raise ValueError(f"mask must be a non-empty H x W array, got shape {mask.shape}.")
    binary = (mask >= threshold).astype(np.uint8)
    contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    total = float(mask.size)
    areas = [cv2.contourArea(c) for c in contours]
    if not contours or not MIN_AREA_FRACTION * total <= max(areas) <= MAX_AREA_FRACTION * total:
        share = max(areas, default=0.0) / total
        raise NoCardFoundError(
            f"No card found: the largest card-like region covers {share:.1%} of the photo, "
            f"outside {MIN_AREA_FRACTION:.0%}-{MAX_AREA_FRACTION:.0%}. Photograph the whole card, "
            "filling about half of the picture."
        )
    return contours[int(np.argmax(areas))].reshape(-1, 2)


def hull_corners(outline: np.ndarray) -> np.ndarray:
    """Four corners of the outline's convex hull, clockwise from the top-left."""
    hull = cv2.convexHull(outline.reshape(-1, 1, 2).astype(np.int32))
    perimeter = cv2.arcLength(hull, True)
    for epsilon in APPROX_EPSILONS:
        approx = cv2.approxPolyDP(hull, epsilon * perimeter, True)
        if len(approx) == 4:
            return order_corners(approx.reshape(4, 2).astype(float))
        if len(approx) < 4:
            break
    return order_corners(cv2.boxPoints(cv2.minAreaRect(hull)).astype(float))


def _fit_side(
    points: np.ndarray, start: np.ndarray, end: np.ndarray, centre: np.ndarray, offset: float
) -> np.ndarray | None:
    """A line (point, unit direction) through the outline points along the middle of one side.

    The line is moved `offset` pixels away from `centre`: outline points are the centres of the
    region's outermost pixels, half a pixel inside its true edge.
    """
    direction = end - start
    length = float(np.linalg.norm(direction))
    if length < 4:
        return None
    unit = direction / length
    normal = np.array([-unit[1], unit[0]])
    relative = points - start
    along = relative @ unit / length
    across = np.abs(relative @ normal)
    chosen = points[
        (along > SIDE_MARGIN) & (along < 1 - SIDE_MARGIN) & (across < 0.03 * length + 2)
    ]
    if len(chosen) < 5:
        return None
    vx, vy, x0, y0 = cv2.fitLine(chosen.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
    outward = np.array([-vy, vx], dtype=float)
    if outward @ (np.array([x0, y0]) - centre) < 0:
        outward = -outward
    x0, y0 = np.array([x0, y0]) + offset * outward
    return np.array([x0, y0, vx, vy], dtype=float)


def _intersect(first: np.ndarray, second: np.ndarray) -> np.ndarray | None:
    """The point where two (x0, y0, vx, vy) lines meet, or None if they are (nearly) parallel."""
    matrix = np.array([[first[2], -second[2]], [first[3], -second[3]]])
    if abs(np.linalg.det(matrix)) < 1e-6:
        return None
    t = np.linalg.solve(matrix, second[:2] - first[:2])
    return first[:2] + t[0] * first[2:]


def refine_corners(outline: np.ndarray, quad: np.ndarray, offset: float = 0.5) -> np.ndarray:
    """Refit the four sides of `quad` to the outline points and intersect them.

    Each fitted side is moved `offset` pixels outward (see `_fit_side`). A corner whose refit fails (too few points, parallel lines, a jump of more than a tenth of
    the side) keeps its coarse position.
    """
    points = outline.astype(float)
    centre = quad.mean(axis=0)
    lines = [_fit_side(points, quad[i], quad[(i + 1) % 4], centre, offset) for i in range(4)]
    refined = quad.copy()
    for i in range(4):  # corner i joins side i-1 (into it) and side i (out of it)
        before, after = lines[i - 1], lines[i]
        if before is None or after is None:
            continue
        point = _intersect(before, after)
        side = np.linalg.norm(quad[(i + 1) % 4] - quad[i])
        if point is not None and np.linalg.norm(point - quad[i]) < 0.1 * side:
            refined[i] = point
    return refined


def mask_to_quad(mask: np.ndarray, threshold: float = 0.5, refine: bool = True) -> np.ndarray:
    """The card's four corners (clockwise from top-left) from a probability mask, in its pixels.

    Args:
        mask: H x W probabilities (or 0/1) that a pixel belongs to the card.
        threshold: probability at which a pixel counts as card.
        refine: refit each side as a line through the boundary points (sub-pixel corners).

    Raises:
        NoCardFoundError: no region of card-like size.
        ValueError: `mask` is not a non-empty 2-D array.
    """
    outline = largest_region(mask, threshold)
    quad = hull_corners(outline)
    return refine_corners(outline, quad) if refine else quad


__all__ = ["hull_corners", "largest_region", "mask_to_quad", "refine_corners"]
