"""The synthetic camera: corners match the warp, boxes follow the card, bytes are reproducible."""

import hashlib

import cv2
import numpy as np
import pytest

from mlplatform.ocr import cards, dataset, layouts, photos


def shoot(seed: int, layout: str = "azure", config: photos.CameraConfig | None = None):
    rng = np.random.default_rng(seed)
    card = cards.render_card(layouts.get_layout(layout), cards.random_identity(rng), rng)
    return card, photos.photograph(card.image, rng, config)


@pytest.mark.parametrize("seed", range(40))
def test_corners_lie_inside_the_photo_with_margin(seed: int) -> None:
    _, photo = shoot(seed)
    width, height = photos.PHOTO_SIZE
    margin = photos.CameraConfig().margin
    assert photo.image.shape == (height, width, 3)
    assert photo.corners.min() >= margin - 1e-6
    assert photo.corners[:, 0].max() <= width - margin + 1e-6
    assert photo.corners[:, 1].max() <= height - margin + 1e-6


def test_corners_are_where_the_homography_sends_the_card_corners() -> None:
    card, photo = shoot(11)
    height, width = card.image.shape[:2]
    mapped = photos.transform_points(photo.homography, photos.box_to_quad((0, 0, width, height)))
    np.testing.assert_allclose(mapped, photo.corners, atol=1e-3)


def test_the_card_is_really_at_its_corners() -> None:
    """Rectifying the photo at the labelled corners gives back the flat card."""
    config = photos.CameraConfig(blur_sigma=(0, 0), noise_sigma=(0, 0), jpeg_quality=(95, 95),
                                 shadow_probability=0, glare_probability=0)  # fmt: skip
    card, photo = shoot(12, config=config)
    height, width = card.image.shape[:2]
    flat = photos.rectify(photo.image, photo.corners, (width, height))
    inner = (slice(10, -10), slice(10, -10))  # the border mixes card and background
    error = np.abs(flat[inner].astype(int) - card.image[inner].astype(int)).mean()
    shifted = np.abs(np.roll(flat, 8, axis=1)[inner].astype(int) - card.image[inner]).mean()
    assert error < 12 < shifted


def test_clockwise_corners_keep_their_order() -> None:
    """top-left, top-right, bottom-right, bottom-left: a positive (clockwise on screen) area."""
    for seed in range(20):
        _, photo = shoot(seed)
        x, y = photo.corners.T
        signed = np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))
        assert signed > 0


def test_same_seed_same_jpeg_bytes() -> None:
    assert shoot(3)[1].jpeg == shoot(3)[1].jpeg
    assert shoot(3)[1].jpeg != shoot(4)[1].jpeg


def test_jpeg_decodes_to_the_returned_pixels() -> None:
    _, photo = shoot(5)
    decoded = cv2.imdecode(np.frombuffer(photo.jpeg, np.uint8), cv2.IMREAD_COLOR)[..., ::-1]
    assert np.array_equal(decoded, photo.image)


def test_quad_to_bbox_and_back() -> None:
    quad = np.array([[10, 5], [30, 8], [28, 20], [9, 17]])
    assert photos.quad_to_bbox(quad) == (9.0, 5.0, 21.0, 15.0)
    assert photos.quad_to_bbox(photos.box_to_quad((1, 2, 4, 6))) == (1.0, 2.0, 3.0, 4.0)


@pytest.mark.parametrize("seed", range(3))
def test_backgrounds_are_textured(seed: int) -> None:
    image = photos.background(np.random.default_rng(seed))
    assert image.shape == (400, 640, 3) and image.dtype == np.uint8
    assert image.std() > 3


# SHA-256 of photos made by generator 1.0.0 (before the draws were recorded): recording them must
# not change a single draw, so these bytes stay the same.
PINNED = {
    ("train", 1): "b887c0e78bf8962b4ef045ab60b0562242c5073427c0477d3c9981bace3e1edb",
    ("test_heldout", 3): "bcc772c1ecf53f590c7ba9df8d4599645235ddd9d2040e13a430b02a62cdccfe",
}


@pytest.mark.parametrize(("split", "image_id"), PINNED)
def test_recording_the_draws_changed_no_photo(split: str, image_id: int) -> None:
    rng = np.random.default_rng([42, dataset.SPLITS.index(split), image_id])
    names = dataset.SPLIT_LAYOUTS[split]
    layout = layouts.get_layout(names[int(rng.integers(len(names)))])
    card = cards.render_card(layout, cards.random_identity(rng), rng)
    photo = photos.photograph(card.image, rng)
    assert hashlib.sha256(photo.jpeg).hexdigest() == PINNED[split, image_id]


@pytest.mark.parametrize("seed", range(6))
def test_the_photo_records_what_the_camera_drew(seed: int) -> None:
    plain = photos.CameraConfig(blur_sigma=(0, 0), shadow_probability=0, glare_probability=1)
    _, photo = shoot(seed, config=plain)
    drawn = photo.distortions
    assert drawn["blur"] == 0 and drawn["shadow"] == 0 and drawn["glare"] >= 40
    assert drawn["background"] in photos.BACKGROUND_KINDS
    assert photo.jpeg == shoot(seed, config=plain)[1].jpeg
