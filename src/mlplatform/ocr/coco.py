"""COCO-format annotations for photographed cards.

One JSON file per split, in the COCO object-detection format (`images`, `annotations`,
`categories`) with two standard extensions: the card is a keypoint object (its four corners, as in
COCO's person keypoints) and each field annotation carries its transcription in `text` (COCO-Text
calls the same thing `utf8_string`). Every box is given twice: `segmentation` is the exact
quadrilateral (clockwise from the field's top left) and `bbox` the axis-aligned box around it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mlplatform.ocr.layouts import FIELDS
from mlplatform.ocr.photos import CORNER_NAMES, quad_to_bbox

CARD_CATEGORY_ID = 1
CATEGORIES: list[dict[str, Any]] = [
    {
        "id": CARD_CATEGORY_ID,
        "name": "card",
        "supercategory": "document",
        "keypoints": list(CORNER_NAMES),
        "skeleton": [[1, 2], [2, 3], [3, 4], [4, 1]],
    },
    *({"id": i + 2, "name": field, "supercategory": "field"} for i, field in enumerate(FIELDS)),
]
CATEGORY_IDS = {category["name"]: category["id"] for category in CATEGORIES}
CATEGORY_NAMES = {category["id"]: category["name"] for category in CATEGORIES}
DECIMALS = 2  # pixel coordinates are stored to a hundredth of a pixel


def polygon_area(quad: np.ndarray) -> float:
    """Area of a simple polygon (shoelace formula)."""
    x, y = np.asarray(quad, dtype=np.float64).reshape(-1, 2).T
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2)


def _rounded(values: np.ndarray | tuple[float, ...]) -> list[float]:
    return [round(float(v), DECIMALS) for v in np.asarray(values).ravel()]


def card_annotation(ann_id: int, image_id: int, corners: np.ndarray) -> dict[str, Any]:
    """The card object: its quadrilateral, box and four corner keypoints (all visible)."""
    keypoints = []
    for x, y in np.asarray(corners).reshape(4, 2):
        keypoints += [round(float(x), DECIMALS), round(float(y), DECIMALS), 2]
    return {
        "id": ann_id,
        "image_id": image_id,
        "category_id": CARD_CATEGORY_ID,
        "bbox": _rounded(quad_to_bbox(corners)),
        "area": round(polygon_area(corners), DECIMALS),
        "iscrowd": 0,
        "segmentation": [_rounded(corners)],
        "keypoints": keypoints,
        "num_keypoints": 4,
    }


def field_annotation(
    ann_id: int, image_id: int, field: str, quad: np.ndarray, text: str
) -> dict[str, Any]:
    """One printed field: its quadrilateral, box and transcription."""
    return {
        "id": ann_id,
        "image_id": image_id,
        "category_id": CATEGORY_IDS[field],
        "bbox": _rounded(quad_to_bbox(quad)),
        "area": round(polygon_area(quad), DECIMALS),
        "iscrowd": 0,
        "segmentation": [_rounded(quad)],
        "text": text,
    }


def empty_coco(description: str) -> dict[str, Any]:
    """A COCO document with its `info` and categories and no images yet."""
    return {
        "info": {"description": description, "version": "1.0", "contributor": "mlplatform"},
        "licenses": [{"id": 1, "name": "CC0-1.0 (synthetic data)", "url": ""}],
        "images": [],
        "annotations": [],
        "categories": CATEGORIES,
    }


def quad_of(annotation: dict[str, Any]) -> np.ndarray:
    """The 4 x 2 quadrilateral of an annotation (from its `segmentation`)."""
    return np.asarray(annotation["segmentation"][0], dtype=np.float64).reshape(-1, 2)
