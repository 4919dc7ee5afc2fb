"""Fetch and verify the course's third-party data (MovieLens 100K), with checksums.

MovieLens 100K is taken from the `recbole` wheel on PyPI: the wheel is downloaded with pip (not
installed), its SHA-256 is checked, and the three atomic files are extracted and checked one by one.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from mlplatform.config import Settings, load_settings
from mlplatform.digests import file_sha256

log = logging.getLogger(__name__)

RECBOLE_VERSION = "1.2.1"
RECBOLE_WHEEL = f"recbole-{RECBOLE_VERSION}-py3-none-any.whl"
MEMBER_DIR = "recbole/dataset_example/ml-100k/"
MOVIELENS_FILES = ("ml-100k.inter", "ml-100k.user", "ml-100k.item")
FIX = "Run `make data` to fetch and verify it again."


class DataError(RuntimeError):
    """Data is missing or does not match its recorded checksum."""


def checksums_file(settings: Settings) -> Path:
    """The committed list of SHA-256 sums (`datasets/movielens-100k.sha256`)."""
    return settings.home / "datasets" / "movielens-100k.sha256"


def read_checksums(path: Path) -> dict[str, str]:
    """Parse a `sha256sum`-style file into {file name: hex digest}."""
    sums = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            digest, name = line.split(maxsplit=1)
            sums[name.strip()] = digest.lower()
    return sums


def _without_fix(problem: DataError) -> str:
    return str(problem).replace(FIX, "").strip()


def verify_movielens(settings: Settings | None = None) -> Path:
    """Check that every MovieLens file is present and matches its checksum.

    Raises:
        DataError: a file is missing or corrupt; the message names it and the fix.
    """
    settings = settings or load_settings()
    folder = settings.movielens_dir
    expected = read_checksums(checksums_file(settings))
    for name in MOVIELENS_FILES:
        path = folder / name
        if not path.is_file():
            raise DataError(f"MovieLens 100K is missing {path}. {FIX}")
        if file_sha256(path) != expected[name]:
            raise DataError(
                f"{path} does not match its recorded SHA-256 (corrupt or edited). {FIX}"
            )
    return folder


def _download_wheel(settings: Settings) -> Path:
    wheels = settings.cache_dir / "wheels"
    wheel = wheels / RECBOLE_WHEEL
    if not wheel.is_file():
        wheels.mkdir(parents=True, exist_ok=True)
        log.info("Downloading %s with pip", RECBOLE_WHEEL)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
             "--disable-pip-version-check", "-q", "-d", str(wheels), f"recbole=={RECBOLE_VERSION}"],
            check=True,
        )  # fmt: skip
    expected = read_checksums(checksums_file(settings))[RECBOLE_WHEEL]
    if file_sha256(wheel) != expected:
        wheel.unlink()
        raise DataError(
            f"The downloaded {RECBOLE_WHEEL} has the wrong SHA-256 and was deleted. {FIX}"
        )
    return wheel


def fetch_movielens(settings: Settings | None = None, force: bool = False) -> Path:
    """Make sure MovieLens 100K is under `data/ml-100k/`, verified; download only when needed.

    Returns:
        The folder with the three atomic files.
    """
    settings = settings or load_settings()
    if not force:
        try:
            return verify_movielens(settings)
        except DataError as problem:
            if settings.movielens_dir.exists():  # there but damaged: the learner must hear of it
                log.warning(
                    "%s Restoring MovieLens 100K from the pinned wheel.", _without_fix(problem)
                )
            else:
                log.info("MovieLens 100K is not present yet; fetching it")
    wheel = _download_wheel(settings)
    target = settings.movielens_dir
    target.parent.mkdir(parents=True, exist_ok=True)
    # Extract next to the target, then swap, so an interrupted run never leaves half a data set.
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp, zipfile.ZipFile(wheel) as archive:
        staged = Path(tmp) / "ml-100k"
        staged.mkdir()
        for name in MOVIELENS_FILES:
            with archive.open(MEMBER_DIR + name) as src, (staged / name).open("wb") as dst:
                shutil.copyfileobj(src, dst)
        if target.exists():
            shutil.rmtree(target)
        staged.rename(target)
    return verify_movielens(settings)
