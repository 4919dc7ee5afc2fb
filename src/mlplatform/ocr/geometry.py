"""Quadrilateral helpers for card detection: corner order, overlap (IoU) and corner error.

A card's position in a photo is four corners, clockwise from the card's top-left, as a 4 x 2 float
array in image pixels (x right, y down). Detectors may find the corners in any order, so
`order_corners` puts them in that canonical order before they are compared or used to rectify.

Example:
    >>> import numpy as np
    >>> square = np.array([[0, 0], [10, 0], [10, 10], [0, 10]], float)
    >>> round(quad_iou(square, square + [5, 0]), 4)  # half overlaps: 50 / 150
    0.3333
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import Polygon


def as_quad(points: np.ndarray | list, name: str = "quad") -> np.ndarray:
    """`points` as a 4 x 2 float array; raises ValueError for another shape or non-finite values."""
    quad = np.asarray(points, dtype=float)
    if quad.shape != (4, 2):
        raise ValueError(
            f"{name} must have shape (4, 2), one (x, y) row per corner; got {quad.shape}."
        )
    if not np.all(np.isfinite(quad)):
        raise ValueError(f"{name} holds NaN or infinite coordinates: {quad.tolist()}.")
    return quad


def order_corners(points: np.ndarray | list) -> np.ndarray:
    """The four corners clockwise (on screen, y down) starting from the top-left one.

    Corners are sorted by their angle around the centroid, then rotated so that the corner with the
    smallest x + y comes first. This does not depend on the input order and holds for cards turned
    by up to about 45 degrees either way.
    """
    quad = as_quad(points, "points")
    centre = quad.mean(axis=0)
    angles = np.arctan2(quad[:, 1] - centre[1], quad[:, 0] - centre[0])
    clockwise = quad[np.argsort(angles, kind="stable")]  # y down: increasing angle is clockwise
    start = int(np.argmin(clockwise.sum(axis=1)))
    return np.roll(clockwise, -start, axis=0)


def quad_polygon(points: np.ndarray | list) -> shapely.Geometry:
    """A shapely polygon of the quad; a self-intersecting (bow-tie) quad is repaired by make_valid."""
    polygon = Polygon(as_quad(points))
    if not polygon.is_valid:
        polygon = shapely.make_valid(polygon)
    return polygon


def quad_iou(pred: np.ndarray | list, true: np.ndarray | list) -> float:
    """Intersection over union of two quads' areas, in [0, 1].

    Corner order does not matter for a convex quad. A self-intersecting quad counts with the area
    of its repaired shape (the two triangles of a bow tie), and a degenerate one (zero area) gives 0.
    """
    first, second = quad_polygon(pred), quad_polygon(true)
    union = first.union(second).area
    if union <= 0:
        return 0.0
    return float(first.intersection(second).area / union)


def corner_errors(pred: np.ndarray | list, true: np.ndarray | list) -> np.ndarray:
    """Distance in pixels between each predicted corner and the true corner in the same position."""
    return np.linalg.norm(as_quad(pred, "pred") - as_quad(true, "true"), axis=1)


def mean_corner_error(pred: np.ndarray | list, true: np.ndarray | list) -> float:
    """Mean distance in pixels between matching corners (order matters: it is what rectify uses)."""
    return float(corner_errors(pred, true).mean())


def quad_area(points: np.ndarray | list) -> float:
    """The area of the quad in square pixels (of its repaired shape if it crosses itself)."""
    return float(quad_polygon(points).area)


def rotation_degrees(points: np.ndarray | list) -> float:
    """The angle of the top edge (corner 0 to corner 1) against the x axis, in degrees."""
    quad = as_quad(points)
    dx, dy = quad[1] - quad[0]
    return float(np.degrees(np.arctan2(dy, dx)))


__all__ = [
    "as_quad",
    "corner_errors",
    "mean_corner_error",
    "order_corners",
    "quad_area",
    "quad_iou",
    "rotation_degrees",
]
