"""The manifest of a generated card set: what it is, how it was made, and a hash of its content.

`manifest.json` sits at the root of every generated set. Its `content_hash` is a SHA-256 over every
other file's relative path and SHA-256, in sorted order, so it changes when any byte, file name or
file changes, and it does not depend on the machine, the folder or the time. The set a model trained
on is logged with the run (`log_manifest`), so a registered model traces back to these bytes.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mlplatform.digests import file_sha256
from mlplatform.tracking import CONTEXTS, DIGEST_LENGTH, DatasetVersion

MANIFEST_NAME = "manifest.json"
GENERATOR_VERSION = "1.1.0"  # bump when a change to the generator changes its output


@dataclass(frozen=True)
class Manifest:
    """What identifies one generated set (written as `manifest.json`)."""

    name: str
    generator_version: str
    seed: int
    heldout_layout: str
    counts: dict[str, dict[str, int]]  # split -> {"images": n, "annotations": n}
    layouts: dict[str, list[str]]  # split -> layouts it contains
    content_hash: str  # SHA-256 over all files but the manifest
    split_hashes: dict[str, str]  # split -> SHA-256 over that split's files
    n_files: int
    libraries: dict[str, str] = field(default_factory=dict)  # renderer versions

    @property
    def n_images(self) -> int:
        """Images over all splits."""
        return sum(count["images"] for count in self.counts.values())

    def write(self, root: Path) -> Path:
        """Write `manifest.json` into `root`; returns its path."""
        path = root / MANIFEST_NAME
        path.write_text(json.dumps(asdict(self), indent=2, sort_keys=True) + "\n")
        return path

    def dataset_version(self, split: str) -> DatasetVersion:
        """The split as a `tracking.DatasetVersion` (digest, images, annotations per image)."""
        count = self.counts[split]
        return DatasetVersion(
            name=f"{self.name}/{split}",
            digest=self.split_hashes[split][:DIGEST_LENGTH],
            n_rows=count["images"],
            n_columns=count["annotations"] // max(count["images"], 1),
            schema={"image": "jpeg", "annotations": "coco"},
        )


def read_manifest(root: Path) -> Manifest:
    """Read `root/manifest.json`.

    Raises:
        FileNotFoundError: there is no manifest; generate the set with `ensure_dataset`.
    """
    path = Path(root) / MANIFEST_NAME
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} does not exist: generate the set with "
            "`mlplatform.ocr.dataset.ensure_dataset(settings)`."
        )
    return Manifest(**json.loads(path.read_text()))


def _tree_hash(root: Path, files: list[Path]) -> str:
    sha = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.relative_to(root).as_posix()):
        sha.update(f"{path.relative_to(root).as_posix()}\0{file_sha256(path)}\n".encode())
    return sha.hexdigest()


def content_hashes(root: Path, splits: list[str]) -> tuple[str, dict[str, str], int]:
    """The content hash of `root`, each split's hash and the number of files hashed."""
    root = Path(root)
    files = [p for p in root.rglob("*") if p.is_file() and p.name != MANIFEST_NAME]
    per_split = {
        s: _tree_hash(root, [p for p in files if p.parts[len(root.parts)] == s]) for s in splits
    }
    return _tree_hash(root, files), per_split, len(files)


def log_manifest(manifest: Manifest, split: str = "train", context: str = "training") -> None:
    """Record a split of a generated set on the active MLflow run (dataset input, tags, JSON).

    Example:
        >>> with mlflow.start_run():  # doctest: +SKIP
        ...     log_manifest(read_manifest(root), "train", "training")
    """
    import mlflow
    from mlflow.data.dataset_source_registry import resolve_dataset_source
    from mlflow.data.meta_dataset import MetaDataset

    if context not in CONTEXTS:
        raise ValueError(f"context={context!r}: use one of {', '.join(CONTEXTS)}.")
    version = manifest.dataset_version(split)
    with warnings.catch_warnings():  # two local source types claim a plain path; both are fine
        warnings.simplefilter("ignore", UserWarning)
        source = resolve_dataset_source(f"data/ocr/{manifest.name}/{split}")
    dataset = MetaDataset(source, name=version.name, digest=version.digest)
    mlflow.log_input(dataset, context=context, tags={"rows": str(version.n_rows)})
    mlflow.set_tags(
        {**version.tags(context), f"data.{context}.content_hash": manifest.content_hash}
    )
    mlflow.log_dict(asdict(manifest), f"data/{context}_manifest.json")


@dataclass(frozen=True)
class ManifestInput:
    """A split of a generated set as a run's data input (the registry's `DataInput`)."""

    manifest: Manifest
    split: str
    context: str

    @property
    def digest(self) -> str:
        """The split's content digest, as logged."""
        return self.manifest.dataset_version(self.split).digest

    def log(self) -> None:
        """Record the split on the active run (`log_manifest`)."""
        log_manifest(self.manifest, self.split, self.context)
