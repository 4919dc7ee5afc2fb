"""Data a lab reads, made by the grader before any submission runs.

The sandbox mounts the course's `data/` read-only, so a lab that would generate its data on first use
(the OCR labs' card set) must find it already there. The grader makes it once, outside the sandbox,
with the same settings (fast or full) the submissions will use.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from mlplatform.config import load_settings
from mlplatform.ocr.dataset import ensure_dataset
from mlplatform.recommender.movielens_files import verify_movielens

log = logging.getLogger(__name__)

OCR_LABS = frozenset({"lab07", "lab08", "lab09", "lab10"})


def prepare_lab_data(lab: str, home: Path, fast: bool) -> None:
    """Make sure what `lab` reads exists under `home/data`.

    Raises:
        DataError: MovieLens is missing or corrupt (the message says to run `make data`).
    """
    settings = load_settings({**os.environ, "MLPLATFORM_HOME": str(home),
                              "MLPLATFORM_FAST": "1" if fast else "0"})  # fmt: skip
    verify_movielens(settings)
    if lab in OCR_LABS:
        log.info("making the OCR card set %s reads, before grading", lab)
        ensure_dataset(settings, progress=False)
