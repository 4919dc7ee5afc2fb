"""Training data for the corner detector: masks, coordinate scaling and consistent augmentation."""

import cv2
import numpy as np
import pytest

from mlplatform.ocr.corner_augment import (
    augment,
    card_mask,
    flip,
    load_arrays,
    no_card_image,
    photometric,
    random_affine,
    scale_points,
    shrink,
)
from mlplatform.ocr.geometry import quad_area

QUAD = np.array([[30.0, 12.0], [130.0, 22.0], [125.0, 88.0], [20.0, 80.0]])


def test_the_soft_mask_covers_the_quad_area() -> None:
    mask = card_mask(QUAD, (160, 100))
    assert mask.dtype == np.float32
    assert mask.min() >= 0 and mask.max() <= 1
    assert mask.sum() == pytest.approx(quad_area(QUAD), rel=0.01)
    assert 0 < mask[17, 80] < 1  # the top edge (y = 17 at x = 80) cuts through this pixel


@pytest.mark.parametrize(
    ("points", "factor", "expected"),
    [([[0, 0]], (0.25, 0.25), [[-0.375, -0.375]]), ([[3.5, 1.5]], (0.5, 2.0), [[1.5, 3.5]])],
)
def test_scaling_keeps_pixel_centres_aligned(points, factor, expected) -> None:
    np.testing.assert_allclose(scale_points(points, factor), expected)


def test_shrinking_a_photo_scales_its_corners() -> None:
    image = np.zeros((400, 640, 3), np.uint8)
    corners = scale_points(QUAD, (4, 4))
    cv2.fillPoly(image, [np.round(corners).astype(np.int32)], (255, 255, 255))
    small, quad = shrink(image, corners, (160, 100))
    assert small.shape == (100, 160, 3)
    np.testing.assert_allclose(quad, QUAD, atol=1e-9)
    assert abs(small[..., 0].astype(float).sum() / 255 - quad_area(QUAD)) < 0.02 * quad_area(QUAD)


def _painted(quad: np.ndarray) -> np.ndarray:
    """A white card on black, anti-aliased by the soft mask."""
    return (card_mask(quad, (160, 100))[..., None] * 255).repeat(3, axis=2).astype(np.uint8)


@pytest.mark.parametrize("seed", range(4))
def test_the_affine_warp_moves_image_and_corners_together(seed) -> None:
    image = _painted(QUAD)
    warped, moved = random_affine(image, QUAD, np.random.default_rng(seed), max_rotation=15)
    expected = card_mask(moved, (160, 100))
    assert np.abs(warped[..., 0] / 255 - expected).mean() < 0.01


def test_flipping_mirrors_image_and_corners() -> None:
    image, corners = flip(_painted(QUAD), QUAD)
    assert np.abs(image[..., 0] / 255 - card_mask(corners, (160, 100))).mean() < 0.005
    assert corners[0, 0] == pytest.approx(159 - 30)


def test_photometric_changes_pixels_only() -> None:
    image = _painted(QUAD)
    changed = photometric(image, np.random.default_rng(0))
    assert changed.shape == image.shape and changed.dtype == np.uint8
    assert not np.array_equal(changed, image)


def test_augmentation_is_reproducible_from_the_seed() -> None:
    first = augment(_painted(QUAD), QUAD, np.random.default_rng(3))
    second = augment(_painted(QUAD), QUAD, np.random.default_rng(3))
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])


def test_loading_no_samples_is_refused() -> None:
    with pytest.raises(ValueError, match="No samples"):
        load_arrays([], (160, 100))


@pytest.mark.parametrize("seed", range(4))
def test_a_photo_without_a_card_has_an_empty_mask(seed) -> None:
    image = no_card_image(np.random.default_rng(seed), (160, 100))
    assert image.shape == (100, 160, 3) and image.dtype == np.uint8
    nowhere = np.full((4, 2), np.nan)
    assert card_mask(nowhere, (160, 100)).max() == 0
    changed, corners = augment(image, nowhere, np.random.default_rng(seed))
    assert changed.shape == image.shape and np.isnan(corners).all()
