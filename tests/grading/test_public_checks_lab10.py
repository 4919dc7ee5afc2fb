"""Lab 10's public checks: right answers pass, typical wrong answers fail with a useful message."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from check_contract import assert_check_separates
from PIL import Image

from mlplatform.grading.labspec import hidden_checks

TYPES = ("image/jpeg", "image/png", "image/webp")


def upload_status(data: bytes, content_type: str, max_bytes: int, max_pixels: int) -> int:
    if content_type not in TYPES:
        return 415
    if len(data) > max_bytes:
        return 413
    try:
        image = Image.open(io.BytesIO(data))
    except (OSError, ValueError):
        return 422
    if image.size[0] * image.size[1] > max_pixels:
        return 413
    if min(image.size) < 32:
        return 422
    try:
        image.load()
    except OSError:
        return 422
    return 200


def header_only(data: bytes, content_type: str, max_bytes: int, max_pixels: int) -> int:
    """Never decodes the pixels: a truncated file passes."""
    if content_type not in TYPES:
        return 415
    if len(data) > max_bytes:
        return 413
    try:
        image = Image.open(io.BytesIO(data))
    except OSError:
        return 422
    if image.size[0] * image.size[1] > max_pixels:
        return 413
    return 422 if min(image.size) < 32 else 200


def type_ignored(data: bytes, content_type: str, max_bytes: int, max_pixels: int) -> int:
    return upload_status(data, "image/png", max_bytes, max_pixels)


def pixels_as_422(data: bytes, content_type: str, max_bytes: int, max_pixels: int) -> int:
    status = upload_status(data, content_type, max_bytes, max_pixels)
    return 422 if status == 413 and len(data) <= max_bytes else status


def parse_before_size(data: bytes, content_type: str, max_bytes: int, max_pixels: int) -> int:
    try:
        Image.open(io.BytesIO(data))
    except OSError:
        return 415 if content_type not in TYPES else 422
    return upload_status(data, content_type, max_bytes, max_pixels)


def raises(data: bytes, content_type: str, max_bytes: int, max_pixels: int) -> int:
    Image.open(io.BytesIO(data)).load()
    return upload_status(data, content_type, max_bytes, max_pixels)


def server_error(data: bytes, content_type: str, max_bytes: int, max_pixels: int) -> int:
    status = upload_status(data, content_type, max_bytes, max_pixels)
    return 500 if status == 422 else status


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (header_only, "decode the pixels"),
        (type_ignored, "should get 415"),
        (pixels_as_422, r"too large \(413\)"),
        (parse_before_size, "checked first, before anything is parsed"),
        (raises, "never an exception"),
        (server_error, "never a 5xx"),
    ],
)
def test_q1_upload_status(wrong: Callable, message: str) -> None:
    assert_check_separates("lab10", "q1", "upload_status", upload_status, wrong, message)


def latency_budget(timings: pd.DataFrame) -> pd.DataFrame:
    ms = timings * 1000
    return pd.DataFrame(
        {"p50_ms": ms.median(), "p95_ms": ms.quantile(0.95), "share": ms.mean() / ms.mean().sum()}
    )


def in_seconds(timings: pd.DataFrame) -> pd.DataFrame:
    return latency_budget(timings / 1000)


def share_of_medians(timings: pd.DataFrame) -> pd.DataFrame:
    table = latency_budget(timings)
    return table.assign(share=table["p50_ms"] / table["p50_ms"].sum())


def max_as_p95(timings: pd.DataFrame) -> pd.DataFrame:
    return latency_budget(timings).assign(p95_ms=timings.max() * 1000)


def share_of_slowest(timings: pd.DataFrame) -> pd.DataFrame:
    table = latency_budget(timings)
    return table.assign(share=table["share"] / table["share"].max())


def sorted_by_share(timings: pd.DataFrame) -> pd.DataFrame:
    return latency_budget(timings).sort_values("share", ascending=False)


def mean_as_p50(timings: pd.DataFrame) -> pd.DataFrame:
    return latency_budget(timings).assign(p50_ms=timings.mean() * 1000)


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (in_seconds, "in milliseconds"),
        (share_of_medians, "share is of the \\*mean\\* time"),
        (max_as_p95, "it is not the max"),
        (share_of_slowest, "add up to 1"),
        (sorted_by_share, "in the columns' order"),
        (mean_as_p50, "median"),
    ],
)
def test_q2_latency_budget(wrong: Callable, message: str) -> None:
    assert_check_separates("lab10", "q2", "latency_budget", latency_budget, wrong, message)


def read_folder_rows(folder: Path, read_one: Callable[[bytes, str], str]) -> pd.DataFrame:
    rows = []
    for path in sorted(p for p in Path(folder).iterdir() if p.is_file()):
        if path.name.startswith("."):
            continue
        try:
            rows.append({"file": path.name, "id": read_one(path.read_bytes(), path.name)})
        except ValueError as error:
            rows.append({"file": path.name, "id": "", "error": str(error)})
    return pd.DataFrame(rows, columns=["file", "id", "error"]).fillna("")


def stops_at_bad_file(folder: Path, read_one: Callable) -> pd.DataFrame:
    files = sorted(p for p in Path(folder).iterdir() if p.is_file() and p.name[0] != ".")
    rows = [{"file": p.name, "id": read_one(p.read_bytes(), p.name), "error": ""} for p in files]
    return pd.DataFrame(rows)


def drops_bad_files(folder: Path, read_one: Callable) -> pd.DataFrame:
    rows = read_folder_rows(folder, read_one)
    return rows[rows["error"] == ""]


def unsorted(folder: Path, read_one: Callable) -> pd.DataFrame:
    return read_folder_rows(folder, read_one).iloc[::-1].reset_index(drop=True)


def keeps_hidden(folder: Path, read_one: Callable) -> pd.DataFrame:
    rows = read_folder_rows(folder, read_one)
    hidden = pd.DataFrame([{"file": ".DS_Store", "id": "", "error": "hidden"}])
    return pd.concat([hidden, rows], ignore_index=True)


def recursive(folder: Path, read_one: Callable) -> pd.DataFrame:
    rows = [read_folder_rows(folder, read_one)]
    rows += [read_folder_rows(sub, read_one) for sub in Path(folder).iterdir() if sub.is_dir()]
    return pd.concat(rows, ignore_index=True).sort_values("file", ignore_index=True)


def opens_directories(folder: Path, read_one: Callable) -> pd.DataFrame:
    for path in sorted(Path(folder).iterdir()):
        path.read_bytes()
    return read_folder_rows(folder, read_one)


def swallows_bugs(folder: Path, read_one: Callable) -> pd.DataFrame:
    rows = []
    for path in sorted(p for p in Path(folder).iterdir() if p.is_file() and p.name[0] != "."):
        try:
            rows.append({"file": path.name, "id": read_one(path.read_bytes(), path.name),
                         "error": ""})  # fmt: skip
        except Exception as error:
            rows.append({"file": path.name, "id": "", "error": str(error)})
    return pd.DataFrame(rows, columns=["file", "id", "error"])


def loses_reason(folder: Path, read_one: Callable) -> pd.DataFrame:
    return read_folder_rows(folder, read_one).assign(
        error=lambda rows: np.where(rows["error"] != "", "could not read", "")
    )


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (stops_at_bad_file, "stopped the batch"),
        (drops_bad_files, "an unreadable one too"),
        (unsorted, "file-name order"),
        (keeps_hidden, "hidden files"),
        (recursive, "directly in the folder"),
        (opens_directories, "a sub-folder is not a photo"),
        (swallows_bugs, "any other exception is a bug"),
        (loses_reason, "the error's message"),
    ],
)
def test_q3_read_folder_rows(wrong: Callable, message: str) -> None:
    assert_check_separates("lab10", "q3", "read_folder_rows", read_folder_rows, wrong, message)


SOLUTION = Path(__file__).resolve().parents[2] / "solutions" / "lab10_serving_ocr.ipynb"
SETUP = {"io": io, "np": np, "pd": pd, "Image": Image, "Path": Path, "tempfile": tempfile}


def run_hidden(question: str, name: str, function: Callable) -> None:
    exec(hidden_checks(SOLUTION)[question], {**SETUP, name: function})


def strict_pixel_limit(data: bytes, content_type: str, max_bytes: int, max_pixels: int) -> int:
    """Refuses an image of exactly max_pixels (the limit is inclusive)."""
    status = upload_status(data, content_type, max_bytes, max_pixels)
    if status == 200 and Image.open(io.BytesIO(data)).size[0] ** 2 == max_pixels:
        return 413
    return status


def no_webp(data: bytes, content_type: str, max_bytes: int, max_pixels: int) -> int:
    return 415 if content_type == "image/webp" else upload_status(data, content_type, max_bytes,
                                                                   max_pixels)  # fmt: skip


def empty_folder_without_columns(folder: Path, read_one: Callable) -> pd.DataFrame:
    rows = read_folder_rows(folder, read_one)
    return rows if len(rows) else pd.DataFrame()


def natural_order(folder: Path, read_one: Callable) -> pd.DataFrame:
    rows = read_folder_rows(folder, read_one)
    key = rows["file"].str.extract(r"^(\d+)", expand=False).astype(float)
    return rows.assign(key=key).sort_values("key").drop(columns="key").reset_index(drop=True)


@pytest.mark.parametrize(
    ("question", "name", "right", "wrongs"),
    [
        ("q1", "upload_status", upload_status, [header_only, strict_pixel_limit, no_webp]),
        ("q2", "latency_budget", latency_budget, [in_seconds, sorted_by_share, share_of_slowest]),
        (
            "q3",
            "read_folder_rows",
            read_folder_rows,
            [keeps_hidden, unsorted, empty_folder_without_columns, natural_order],
        ),
    ],
)
def test_hidden_checks_pass_the_solution_and_fail_wrong_answers(
    question: str, name: str, right: Callable, wrongs: list[Callable]
) -> None:
    run_hidden(question, name, right)
    for wrong in wrongs:
        with pytest.raises((AssertionError, KeyError)):
            run_hidden(question, name, wrong)
