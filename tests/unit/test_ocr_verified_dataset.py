"""Pipeline steps find the validated card set by its content hash, not by a folder path."""

import pytest

from mlplatform.config import Settings
from mlplatform.ocr import dataset
from mlplatform.ocr.dataset import DatasetMismatchError, verified_dataset
from mlplatform.ocr.manifest import read_manifest

TINY = {"train": 2, "val": 1, "test": 1, "test_heldout": 1}


@pytest.fixture
def tiny_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dataset, "split_sizes", lambda fast: TINY)


def test_a_step_regenerates_the_same_set_from_the_hash(local: Settings, tiny_sizes) -> None:
    root = dataset.ensure_dataset(local, TINY, seed=7, progress=False)
    expected = read_manifest(root).content_hash
    dataset.shutil.rmtree(root)  # a fresh pod has no data folder
    again = verified_dataset(expected, fast=True, seed=7, settings=local)
    assert again == root
    assert read_manifest(again).content_hash == expected


def test_another_set_is_refused(local: Settings, tiny_sizes) -> None:
    with pytest.raises(DatasetMismatchError, match="make images"):
        verified_dataset("0" * 64, fast=True, seed=7, settings=local)
