"""The grader makes what a lab reads before grading: the sandbox cannot write data/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mlplatform.grading.lab_data import prepare_lab_data
from mlplatform.ocr.dataset import load_split
from mlplatform.recommender.movielens_files import DataError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "datasets").mkdir()
    shutil.copy(ROOT / "datasets" / "movielens-100k.sha256", tmp_path / "datasets")
    shutil.copytree(ROOT / "data" / "ml-100k", tmp_path / "data" / "ml-100k")
    return tmp_path


def test_the_ocr_labs_get_their_card_set_before_grading(home: Path) -> None:
    prepare_lab_data("lab07", home, fast=True)
    made = list((home / "data" / "ocr").iterdir())
    assert len(made) == 1 and made[0].name.endswith("-n60")
    assert len(load_split(made[0], "test")) == 10  # the fast set: 10 test photos


def test_a_movielens_lab_needs_no_card_set(home: Path) -> None:
    prepare_lab_data("lab01", home, fast=True)
    assert not (home / "data" / "ocr").exists()


def test_missing_movielens_stops_grading_with_the_fix(tmp_path: Path) -> None:
    (tmp_path / "datasets").mkdir()
    shutil.copy(ROOT / "datasets" / "movielens-100k.sha256", tmp_path / "datasets")
    with pytest.raises(DataError, match="make data"):
        prepare_lab_data("lab01", tmp_path, fast=True)
