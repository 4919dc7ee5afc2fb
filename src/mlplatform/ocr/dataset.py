"""Generate the synthetic card set into `data/ocr/<name>/`, and load it back as samples.

Layout on disk (one folder per split, COCO annotations next to the images)::

    data/ocr/cards-v1.1.0-seed42-n1800/
        manifest.json
        train/annotations.json   train/images/000001.jpg ...
        val/...   test/...   test_heldout/...

`train`, `val` and `test` use the three training layouts; `test_heldout` holds only the held-out
layout, so the test score and the held-out score are reported separately. Photo *i* of split *s* is
drawn from its own generator seeded with `(seed, s, i)`: any photo can be regenerated alone, and
adding photos to a split does not change the others.

For the detector and the reader: `load_split(root, "train")` returns `Sample`s with the image path,
the card corners and each field's quadrilateral, box and text; `photos.rectify` cuts a flat crop.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any

import numpy as np

from mlplatform.config import Settings, load_settings
from mlplatform.ocr import coco
from mlplatform.ocr.cards import FlatCard, random_identity, render_card
from mlplatform.ocr.images import load_image
from mlplatform.ocr.layouts import FIELDS, HELDOUT_LAYOUT, TRAINING_LAYOUTS, Layout, get_layout
from mlplatform.ocr.manifest import GENERATOR_VERSION, Manifest, content_hashes, read_manifest
from mlplatform.ocr.photos import CameraConfig, Photo, box_to_quad, photograph, transform_points

SPLITS = ("train", "val", "test", "test_heldout")
SPLIT_LAYOUTS = {
    "train": TRAINING_LAYOUTS,
    "val": TRAINING_LAYOUTS,
    "test": TRAINING_LAYOUTS,
    "test_heldout": (HELDOUT_LAYOUT,),
}
FULL_SIZES = {"train": 1200, "val": 200, "test": 200, "test_heldout": 200}
FAST_SIZES = {"train": 30, "val": 10, "test": 10, "test_heldout": 10}
ANNOTATIONS = "annotations.json"


def split_sizes(fast: bool) -> dict[str, int]:
    """Photos per split: 1,800 in full mode, 60 in fast mode."""
    return dict(FAST_SIZES if fast else FULL_SIZES)


def dataset_name(seed: int, sizes: dict[str, int]) -> str:
    """The folder name of a set: generator version, seed and total size."""
    return f"cards-v{GENERATOR_VERSION}-seed{seed}-n{sum(sizes.values())}"


def _photo_annotations(image_id: int, first_ann_id: int, card: Any, photo: Any) -> list[dict]:
    annotations = [coco.card_annotation(first_ann_id, image_id, photo.corners)]
    for k, field in enumerate(FIELDS, start=1):
        quad = transform_points(photo.homography, box_to_quad(card.boxes[field]))
        text = card.identity.text(field)
        annotations.append(coco.field_annotation(first_ann_id + k, image_id, field, quad, text))
    return annotations


def draw_photo(
    seed: int, split: str, image_id: int, camera: CameraConfig | None = None
) -> tuple[Layout, FlatCard, Photo]:
    """Photo `image_id` of `split` (its layout, flat card and photo), as `generate_split` draws it.

    Also a quick way to get one realistic photo without writing a data set (e.g. a warm-up call).
    """
    rng = np.random.default_rng([seed, SPLITS.index(split), image_id])
    layouts = SPLIT_LAYOUTS[split]
    layout = get_layout(layouts[int(rng.integers(len(layouts)))])
    card = render_card(layout, random_identity(rng), rng)
    return layout, card, photograph(card.image, rng, camera)


def generate_split(
    root: Path,
    split: str,
    n: int,
    seed: int,
    camera: CameraConfig | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Render and photograph `n` cards into `root/split/`; returns the split's COCO document."""
    from mlplatform.progress import progress_bar

    (root / split / "images").mkdir(parents=True, exist_ok=True)
    document = coco.empty_coco(f"synthetic ID cards, split {split}, seed {seed}")
    for image_id in progress_bar(range(1, n + 1), desc=split, disable=not progress, leave=False):
        layout, card, photo = draw_photo(seed, split, image_id, camera)
        file_name = f"images/{image_id:06d}.jpg"
        (root / split / file_name).write_bytes(photo.jpeg)
        width, height = photo.size
        document["images"].append(
            {
                "id": image_id,
                "file_name": file_name,
                "width": width,
                "height": height,
                "layout": layout.name,
                "distortions": {
                    k: round(v, 4) if isinstance(v, float) else v
                    for k, v in photo.distortions.items()
                },
            }
        )
        first = len(document["annotations"]) + 1
        document["annotations"] += _photo_annotations(image_id, first, card, photo)
    write_coco(root, split, document)
    return document


def _libraries() -> dict[str, str]:
    import cv2
    import PIL

    return {"numpy": np.__version__, "opencv": cv2.__version__, "pillow": PIL.__version__}


