"""Lab 08's public checks: right answers pass, typical wrong answers fail with a useful message."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from check_contract import assert_check_separates
from shapely.geometry import Polygon


def quad_iou(pred, true) -> float:
    first, second = Polygon(np.asarray(pred)), Polygon(np.asarray(true))
    union = first.union(second).area
    return first.intersection(second).area / union if union else 0.0


def box_iou(pred, true) -> float:
    """Axis-aligned boxes around the quads: right for unturned squares only."""
    (a0, a1), (b0, b1) = [(np.min(q, axis=0), np.max(q, axis=0)) for q in (pred, true)]
    overlap = np.clip(np.minimum(a1, b1) - np.maximum(a0, b0), 0, None).prod()
    return overlap / ((a1 - a0).prod() + (b1 - b0).prod() - overlap)


def intersection_over_true(pred, true) -> float:
    first, second = Polygon(np.asarray(pred)), Polygon(np.asarray(true))
    return first.intersection(second).area / second.area


def order_corners(points) -> np.ndarray:
    quad = np.asarray(points, float)
    centre = quad.mean(axis=0)
    clockwise = quad[np.argsort(np.arctan2(*(quad - centre).T[::-1]))]
    return np.roll(clockwise, -int(np.argmin(clockwise.sum(axis=1))), axis=0)


def counter_clockwise(points) -> np.ndarray:
    ordered = order_corners(points)
    return ordered[[0, 3, 2, 1]]


def swapped_arctan(points) -> np.ndarray:
    """arctan2(dx, dy) instead of arctan2(dy, dx): the angle is measured from the wrong axis."""
    quad = np.asarray(points, float)
    centre = quad.mean(axis=0)
    ordered = quad[np.argsort(np.arctan2(*(quad - centre).T))]
    return np.roll(ordered, -int(np.argmin(ordered.sum(axis=1))), axis=0)


def mask_to_corners(mask) -> np.ndarray:
    contours, _ = cv2.findContours(
        mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE
    )
    hull = cv2.convexHull(max(contours, key=cv2.contourArea))
    approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
    return order_corners(approx.reshape(-1, 2))


def bounding_rect_corners(mask) -> np.ndarray:
    x, y, w, h = cv2.boundingRect(mask.astype(np.uint8))
    return np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], float)


def all_pixels_corners(mask) -> np.ndarray:
    """The hull of every mask pixel: right until a blob of noise joins the card's hull."""
    hull = cv2.convexHull(cv2.findNonZero(mask.astype(np.uint8)))
    approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True).reshape(-1, 2)
    if len(approx) != 4:
        approx = cv2.boxPoints(cv2.minAreaRect(hull))
    return order_corners(approx)


def rotate_sample(image, corners, degrees):
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D(((width - 1) / 2, (height - 1) / 2), degrees, 1.0)
    turned = cv2.warpAffine(image, matrix, (width, height))
    return turned, np.asarray(corners, float) @ matrix[:, :2].T + matrix[:, 2]


def rotate_image_only(image, corners, degrees):
    return rotate_sample(image, corners, degrees)[0], corners


def rotate_corners_the_other_way(image, corners, degrees):
    return rotate_sample(image, corners, degrees)[0], rotate_sample(image, corners, -degrees)[1]


@pytest.mark.parametrize(
    ("wrong", "message"),
    [(box_iou, "turned by 45 degrees"), (intersection_over_true, "shifted by half its width")],
)
def test_q1_iou(wrong, message: str) -> None:
    assert_check_separates("lab08", "q1", "quad_iou", quad_iou, wrong, message)


@pytest.mark.parametrize(
    ("wrong", "message"),
    [(counter_clockwise, "clockwise on screen"), (swapped_arctan, "expected")],
)
def test_q2_order(wrong, message: str) -> None:
    assert_check_separates("lab08", "q2", "order_corners", order_corners, wrong, message)


@pytest.mark.parametrize(
    ("wrong", "message"),
    [(bounding_rect_corners, "mean corner error"), (all_pixels_corners, "blob of noise")],
)
def test_q3_mask(wrong, message: str) -> None:
    assert_check_separates("lab08", "q3", "mask_to_corners", mask_to_corners, wrong, message)


@pytest.mark.parametrize(
    ("wrong", "message"),
    [(rotate_image_only, "did not move"), (rotate_corners_the_other_way, "same 2 x 3 matrix")],
)
def test_q4_rotation(wrong, message: str) -> None:
    assert_check_separates("lab08", "q4", "rotate_sample", rotate_sample, wrong, message)
