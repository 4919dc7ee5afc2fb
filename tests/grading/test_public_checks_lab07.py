"""Lab 07's public checks: right answers pass, typical wrong answers fail with a useful message."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from check_contract import assert_check_separates

VALUES = {**{str(d): d for d in range(10)}, "<": 0}
VALUES.update({chr(ord("A") + i): 10 + i for i in range(26)})


def check_digit(field: str) -> str:
    return str(sum(VALUES[c] * (7, 3, 1)[i % 3] for i, c in enumerate(field)) % 10)


def check_digit_letters_from_one(field: str) -> str:
    values = {**VALUES, **{chr(ord("A") + i): 1 + i for i in range(26)}}
    return str(sum(values[c] * (7, 3, 1)[i % 3] for i, c in enumerate(field)) % 10)


def check_digit_as_int(field: str) -> int:
    return int(check_digit(field))


def coco_bbox(quad) -> tuple[float, float, float, float]:
    q = np.asarray(quad, dtype=float)
    (x0, y0), (x1, y1) = q.min(axis=0), q.max(axis=0)
    return float(x0), float(y0), float(x1 - x0), float(y1 - y0)


def corner_box(quad) -> tuple[float, float, float, float]:
    q = np.asarray(quad, dtype=float)
    return (*q.min(axis=0), *q.max(axis=0))


def first_two_corners_box(quad) -> tuple[float, float, float, float]:
    (x0, y0), (x1, _), _, (_, y3) = np.asarray(quad, dtype=float)
    return x0, y0, x1 - x0, y3 - y0


def inside(annotation: dict, width: int, height: int) -> bool:
    x, y, w, h = annotation["bbox"]
    points = [(x, y), (x + w, y + h)]
    for polygon in annotation.get("segmentation", []):
        points += list(zip(polygon[0::2], polygon[1::2], strict=True))
    keypoints = annotation.get("keypoints", [])
    points += list(zip(keypoints[0::3], keypoints[1::3], strict=True))
    return all(0 <= px <= width and 0 <= py <= height for px, py in points)


def inside_bbox_origin_only(annotation: dict, width: int, height: int) -> bool:
    x, y, _, _ = annotation["bbox"]
    return 0 <= x <= width and 0 <= y <= height


def inside_without_keypoints(annotation: dict, width: int, height: int) -> bool:
    return inside({k: v for k, v in annotation.items() if k != "keypoints"}, width, height)


def find_bad_images(root: Path, split: str) -> list[str]:
    document = json.loads((Path(root) / split / "annotations.json").read_text())
    bad = []
    for image in document["images"]:
        data = (Path(root) / split / image["file_name"]).read_bytes()
        pixels = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
        if pixels is None or pixels.shape[:2] != (image["height"], image["width"]):
            bad.append(image["file_name"])
    return bad


def find_empty_images(root: Path, split: str) -> list[str]:
    document = json.loads((Path(root) / split / "annotations.json").read_text())
    return [
        image["file_name"]
        for image in document["images"]
        if (Path(root) / split / image["file_name"]).stat().st_size == 0
    ]


def find_undecodable_images(root: Path, split: str) -> list[str]:
    document = json.loads((Path(root) / split / "annotations.json").read_text())
    bad = []
    for image in document["images"]:
        data = (Path(root) / split / image["file_name"]).read_bytes()
        if not data or cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) is None:
            bad.append(image["file_name"])
    return bad


def report_everything(root: Path, split: str) -> list[str]:
    return [f"images/{i:06d}.jpg" for i in range(1, 6)]


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (
            check_digit_letters_from_one,
            r"icao_check_digit\('UT12E4567'\) returned '1', expected '8'",
        ),
        (check_digit_as_int, "should return one character"),
    ],
)
def test_q1_check_digit(wrong, message: str) -> None:
    assert_check_separates("lab07", "q1", "icao_check_digit", check_digit, wrong, message)


@pytest.mark.parametrize(
    ("wrong", "message"),
    [(corner_box, "not two corners"), (first_two_corners_box, "expected")],
)
def test_q2_bbox(wrong, message: str) -> None:
    assert_check_separates("lab07", "q2", "coco_bbox", coco_bbox, wrong, message)


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (inside_bbox_origin_only, "right edge passes x = 640 is outside"),
        (inside_without_keypoints, "keypoint below the image is outside"),
    ],
)
def test_q3_inside(wrong, message: str) -> None:
    assert_check_separates("lab07", "q3", "annotation_inside", inside, wrong, message)


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (find_empty_images, "000003.jpg is not an image"),
        (find_undecodable_images, "000004.jpg decodes but is 320x200"),
        (report_everything, "only .* are damaged"),
    ],
)
def test_q4_bad_images(wrong, message: str) -> None:
    assert_check_separates("lab07", "q4", "find_bad_images", find_bad_images, wrong, message)
