"""Public checks for lab 08, card detection: quad IoU, corner order, mask to corners, augmentation."""

from __future__ import annotations

import cv2
import numpy as np

from mlplatform.grading.public import Check, CheckFailed, Namespace, answer
from mlplatform.ocr import geometry

SQUARE = [[0, 0], [10, 0], [10, 10], [0, 10]]
IOU_CASES = (
    ("a quad with itself", SQUARE, SQUARE),
    ("a square shifted by half its width", [[5, 0], [15, 0], [15, 10], [5, 10]], SQUARE),
    ("two squares that do not touch", [[20, 0], [30, 0], [30, 10], [20, 10]], SQUARE),
    ("a square turned by 45 degrees on the square", [[5, -2], [12, 5], [5, 12], [-2, 5]], SQUARE),
    ("a small square inside a large one", [[2, 2], [4, 2], [4, 4], [2, 4]], SQUARE),
    ("a tilted card and its shifted copy", [[102, 84], [498, 60], [512, 310], [95, 335]],
     [[110, 80], [505, 66], [515, 320], [100, 330]]),
)  # fmt: skip


def _check_iou(ns: Namespace) -> None:
    quad_iou = answer(ns, "quad_iou")
    for description, pred, true in IOU_CASES:
        expected = geometry.quad_iou(pred, true)
        for order in (0, 1):  # the corner order must not matter
            got = quad_iou(np.roll(np.array(pred, float), order, axis=0), np.array(true, float))
            if not np.isfinite(float(got)) or abs(float(got) - expected) > 1e-6:
                raise CheckFailed(
                    f"for {description} the IoU is {expected:.4f}, you returned {float(got):.4f}."
                )


ORDER_CASES = (
    [[100, 50], [400, 60], [390, 260], [90, 250]],
    [[150, 40], [420, 120], [370, 300], [100, 220]],  # turned clockwise by about 17 degrees
    [[80, 130], [350, 40], [410, 220], [140, 310]],  # turned counter-clockwise by about 18 degrees
)


def _check_order(ns: Namespace) -> None:
    order_corners = answer(ns, "order_corners")
    for expected in ORDER_CASES:
        for permutation in ((2, 0, 3, 1), (3, 2, 1, 0), (1, 3, 0, 2)):
            shuffled = np.array(expected, float)[list(permutation)]
            got = np.asarray(order_corners(shuffled), float)
            if got.shape != (4, 2):
                raise CheckFailed(f"order_corners should return a 4 x 2 array, got {got.shape}.")
            if not np.allclose(got, expected):
                raise CheckFailed(
                    f"order_corners({shuffled.astype(int).tolist()}) returned "
                    f"{got.astype(int).tolist()}, expected {expected}: clockwise on screen "
                    "(y points down), starting from the top-left corner."
                )


MASK_CASES = (
    [[60.0, 40.0], [560.0, 60.0], [540.0, 350.0], [50.0, 330.0]],
    [[180.0, 30.0], [600.0, 140.0], [520.0, 380.0], [110.0, 260.0]],
)


def _card_mask(corners: list, speck: bool) -> np.ndarray:
    mask = np.zeros((400, 640), np.uint8)
    cv2.fillPoly(mask, [np.round(corners).astype(np.int32)], 1)
    if speck:
        mask[5:15, 5:15] = 1  # a false positive the answer must ignore
    return mask


def _check_mask(ns: Namespace) -> None:
    mask_to_corners = answer(ns, "mask_to_corners")
    for corners in MASK_CASES:
        for speck in (False, True):
            got = np.asarray(mask_to_corners(_card_mask(corners, speck)), float)
            if got.shape != (4, 2):
                raise CheckFailed(f"mask_to_corners should return a 4 x 2 array, got {got.shape}.")
            error = geometry.mean_corner_error(got, corners)
            if error > 3:
                noise = " with a small blob of noise in its corner" if speck else ""
                raise CheckFailed(
                    f"for a card mask with corners {np.array(corners).astype(int).tolist()}{noise} "
                    f"you returned {got.round(1).tolist()} (mean corner error {error:.1f} px); "
                    "keep the largest region and order the corners clockwise from the top-left."
                )


def _painted(corners: np.ndarray) -> np.ndarray:
    image = np.zeros((200, 320, 3), np.uint8)
    cv2.fillPoly(image, [np.round(corners).astype(np.int32)], (255, 255, 255))
    return image


def _check_rotation(ns: Namespace) -> None:
    rotate_sample = answer(ns, "rotate_sample")
    corners = np.array([[80.0, 50.0], [240.0, 60.0], [235.0, 150.0], [75.0, 140.0]])
    for degrees in (12.0, -8.0):
        image, moved = rotate_sample(_painted(corners), corners.copy(), degrees)
        image, moved = np.asarray(image), np.asarray(moved, float)
        if image.shape != (200, 320, 3) or moved.shape != (4, 2):
            raise CheckFailed(
                "rotate_sample should return the image (same shape) and a 4 x 2 array of corners."
            )
        if np.allclose(moved, corners):
            raise CheckFailed(f"after a turn by {degrees} degrees the corners did not move.")
        drawn = _painted(moved)[..., 0] > 127
        if (drawn != (image[..., 0] > 127)).mean() > 0.01:
            raise CheckFailed(
                f"after a turn by {degrees} degrees, the card in the image is not where your "
                "corners say: turn the corners with the same 2 x 3 matrix as the image."
            )


CHECKS = [
    Check(
        "q1",
        3,
        (
            "intersection over union of two quadrilaterals: the shared area relative to the area "
            "they cover together (chapter 08's detection metric)."
        ),
        _check_iou,
    ),
    Check(
        "q2",
        2,
        (
            "corners sorted around their centre, starting from the one nearest the top-left of "
            "the image, clockwise as the screen sees it."
        ),
        _check_order,
    ),
    Check(
        "q3",
        3,
        (
            "from a mask to four corners: the outline of the largest region, simplified until "
            "four corners are left, then put in q2's order."
        ),
        _check_mask,
    ),
    Check(
        "q4",
        3,
        (
            "rotate the image and the corners with one and the same transformation, so that the "
            "labels still mark the card."
        ),
        _check_rotation,
    ),
]