def generate_dataset(
    root: Path,
    sizes: dict[str, int],
    seed: int,
    progress: bool = True,
    camera: CameraConfig | None = None,
) -> Manifest:
    """Generate every split into `root` (which must not exist yet) and write its manifest."""
    root = Path(root)
    if root.exists():
        raise FileExistsError(f"{root} exists already; delete it or choose another folder.")
    documents = {
        split: generate_split(root, split, n, seed, camera, progress) for split, n in sizes.items()
    }
    content_hash, split_hashes, n_files = content_hashes(root, list(sizes))
    manifest = Manifest(
        name=root.name,
        generator_version=GENERATOR_VERSION,
        seed=seed,
        heldout_layout=HELDOUT_LAYOUT,
        counts={
            s: {"images": len(d["images"]), "annotations": len(d["annotations"])}
            for s, d in documents.items()
        },
        layouts={
            s: sorted({image["layout"] for image in d["images"]}) for s, d in documents.items()
        },
        content_hash=content_hash,
        split_hashes=split_hashes,
        n_files=n_files,
        libraries=_libraries(),
    )
    manifest.write(root)
    return manifest


def ensure_dataset(
    settings: Settings | None = None,
    sizes: dict[str, int] | None = None,
    seed: int | None = None,
    progress: bool = True,
) -> Path:
    """The folder of the set for these settings, generated first if it is not there yet.

    Generation happens in a temporary sibling folder that is renamed when complete, so a reader
    never sees half a set, even when two processes ask at once.
    """
    settings = settings or load_settings()
    sizes = sizes or split_sizes(settings.fast)
    seed = settings.seed if seed is None else seed
    root = settings.data_dir / "ocr" / dataset_name(seed, sizes)
    if (root / "manifest.json").is_file():
        return root
    root.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{root.name}-", dir=root.parent))
    try:
        generate_dataset(scratch / root.name, sizes, seed, progress)
        try:
            (scratch / root.name).rename(root)
        except OSError:  # another process finished the same set first: theirs is identical
            if not (root / "manifest.json").is_file():
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return root


class DatasetMismatchError(RuntimeError):
    """The set on this machine is not the one a pipeline run validated."""


def verified_dataset(
    content_hash: str, fast: bool, seed: int, settings: Settings | None = None
) -> Path:
    """The set for `fast`/`seed`, generated here if missing, checked against `content_hash`.

    Pipeline steps pass the validated set's content hash, not its folder: in cluster mode every step
    runs in its own pod, which regenerates the (deterministic) set and must get the same bytes.

    Raises:
        DatasetMismatchError: the set here has another content hash (e.g. another generator version).
    """
    root = ensure_dataset(settings, split_sizes(fast), seed, progress=False)
    found = read_manifest(root).content_hash
    if found != content_hash:
        raise DatasetMismatchError(
            f"The card set {root.name} here has content hash {found[:12]}, but the run validated "
            f"{content_hash[:12]}: the steps run different generator versions. Rebuild the runtime "
            "image from this checkout (`make images`) and run the pipeline again."
        )
    return root


@dataclass(frozen=True)
class FieldBox:
    """One printed field in a photo: its text, quadrilateral (4 x 2) and COCO box (x, y, w, h)."""

    text: str
    quad: np.ndarray
    bbox: tuple[float, float, float, float]


@dataclass(frozen=True)
class Sample:
    """One photographed card with its ground truth."""

    image_id: int
    path: Path
    width: int
    height: int
    layout: str
    corners: np.ndarray  # 4 x 2, top-left, top-right, bottom-right, bottom-left
    fields: dict[str, FieldBox]
    # the camera's draws (`photos.photograph`): scale, rotation, tilt, background, shadow, glare,
    # blur, noise, jpeg_quality; empty for sets made before generator 1.1.0
    distortions: dict[str, Any] = dataclass_field(default_factory=dict)

    @property
    def card_id(self) -> str:
        """The 10-character ID number printed on the card."""
        return self.fields["id_number"].text

    def load(self) -> np.ndarray:
        """The photo as an RGB array (raises `InvalidImageError` on a bad file)."""
        return load_image(self.path)


def read_coco(root: Path, split: str) -> dict[str, Any]:
    """The COCO document of one split."""
    path = Path(root) / split / ANNOTATIONS
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist; splits are {', '.join(SPLITS)}.")
    return json.loads(path.read_text())


def write_coco(root: Path, split: str, document: dict[str, Any]) -> Path:
    """Write a split's COCO document (after an edit); returns its path."""
    path = Path(root) / split / ANNOTATIONS
    path.write_text(json.dumps(document, indent=1))
    return path


def load_split(root: Path, split: str) -> list[Sample]:
    """The samples of one split, in image-id order."""
    document = read_coco(root, split)
    by_image: dict[int, list[dict]] = {}
    for annotation in document["annotations"]:
        by_image.setdefault(annotation["image_id"], []).append(annotation)
    samples = []
    for image in document["images"]:
        corners, fields = None, {}
        for annotation in by_image.get(image["id"], []):
            name = coco.CATEGORY_NAMES[annotation["category_id"]]
            if name == "card":
                corners = np.asarray(annotation["keypoints"], float).reshape(4, 3)[:, :2]
            else:
                fields[name] = FieldBox(
                    annotation["text"], coco.quad_of(annotation), tuple(annotation["bbox"])
                )
        samples.append(
            Sample(
                image["id"],
                Path(root) / split / image["file_name"],
                image["width"],
                image["height"],
                image["layout"],
                corners,
                fields,
                dict(image.get("distortions", {})),
            )
        )
    return samples


__all__ = [
    "SPLITS",
    "DatasetMismatchError",
    "Sample",
    "ensure_dataset",
    "generate_dataset",
    "load_split",
    "read_manifest",
    "verified_dataset",
]
