"""Validation catches corrupt images, boxes outside the image, bad IDs and leaks; bad input errors."""

import json
import shutil
from pathlib import Path

import pytest

from mlplatform.ocr import validation
from mlplatform.ocr.dataset import generate_dataset, read_coco
from mlplatform.ocr.images import InvalidImageError, decode_image, load_image
from mlplatform.ocr.validation import validate_dataset

SIZES = {"train": 6, "val": 2, "test": 2, "test_heldout": 2}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ocr") / "cards"
    generate_dataset(root, SIZES, seed=3, progress=False)
    return root


@pytest.fixture
def cards(pristine: Path, tmp_path: Path) -> Path:
    """A fresh copy of the small set that a test may damage."""
    return Path(shutil.copytree(pristine, tmp_path / "cards"))


def edit_coco(root: Path, split: str, change) -> None:
    document = read_coco(root, split)
    change(document)
    (root / split / "annotations.json").write_text(json.dumps(document))


def rules(root: Path, **kwargs) -> set[str]:
    return {issue.rule for issue in validate_dataset(root, **kwargs).issues}


def test_a_generated_set_passes(cards: Path) -> None:
    report = validate_dataset(cards)
    assert report.ok, str(report)
    assert report.checked == SIZES
    assert str(report).startswith("OK")


@pytest.mark.parametrize("content", [b"", b"not an image at all", b"\xff\xd8\xff\xe0 truncated"])
def test_a_corrupt_image_is_caught(cards: Path, content: bytes) -> None:
    (cards / "train" / "images" / "000002.jpg").write_bytes(content)
    report = validate_dataset(cards)
    assert {"decode", "hash"} <= {issue.rule for issue in report.issues}
    assert "train/images/000002.jpg" in str(report)


def test_a_resized_image_is_caught(cards: Path) -> None:
    shutil.copy(
        cards / "test_heldout" / "images" / "000001.jpg", cards / "train" / "images" / "000001.jpg"
    )
    edit_coco(cards, "train", lambda d: d["images"][0].update(width=300))
    assert "size" in rules(cards)


@pytest.mark.parametrize(
    "change",
    [
        lambda a: a["bbox"].__setitem__(0, 700.0),  # box starts right of a 640-wide image
        lambda a: a["segmentation"][0].__setitem__(1, -5.0),  # a polygon corner above the top
        lambda a: a.__setitem__("bbox", [600.0, 380.0, 60.0, 30.0]),  # spills over the corner
    ],
)
def test_an_annotation_outside_the_image_is_caught(cards: Path, change) -> None:
    edit_coco(cards, "val", lambda d: change(d["annotations"][3]))
    assert "inside" in rules(cards, images=False)


def test_a_corner_outside_the_image_is_caught(cards: Path) -> None:
    edit_coco(cards, "test", lambda d: d["annotations"][0]["keypoints"].__setitem__(4, 401.0))
    assert "inside" in rules(cards, images=False)


def test_a_wrong_check_digit_is_caught(cards: Path) -> None:
    def break_id(document):
        annotation = next(a for a in document["annotations"] if a["category_id"] == 6)
        last = annotation["text"][-1]
        annotation["text"] = annotation["text"][:-1] + str((int(last) + 1) % 10)

    edit_coco(cards, "train", break_id)
    assert "check_digit" in rules(cards, images=False)


def test_the_heldout_layout_in_train_is_caught(cards: Path) -> None:
    edit_coco(cards, "train", lambda d: d["images"][0].update(layout="crimson"))
    assert "heldout" in rules(cards, images=False)


def test_a_card_in_two_splits_is_caught(cards: Path) -> None:
    test_ids = [a["text"] for a in read_coco(cards, "test")["annotations"] if a["category_id"] == 6]
    edit_coco(cards, "train", lambda d: d["annotations"][5].update(text=test_ids[0]))
    assert "leak" in rules(cards, images=False)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.pop("images"),
        lambda d: d["annotations"][0].pop("bbox"),
        lambda d: d["annotations"][1].update(image_id=999),
        lambda d: d["annotations"][1].update(category_id=42),
        lambda d: d["annotations"][2].update(id=d["annotations"][1]["id"]),
    ],
)
def test_broken_coco_structure_is_caught(cards: Path, change) -> None:
    edit_coco(cards, "val", change)
    assert "coco" in rules(cards, images=False)


def test_any_edit_changes_the_content_hash(cards: Path) -> None:
    (cards / "val" / "notes.txt").write_text("an extra file")
    assert rules(cards, images=False) == {"hash"}


def test_a_missing_manifest_says_how_to_generate(cards: Path) -> None:
    (cards / "manifest.json").unlink()
    with pytest.raises(FileNotFoundError, match="ensure_dataset"):
        validate_dataset(cards)


def test_load_image_reads_rgb(pristine: Path) -> None:
    image = load_image(pristine / "train" / "images" / "000001.jpg")
    assert image.shape == (400, 640, 3)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"%PDF-1.7 not a photo", "not an image"),
        (b"\x89PNG\r\n", "not an image"),
    ],
)
def test_load_image_rejects_bad_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "upload.jpg"
    path.write_bytes(content)
    with pytest.raises(InvalidImageError, match=message):
        load_image(path)


def test_load_image_on_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidImageError, match="does not exist"):
        load_image(tmp_path / "nothing.jpg")


def test_decode_image_names_the_input() -> None:
    with pytest.raises(InvalidImageError, match="request body is empty"):
        decode_image(b"", "request body")


@pytest.mark.parametrize(
    ("points", "inside"),
    [([[0, 0], [640, 400]], True), ([[-0.4, 10]], True), ([[-1, 10]], False), ([[10, 401]], False)],
)
def test_points_inside(points, inside: bool) -> None:
    assert validation.points_inside(points, 640, 400) is inside
