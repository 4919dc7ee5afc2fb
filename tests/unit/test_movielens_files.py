import logging
import shutil
from pathlib import Path

import pytest

from mlplatform.config import Settings, load_settings
from mlplatform.digests import file_sha256
from mlplatform.recommender import movielens_files

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def home(tmp_path: Path) -> Settings:
    (tmp_path / "datasets").mkdir()
    shutil.copy(ROOT / "datasets" / "movielens-100k.sha256", tmp_path / "datasets")
    return load_settings({"MLPLATFORM_HOME": str(tmp_path)})


def test_read_checksums_skips_comments(tmp_path: Path) -> None:
    path = tmp_path / "sums"
    path.write_text("# made by hand\nABC123  a.txt\n\ndef456  b file.txt\n")
    assert movielens_files.read_checksums(path) == {"a.txt": "abc123", "b file.txt": "def456"}


def test_sha256_of_a_known_string(tmp_path: Path) -> None:
    path = tmp_path / "x"
    path.write_bytes(b"abc")
    assert file_sha256(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_missing_data_names_the_fix(home: Settings) -> None:
    with pytest.raises(movielens_files.DataError, match="make data"):
        movielens_files.verify_movielens(home)


def test_a_corrupt_file_is_detected(home: Settings) -> None:
    shutil.copytree(ROOT / "data" / "ml-100k", home.movielens_dir)
    movielens_files.verify_movielens(home)
    with (home.movielens_dir / "ml-100k.inter").open("a") as handle:
        handle.write("1\t1\t5\t0\n")
    with pytest.raises(movielens_files.DataError, match=r"ml-100k\.inter does not match"):
        movielens_files.verify_movielens(home)


def test_a_corrupt_cached_wheel_is_deleted(home: Settings) -> None:
    wheels = home.cache_dir / "wheels"
    wheels.mkdir(parents=True)
    (wheels / movielens_files.RECBOLE_WHEEL).write_bytes(b"not a wheel")
    with pytest.raises(movielens_files.DataError, match="wrong SHA-256"):
        movielens_files.fetch_movielens(home)
    assert not (wheels / movielens_files.RECBOLE_WHEEL).exists()


def test_fetch_extracts_from_the_cached_wheel(home: Settings) -> None:
    cached = ROOT / ".cache" / "wheels" / movielens_files.RECBOLE_WHEEL
    if not cached.exists():
        pytest.skip("the wheel is fetched by `make data`, which `make test` runs first")
    (home.cache_dir / "wheels").mkdir(parents=True)
    shutil.copy(cached, home.cache_dir / "wheels")
    folder = movielens_files.fetch_movielens(home)
    assert sorted(p.name for p in folder.iterdir()) == sorted(movielens_files.MOVIELENS_FILES)
    # A second call only verifies: the files are not rewritten.
    before = (folder / "ml-100k.inter").stat().st_mtime_ns
    movielens_files.fetch_movielens(home)
    assert (folder / "ml-100k.inter").stat().st_mtime_ns == before


def test_a_corrupt_file_is_reported_at_the_default_level_then_restored(
    home: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    cached = ROOT / ".cache" / "wheels" / movielens_files.RECBOLE_WHEEL
    assert cached.exists(), "the wheel is fetched by `make data`, which `make test` runs first"
    (home.cache_dir / "wheels").mkdir(parents=True)
    shutil.copy(cached, home.cache_dir / "wheels")
    shutil.copytree(ROOT / "data" / "ml-100k", home.movielens_dir)
    (home.movielens_dir / "ml-100k.user").write_text("garbage\n")
    with caplog.at_level(logging.WARNING, logger="mlplatform.recommender.movielens_files"):
        movielens_files.fetch_movielens(home)
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("ml-100k.user does not match" in m and "Restoring" in m for m in warnings), warnings
    movielens_files.verify_movielens(home)  # restored
