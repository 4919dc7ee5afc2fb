"""Public checks for lab 07, data for the OCR project: check digits, boxes, validation rules."""

from __future__ import annotations

import tempfile
from pathlib import Path

import cv2
import numpy as np

from mlplatform.grading.public import Check, CheckFailed, Namespace, answer
from mlplatform.ocr import icao

CHECK_DIGIT_CASES = ("740812", "120415", "L898902C3", "UT12E4567", "D23145890", "AB<<12<<")


def _check_check_digit(ns: Namespace) -> None:
    icao_check_digit = answer(ns, "icao_check_digit")
    for field in CHECK_DIGIT_CASES:
        got = icao_check_digit(field)
        expected = icao.check_digit(field)
        if not isinstance(got, str) or len(got) != 1:
            raise CheckFailed(
                f"icao_check_digit({field!r}) should return one character, got {got!r}."
            )
        if got != expected:
            raise CheckFailed(
                f"icao_check_digit({field!r}) returned {got!r}, expected {expected!r}."
            )


BBOX_CASES = (
    ([[10, 5], [30, 8], [28, 20], [9, 17]], (9.0, 5.0, 21.0, 15.0)),
    ([[100.5, 40.0], [160.0, 52.25], [150.0, 90.0], [95.0, 70.0]], (95.0, 40.0, 65.0, 50.0)),
)


def _check_bbox(ns: Namespace) -> None:
    coco_bbox = answer(ns, "coco_bbox")
    for quad, expected in BBOX_CASES:
        for given in (quad, np.array(quad, dtype=float)):
            got = coco_bbox(given)
            if len(tuple(got)) != 4:
                raise CheckFailed(f"coco_bbox should return 4 numbers (x, y, w, h), got {got!r}.")
            if not np.allclose([float(v) for v in got], expected):
                raise CheckFailed(
                    f"coco_bbox({quad}) returned {tuple(got)}, expected {expected}: COCO boxes "
                    "are (x, y, width, height), not two corners."
                )


def _annotation(bbox: list[float], polygon: list[float], keypoints: list[float] | None) -> dict:
    annotation = {"bbox": bbox, "segmentation": [polygon]}
    if keypoints is not None:
        annotation["keypoints"] = keypoints
    return annotation


INSIDE_CASES = (
    ("a field well inside", _annotation([10, 10, 50, 20], [10, 10, 60, 10, 60, 30, 10, 30], None), True),
    ("a box touching the right and bottom edges", _annotation([600, 380, 40, 20], [600, 380, 640, 380, 640, 400, 600, 400], None), True),
    ("a box whose right edge passes x = 640", _annotation([620, 10, 30, 10], [620, 10, 639, 10, 639, 20, 620, 20], None), False),
    ("a polygon corner above the image", _annotation([10, 0, 50, 20], [10, -3, 60, 0, 60, 20, 10, 20], None), False),
    ("a card corner keypoint below the image", _annotation([10, 10, 300, 200], [10, 10, 310, 10, 310, 210, 10, 210], [10, 10, 2, 310, 10, 2, 310, 210, 2, 10, 401, 2]), False),
    ("a card with all corners inside", _annotation([10, 10, 300, 200], [10, 10, 310, 10, 310, 210, 10, 210], [10, 10, 2, 310, 10, 2, 310, 210, 2, 10, 210, 2]), True),
)  # fmt: skip


def _check_inside(ns: Namespace) -> None:
    annotation_inside = answer(ns, "annotation_inside")
    for description, annotation, expected in INSIDE_CASES:
        got = annotation_inside(annotation, 640, 400)
        if bool(got) is not expected:
            verdict = "inside" if expected else "outside"
            raise CheckFailed(
                f"{description} is {verdict} a 640x400 image, but you returned {got!r}."
            )


def _damaged_set(root: Path) -> list[str]:
    """A five-photo set with three damaged images; returns their COCO file names."""
    from mlplatform.ocr.dataset import generate_dataset

    generate_dataset(root, {"train": 5}, seed=1, progress=False)
    images = root / "train" / "images"
    (images / "000002.jpg").write_bytes(b"")
    (images / "000003.jpg").write_text("this upload is a text file")
    _, small = cv2.imencode(".jpg", np.zeros((200, 320, 3), np.uint8))
    (images / "000004.jpg").write_bytes(small.tobytes())
    return ["images/000002.jpg", "images/000003.jpg", "images/000004.jpg"]


def _check_bad_images(ns: Namespace) -> None:
    find_bad_images = answer(ns, "find_bad_images")
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "cards"
        expected = _damaged_set(root)
        got = sorted(str(name) for name in find_bad_images(root, "train"))
    reasons = {expected[0]: "is empty", expected[1]: "is not an image",
               expected[2]: "decodes but is 320x200, not 640x400"}  # fmt: skip
    for name in expected:
        if name not in got:
            raise CheckFailed(f"{name} {reasons[name]} and should be reported; you found {got}.")
    if got != expected:
        raise CheckFailed(f"only {expected} are damaged, you reported {got}.")


CHECKS = [
    Check(
        "q1",
        3,
        (
            "the check digit of an ICAO document (chapter 07): every character has a value, the "
            "values are weighted by a repeating pattern, and the digit is what remains of the "
            "sum."
        ),
        _check_check_digit,
    ),
    Check(
        "q2",
        2,
        ("the tightest axis-aligned box around the points, in COCO's [x, y, width, height] form."),
        _check_bbox,
    ),
    Check(
        "q3",
        3,
        (
            "every coordinate an annotation holds (the box's corners, the polygon and the "
            "keypoints) must lie inside the image."
        ),
        _check_inside,
    ),
    Check(
        "q4",
        3,
        (
            "a file can exist and still be broken: check that each image named in the annotations"
            " is there, decodes, and has the size the annotation records."
        ),
        _check_bad_images,
    ),
]
