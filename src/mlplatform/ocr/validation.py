"""Validate a generated card set before anything trains on it.

`validate_dataset(root)` runs every rule and returns a `ValidationReport` listing each problem with
its split, file and rule, instead of stopping at the first one. The rules: the manifest's hash
matches the files; each COCO document is well formed; every image decodes and has the size its
record says; every box, polygon and corner lies inside its image; every ID number has a valid check
digit; the held-out layout appears only in `test_heldout`; no card appears in two splits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mlplatform.ocr import coco, icao
from mlplatform.ocr.dataset import SPLITS, read_coco
from mlplatform.ocr.images import InvalidImageError, load_image
from mlplatform.ocr.manifest import content_hashes, read_manifest

REQUIRED_KEYS = {
    "images": ("id", "file_name", "width", "height"),
    "annotations": ("id", "image_id", "category_id", "bbox"),
}
TOLERANCE = 0.5  # pixels: coordinates are rounded to 0.01, and a box edge may touch the border


@dataclass(frozen=True)
class Issue:
    """One problem found by validation."""

    split: str
    item: str  # a file name or an annotation id
    rule: str
    message: str


@dataclass
class ValidationReport:
    """Everything validation found; `ok` is true when nothing was."""

    checked: dict[str, int] = field(default_factory=dict)  # split -> images checked
    issues: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no rule found a problem."""
        return not self.issues

    def add(self, split: str, item: str, rule: str, message: str) -> None:
        """Record one problem."""
        self.issues.append(Issue(split, item, rule, message))

    def __str__(self) -> str:
        head = ", ".join(f"{s}: {n} images" for s, n in self.checked.items())
        if self.ok:
            return f"OK: no problems ({head})."
        lines = [f"{len(self.issues)} problem(s) ({head}):"]
        lines += [f"  [{i.rule}] {i.split}/{i.item}: {i.message}" for i in self.issues[:20]]
        if len(self.issues) > 20:
            lines.append(f"  ... and {len(self.issues) - 20} more")
        return "\n".join(lines)


def points_inside(points: np.ndarray, width: int, height: int, tol: float = TOLERANCE) -> bool:
    """True when every (x, y) point lies within the image, up to `tol` pixels."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    return bool(
        np.all(pts >= -tol)
        and np.all(pts[:, 0] <= width + tol)
        and np.all(pts[:, 1] <= height + tol)
    )


def check_structure(document: dict[str, Any], split: str, report: ValidationReport) -> bool:
    """COCO structure: required keys, unique ids, known categories, images that exist."""
    for section in ("images", "annotations", "categories"):
        if not isinstance(document.get(section), list):
            report.add(split, "annotations.json", "coco", f"`{section}` is missing or not a list")
            return False
    for section, keys in REQUIRED_KEYS.items():
        for record in document[section]:
            missing = [k for k in keys if k not in record]
            if missing:
                report.add(
                    split, str(record.get("id")), "coco", f"{section} record lacks {missing}"
                )
                return False
        ids = [record["id"] for record in document[section]]
        if len(ids) != len(set(ids)):
            report.add(split, "annotations.json", "coco", f"{section} ids are not unique")
    image_ids = {image["id"] for image in document["images"]}
    for annotation in document["annotations"]:
        if annotation["image_id"] not in image_ids:
            report.add(split, f"ann {annotation['id']}", "coco", "refers to a missing image")
        if annotation["category_id"] not in coco.CATEGORY_NAMES:
            report.add(split, f"ann {annotation['id']}", "coco", "has an unknown category")
    return True


def _annotation_points(annotation: dict[str, Any]) -> np.ndarray:
    x, y, w, h = annotation["bbox"]
    points = [[x, y], [x + w, y + h]]
    for polygon in annotation.get("segmentation", []):
        points += np.asarray(polygon, float).reshape(-1, 2).tolist()
    if "keypoints" in annotation:
        points += np.asarray(annotation["keypoints"], float).reshape(-1, 3)[:, :2].tolist()
    return np.asarray(points)


def check_annotations(document: dict[str, Any], split: str, report: ValidationReport) -> None:
    """Every box, polygon and corner inside its image; every ID number valid."""
    sizes = {image["id"]: (image["width"], image["height"]) for image in document["images"]}
    for annotation in document["annotations"]:
        if annotation["image_id"] not in sizes:
            continue  # reported by check_structure
        width, height = sizes[annotation["image_id"]]
        if not points_inside(_annotation_points(annotation), width, height):
            report.add(
                split,
                f"ann {annotation['id']}",
                "inside",
                f"a box or corner lies outside the {width}x{height} image",
            )
        is_id = coco.CATEGORY_NAMES.get(annotation["category_id"]) == "id_number"
        if is_id and not icao.is_valid_id(annotation.get("text", "")):
            report.add(
                split,
                f"ann {annotation['id']}",
                "check_digit",
                f"ID {annotation.get('text')!r} fails the ICAO 7-3-1 check digit",
            )


def check_images(
    root: Path, document: dict[str, Any], split: str, report: ValidationReport
) -> None:
    """Every image file decodes and has the width and height its record says."""
    for image in document["images"]:
        try:
            pixels = load_image(Path(root) / split / image["file_name"])
        except InvalidImageError as error:  # the item names the file; keep the reason only
            reason = str(error).replace(str(Path(root) / split / image["file_name"]), "the file")
            report.add(split, image["file_name"], "decode", reason)
            continue
        if pixels.shape[:2] != (image["height"], image["width"]):
            report.add(
                split,
                image["file_name"],
                "size",
                f"is {pixels.shape[1]}x{pixels.shape[0]}, the record says "
                f"{image['width']}x{image['height']}",
            )


def check_splits(
    documents: dict[str, dict[str, Any]], heldout: str, report: ValidationReport
) -> None:
    """The held-out layout only in `test_heldout`; no ID number in two splits."""
    seen: dict[str, str] = {}
    for split, document in documents.items():
        for image in document["images"]:
            if (image.get("layout") == heldout) != (split == "test_heldout"):
                report.add(
                    split,
                    image["file_name"],
                    "heldout",
                    f"layout {image.get('layout')!r} does not belong in {split}",
                )
        for annotation in document["annotations"]:
            text = annotation.get("text")
            if coco.CATEGORY_NAMES.get(annotation["category_id"]) != "id_number":
                continue
            if text in seen and seen[text] != split:
                report.add(
                    split,
                    f"ann {annotation['id']}",
                    "leak",
                    f"ID {text} also appears in {seen[text]}",
                )
            seen.setdefault(text, split)


def validate_dataset(root: Path, images: bool = True) -> ValidationReport:
    """Run every rule on the set in `root`; `images=False` skips decoding (faster)."""
    root = Path(root)
    report = ValidationReport()
    manifest = read_manifest(root)
    splits = [s for s in SPLITS if s in manifest.counts]
    content_hash, _, _ = content_hashes(root, splits)
    if content_hash != manifest.content_hash:
        report.add(
            "*",
            "manifest.json",
            "hash",
            "the files do not match the manifest's "
            "content hash: something changed since the set was generated",
        )
    documents = {}
    for split in splits:
        documents[split] = document = read_coco(root, split)
        report.checked[split] = len(document.get("images", []))
        if not check_structure(document, split, report):
            continue
        if len(document["images"]) != manifest.counts[split]["images"]:
            report.add(split, "annotations.json", "count", "image count differs from the manifest")
        check_annotations(document, split, report)
        if images:
            check_images(root, document, split, report)
    check_splits(
        {s: d for s, d in documents.items() if "images" in d}, manifest.heldout_layout, report
    )
    return report
