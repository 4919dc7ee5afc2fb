"""Generating, loading and versioning a set: determinism, manifests, COCO, splits, MLflow, DVC."""

import shutil
from pathlib import Path

import mlflow
import numpy as np
import pytest

from mlplatform.config import load_settings
from mlplatform.ocr import coco, dataset, versioning
from mlplatform.ocr.manifest import GENERATOR_VERSION, log_manifest, read_manifest
from mlplatform.ocr.validation import validate_dataset
from mlplatform.tracking import temporary_tracking_uri

SIZES = {"train": 4, "val": 2, "test": 2, "test_heldout": 2}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ocr") / "cards"
    dataset.generate_dataset(root, SIZES, seed=11, progress=False)
    return root


def test_same_seed_gives_identical_bytes(generated: Path, tmp_path: Path) -> None:
    again = dataset.generate_dataset(tmp_path / "cards", SIZES, seed=11, progress=False)
    assert again.content_hash == read_manifest(generated).content_hash
    for path in sorted(generated.rglob("*.jpg")):
        assert (tmp_path / "cards" / path.relative_to(generated)).read_bytes() == path.read_bytes()


def test_another_seed_gives_another_set(generated: Path, tmp_path: Path) -> None:
    other = dataset.generate_dataset(tmp_path / "cards", SIZES, seed=12, progress=False)
    assert other.content_hash != read_manifest(generated).content_hash


def test_a_photo_does_not_depend_on_the_split_size(generated: Path, tmp_path: Path) -> None:
    bigger = {**SIZES, "train": 6}
    dataset.generate_dataset(tmp_path / "cards", bigger, seed=11, progress=False)
    first = "train/images/000004.jpg"
    assert (tmp_path / "cards" / first).read_bytes() == (generated / first).read_bytes()


def test_manifest_records_counts_version_seed_and_layouts(generated: Path) -> None:
    manifest = read_manifest(generated)
    assert manifest.generator_version == GENERATOR_VERSION
    assert manifest.seed == 11
    assert {s: c["images"] for s, c in manifest.counts.items()} == SIZES
    assert all(c["annotations"] == 6 * c["images"] for c in manifest.counts.values())
    assert manifest.layouts["test_heldout"] == [manifest.heldout_layout]
    assert manifest.n_files == sum(SIZES.values()) + len(SIZES)  # images + one json per split
    assert len(manifest.content_hash) == 64


def test_refuses_to_overwrite(generated: Path) -> None:
    with pytest.raises(FileExistsError, match="delete it or choose another folder"):
        dataset.generate_dataset(generated, SIZES, seed=11, progress=False)


def test_samples_carry_the_ground_truth(generated: Path) -> None:
    samples = dataset.load_split(generated, "train")
    assert [s.image_id for s in samples] == [1, 2, 3, 4]
    sample = samples[0]
    assert sample.load().shape == (sample.height, sample.width, 3)
    assert sample.corners.shape == (4, 2)
    assert set(sample.fields) == {
        "name",
        "date_of_birth",
        "expiry_date",
        "nationality",
        "id_number",
    }
    assert len(sample.card_id) == 10
    x, y, w, h = sample.fields["id_number"].bbox
    quad = sample.fields["id_number"].quad
    np.testing.assert_allclose([x, y, x + w, y + h], [*quad.min(0), *quad.max(0)], atol=0.011)


def test_coco_categories_and_keypoints(generated: Path) -> None:
    document = dataset.read_coco(generated, "val")
    names = [c["name"] for c in document["categories"]]
    assert names == ["card", "name", "date_of_birth", "expiry_date", "nationality", "id_number"]
    card = next(a for a in document["annotations"] if a["category_id"] == coco.CARD_CATEGORY_ID)
    assert card["num_keypoints"] == 4 and len(card["keypoints"]) == 12
    assert card["area"] == pytest.approx(coco.polygon_area(coco.quad_of(card)), rel=1e-4)


def test_polygon_area() -> None:
    assert coco.polygon_area(np.array([[0, 0], [4, 0], [4, 3], [0, 3]])) == 12.0


def test_ensure_dataset_generates_once(tmp_path: Path) -> None:
    settings = load_settings({"MLPLATFORM_HOME": str(tmp_path)})
    root = dataset.ensure_dataset(settings, SIZES, seed=5, progress=False)
    assert root == tmp_path / "data" / "ocr" / dataset.dataset_name(5, SIZES)
    stamp = (root / "manifest.json").stat().st_mtime_ns
    assert dataset.ensure_dataset(settings, SIZES, seed=5, progress=False) == root
    assert (root / "manifest.json").stat().st_mtime_ns == stamp
    assert [p.name for p in root.parent.iterdir()] == [root.name]  # no scratch folder left


def test_split_sizes() -> None:
    assert sum(dataset.split_sizes(fast=True).values()) == 60
    assert sum(dataset.split_sizes(fast=False).values()) == 1800


def test_manifest_is_logged_with_the_run(generated: Path, tmp_path: Path) -> None:
    manifest = read_manifest(generated)
    with temporary_tracking_uri(f"sqlite:///{tmp_path}/mlflow.db"):
        mlflow.set_experiment("ocr-data-test")
        with mlflow.start_run() as run:
            log_manifest(manifest, "train", "training")
        logged = mlflow.get_run(run.info.run_id)
        artifact = mlflow.artifacts.load_dict(
            f"runs:/{run.info.run_id}/data/training_manifest.json"
        )
    assert logged.data.tags["data.training.content_hash"] == manifest.content_hash
    assert logged.data.tags["data.training.rows"] == "4"
    (dataset_input,) = logged.inputs.dataset_inputs
    assert dataset_input.dataset.digest == manifest.split_hashes["train"][:32]
    assert artifact["seed"] == 11


def test_log_manifest_rejects_an_unknown_context(generated: Path) -> None:
    with pytest.raises(ValueError, match="use one of training, evaluation"):
        log_manifest(read_manifest(generated), "train", "fitting")


def test_dvc_round_trip_with_a_local_remote(generated: Path, tmp_path: Path) -> None:
    workspace = tmp_path / "project"
    shutil.copytree(generated, workspace / "cards")
    repo = versioning.open_repo(workspace, tmp_path / "remote")
    tracked = versioning.track(repo, workspace / "cards")
    assert tracked.md5.endswith(".dir") and tracked.n_files == read_manifest(generated).n_files + 1
    assert versioning.push(repo) == tracked.n_files + 1  # the files and the folder listing
    assert versioning.changes(repo) == {}
    (workspace / "cards" / "val" / "images" / "000001.jpg").write_bytes(b"")
    assert versioning.changes(repo) == {"cards.dvc": [{"changed outs": {"cards": "modified"}}]}
    versioning.restore(repo, workspace / "cards")
    assert validate_dataset(workspace / "cards").ok
    copy = versioning.pull_copy(tracked.pointer, tmp_path / "remote", tmp_path / "colleague")
    assert read_manifest(copy).content_hash == read_manifest(generated).content_hash
