"""Data tests on the synthetic card set as `ensure_dataset` delivers it (fast or full size).

Validation, layouts per split, leakage, text formats, geometry, the recorded camera draws, and that
regenerating a split from the recorded seed reproduces the recorded hash.
"""

import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from mlplatform.ocr import dataset, icao
from mlplatform.ocr.geometry import rotation_degrees
from mlplatform.ocr.layouts import HELDOUT_LAYOUT, TRAINING_LAYOUTS
from mlplatform.ocr.manifest import content_hashes, read_manifest
from mlplatform.ocr.photos import BACKGROUND_KINDS, CameraConfig
from mlplatform.ocr.validation import validate_dataset

DATE = re.compile(r"^\d{2}\.\d{2}\.\d{4}$")
DISTORTION_KEYS = {
    "scale", "rotation", "tilt", "background", "shadow", "glare", "blur", "noise", "jpeg_quality"
}  # fmt: skip


@pytest.fixture(scope="module")
def root(settings) -> Path:
    return dataset.ensure_dataset(settings, progress=False)


@pytest.fixture(scope="module")
def samples(root: Path) -> dict[str, list[dataset.Sample]]:
    return {split: dataset.load_split(root, split) for split in dataset.SPLITS}


def test_the_set_validates(root: Path) -> None:
    report = validate_dataset(root)
    assert report.ok, str(report)


def test_sizes_match_the_mode(root: Path, settings) -> None:
    counts = read_manifest(root).counts
    assert {s: c["images"] for s, c in counts.items()} == dataset.split_sizes(settings.fast)


def test_heldout_layout_only_in_its_split(samples) -> None:
    for split, items in samples.items():
        layouts = {s.layout for s in items}
        if split == "test_heldout":
            assert layouts == {HELDOUT_LAYOUT}
        else:
            assert HELDOUT_LAYOUT not in layouts
    assert {s.layout for s in samples["train"]} == set(TRAINING_LAYOUTS)


def test_no_card_in_two_splits(samples) -> None:
    ids = [s.card_id for items in samples.values() for s in items]
    assert len(ids) == len(set(ids))


def test_texts_have_their_formats(samples) -> None:
    for items in samples.values():
        for s in items:
            assert icao.is_valid_id(s.card_id)
            assert DATE.match(s.fields["date_of_birth"].text)
            assert DATE.match(s.fields["expiry_date"].text)
            assert re.match(r"^[A-Z]{3}$", s.fields["nationality"].text)
            assert re.match(r"^[A-Z]+ [A-Z][a-z]+$", s.fields["name"].text)


def test_fields_lie_on_the_card_and_are_readable_sizes(samples) -> None:
    for items in samples.values():
        for s in items:
            card = s.corners.astype(np.float32).reshape(-1, 1, 2)
            for box in s.fields.values():
                for x, y in box.quad:
                    assert cv2.pointPolygonTest(card, (float(x), float(y)), False) >= 0
                side = np.linalg.norm(box.quad[3] - box.quad[0])  # left edge = text height
                assert side >= 6, f"{s.path.name}: {box.text} is only {side:.1f} px tall"


def test_regenerating_a_split_reproduces_its_hash(root: Path, tmp_path: Path) -> None:
    manifest = read_manifest(root)
    n = manifest.counts["val"]["images"]
    dataset.generate_split(tmp_path, "val", n, manifest.seed, progress=False)
    _, split_hashes, _ = content_hashes(tmp_path, ["val"])
    assert split_hashes["val"] == manifest.split_hashes["val"]


def test_every_photo_records_its_camera_draws(samples) -> None:
    camera = CameraConfig()
    for items in samples.values():
        for s in items:
            d = s.distortions
            assert set(d) == DISTORTION_KEYS, s.path.name
            assert camera.card_width[0] <= d["scale"] <= camera.card_width[1]
            assert abs(d["rotation"]) <= camera.max_rotation
            assert 0 <= d["tilt"] <= 2 * camera.tilt + 1e-9
            assert d["background"] in BACKGROUND_KINDS
            assert d["blur"] == 0 or 0.3 < d["blur"] <= camera.blur_sigma[1]
            assert camera.noise_sigma[0] <= d["noise"] <= camera.noise_sigma[1]
            assert camera.jpeg_quality[0] <= d["jpeg_quality"] <= camera.jpeg_quality[1]
            assert d["shadow"] == 0 or 0.25 <= d["shadow"] <= 0.55
            assert d["glare"] == 0 or 40 <= d["glare"] <= 110


def test_the_recorded_rotation_matches_the_corners(samples) -> None:
    """The top edge's angle is the drawn rotation plus the tilt's small perspective skew."""
    for items in samples.values():
        for s in items:
            assert abs(rotation_degrees(s.corners) - s.distortions["rotation"]) < 15  # max 12.7
