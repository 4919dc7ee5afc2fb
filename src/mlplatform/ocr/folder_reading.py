"""Batch scoring: read every photo of a folder into one CSV of readings (`mlplatform ocr read-folder`).

One row per file, in file-name order, so nothing is lost and a rerun writes the same file:

| column | holds |
|---|---|
| `file` | the path relative to the folder |
| `id` | the ID number ("" unless the verdict is accepted or corrected) |
| `raw`, `confidence` | what the recogniser read on the ID line, and its confidence |
| `verdict` | accepted, corrected, rejected (a photo without a card or text), or `error` (skipped) |
| `check_digit_valid` | whether `raw` already holds its check digit |
| `corners` | the card's corners in the photo, JSON `[[x, y], ...]` clockwise from top-left, or "" |
| `error` | why a file was skipped (not an image, truncated, too large, unreadable) or rejected |

Each photo goes through the service's path (`photo_reading.read_photo`: the same checks and the
same pixel limit). The CSV is written to a temporary file beside `out` and moved into place, so an
interrupted run leaves the previous CSV whole, never half a file. The output file itself and
hidden files (`.DS_Store`, ...) are not read as photos.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from mlplatform.config import load_serving_settings
from mlplatform.ocr.images import InvalidImageError
from mlplatform.ocr.photo_reading import PhotoReader, read_photo
from mlplatform.progress import progress_bar

COLUMNS = ("file", "id", "raw", "confidence", "verdict", "check_digit_valid", "corners", "error")
SKIPPED = "error"  # the verdict of a file that could not be read at all


@dataclass(frozen=True)
class FolderSummary:
    """What `read_folder` wrote: the CSV and how many files got each verdict."""

    out: Path
    files: int
    verdicts: dict[str, int]

    @property
    def skipped(self) -> int:
        """Files that could not be read (not an image, truncated, too large, unreadable)."""
        return self.verdicts.get(SKIPPED, 0)

    def describe(self) -> str:
        """One line for the command line."""
        counts = ", ".join(f"{name} {count}" for name, count in sorted(self.verdicts.items()))
        return f"{self.files} files -> {self.out} ({counts or 'no files'})"


def photo_files(folder: Path, recursive: bool = False, exclude: Path | None = None) -> list[Path]:
    """The files of `folder` to read, sorted; hidden files and `exclude` are left out.

    Raises:
        FileNotFoundError: `folder` is not a directory.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder: give the folder that holds the photos.")
    skip = exclude.resolve() if exclude is not None else None
    found = folder.rglob("*") if recursive else folder.iterdir()
    return sorted(
        path
        for path in found
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
        and path.resolve() != skip
    )


def _row(reader: PhotoReader, path: Path, folder: Path, max_pixels: int) -> dict[str, str]:
    name = path.relative_to(folder).as_posix()
    row = dict.fromkeys(COLUMNS, "") | {"file": name}
    try:
        photo = read_photo(reader, path.read_bytes(), max_pixels, name)
    except (InvalidImageError, OSError) as error:  # OSError: unreadable (permissions, vanished)
        return row | {"verdict": SKIPPED, "error": str(error)}
    reading = photo.reading
    corners = [[round(x, 1), round(y, 1)] for x, y in reading.corners]
    return row | {
        "id": reading.id if reading.accepted else "",
        "raw": reading.raw,
        "confidence": f"{reading.confidence:.4f}",
        "verdict": photo.verdict,
        "check_digit_valid": str(photo.check_digit_valid).lower(),
        "corners": json.dumps(corners) if corners else "",
        "error": photo.reason or "",
    }


def write_csv_atomically(rows: list[dict[str, str]], out: Path) -> Path:
    """Write `rows` (with `COLUMNS`) to `out` through a temporary file and one rename."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    try:
        with os.fdopen(handle, "w", newline="", encoding="utf-8") as stream:
            writer = csv.DictWriter(stream, fieldnames=COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, out)
    except BaseException:  # an interrupted write must not leave the partial file behind
        Path(temporary).unlink(missing_ok=True)
        raise
    return out


def read_folder(
    reader: PhotoReader,
    folder: Path,
    out: Path,
    *,
    recursive: bool = False,
    max_pixels: int | None = None,
    progress: bool = True,
) -> FolderSummary:
    """Read every photo in `folder` with `reader` and write one CSV row per file to `out`.

    Args:
        reader: an `IDReader` (e.g. `photo_reading.reader_of(load_by_alias(...).model)`).
        folder: the photos; every non-hidden file is tried, and a file that is not a readable
            image gets a row with verdict `error` and the reason.
        out: the CSV to write (replaced whole at the end).
        recursive: also read the photos in sub-folders.
        max_pixels: the pixel limit; default the service's (`MLPLATFORM_MAX_IMAGE_PIXELS`).
        progress: show a progress bar (`mlplatform.progress`).
    """
    folder = Path(folder)
    limit = max_pixels or load_serving_settings().max_image_pixels
    files = photo_files(folder, recursive, exclude=Path(out))
    bar = progress_bar(files, desc="photos", unit="photo", disable=not progress)
    rows = [_row(reader, path, folder, limit) for path in bar]
    write_csv_atomically(rows, out)
    return FolderSummary(Path(out), len(rows), dict(Counter(row["verdict"] for row in rows)))
