"""Mask to quad: exact on drawn masks, sub-pixel with line refits, refuses empty or full masks."""

import numpy as np
import pytest

from mlplatform.ocr.corner_augment import card_mask
from mlplatform.ocr.detect_heuristic import NoCardFoundError
from mlplatform.ocr.geometry import quad_iou
from mlplatform.ocr.mask_quad import hull_corners, largest_region, mask_to_quad

QUADS = {
    "square-ish": [[20.3, 10.2], [140.7, 20.1], [130.2, 90.6], [15.5, 80.4]],
    "turned": [[40.0, 5.0], [150.0, 30.0], [125.0, 95.0], [15.0, 70.0]],
    "axis": [[30.3, 20.3], [130.3, 20.3], [130.3, 80.3], [30.3, 80.3]],
}


@pytest.mark.parametrize("quad", QUADS.values(), ids=QUADS.keys())
def test_a_soft_mask_gives_its_corners_to_a_third_of_a_pixel(quad) -> None:
    quad = np.array(quad)
    found = mask_to_quad(card_mask(quad, (160, 100)))
    assert np.abs(found - quad).max() < 0.5  # measured 0.36 at most
    assert quad_iou(found, quad) > 0.98  # an axis-parallel side snaps to the pixel grid


def test_refitting_beats_the_coarse_hull() -> None:
    quad = np.array(QUADS["square-ish"])
    mask = card_mask(quad, (160, 100))
    coarse = mask_to_quad(mask, refine=False)
    fine = mask_to_quad(mask)
    assert np.abs(fine - quad).mean() < np.abs(coarse - quad).mean()


def test_the_largest_region_wins_over_a_blob() -> None:
    mask = card_mask(np.array(QUADS["turned"]), (160, 100))
    mask[2:8, 2:8] = 1.0  # a small false positive in a corner
    assert quad_iou(mask_to_quad(mask), QUADS["turned"]) > 0.99


def test_a_ragged_region_falls_back_to_its_rotated_box() -> None:
    outline = np.array(
        [[10, 10], [50, 12], [90, 10], [92, 50], [90, 90], [50, 88], [10, 90], [12, 50]]
    )
    corners = hull_corners(outline)
    assert corners.shape == (4, 2)
    assert quad_iou(corners, [[10, 10], [92, 10], [92, 90], [10, 90]]) > 0.9


@pytest.mark.parametrize(
    ("mask", "message"),
    [
        (np.zeros((100, 160)), "covers 0.0%"),
        (np.ones((100, 160)), "covers 9"),
        (np.pad(np.ones((4, 4)), 48), "covers 0.1%"),
    ],
    ids=["empty", "everything", "speck"],
)
def test_no_card_sized_region_raises(mask, message) -> None:
    with pytest.raises(NoCardFoundError, match=message):
        mask_to_quad(mask)


@pytest.mark.parametrize("mask", [np.zeros((0, 5)), np.zeros((4, 4, 3))], ids=["empty", "3-d"])
def test_a_mask_of_the_wrong_shape_is_refused(mask) -> None:
    with pytest.raises(ValueError, match="non-empty H x W"):
        largest_region(mask)
