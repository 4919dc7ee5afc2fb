"""Public checks for lab 10, serving the OCR reader: upload statuses, a latency budget, a batch."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from mlplatform.grading.public import Check, CheckFailed, Namespace, answer

MAX_BYTES, MAX_PIXELS = 200_000, 1_000_000


def _image(width: int, height: int, image_format: str = "JPEG") -> bytes:
    pixels = np.random.default_rng(0).integers(0, 255, (height, width, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, image_format)
    return buffer.getvalue()


TYPE = "the content type says what the client claims to send; accept image/jpeg, png and webp."
NOT_IMAGE = "what Pillow cannot open is not an image."
DAMAGED = "opening an image reads only its header; decode the pixels to find a damaged file."
SMALL = "an image under 32 pixels a side is too small to hold a readable card."
PIXELS = "over the pixel limit is too large (413), found from the header before decoding."
BODY = "the body's size is checked first, before anything is parsed."
GOOD = "a readable image of an accepted type within the limits is 200."


def _upload_cases() -> list[tuple[str, bytes, str, int, str]]:
    """(what, bytes, content type, status, advice) for a learner's `upload_status`."""
    photo = _image(320, 200)
    flat = io.BytesIO()
    Image.new("L", (1200, 1000)).save(flat, "PNG")  # 1.2 Mpx in a few kB: over the pixel limit
    return [
        ("a 320x200 JPEG", photo, "image/jpeg", 200, GOOD),
        ("a 320x200 PNG", _image(320, 200, "PNG"), "image/png", 200, GOOD),
        ("a PDF sent as application/pdf", b"%PDF-1.7 not a photo", "application/pdf", 415, TYPE),
        ("a JPEG sent as text/plain", photo, "text/plain", 415, TYPE),
        ("bytes that are not an image, sent as image/jpeg", b"%PDF-1.7", "image/jpeg", 422,
         NOT_IMAGE),
        ("an empty file", b"", "image/jpeg", 422, NOT_IMAGE),
        ("a JPEG cut in half", photo[: len(photo) // 2], "image/jpeg", 422, DAMAGED),
        ("a 1x1 PNG", _image(1, 1, "PNG"), "image/png", 422, SMALL),
        ("a 300x20 PNG (one side under 32 pixels)", _image(300, 20, "PNG"), "image/png", 422,
         SMALL),
        ("a 1200x1000 PNG (over 1,000,000 pixels)", flat.getvalue(), "image/png", 413, PIXELS),
        ("a body over max_bytes that is not an image", b"x" * (MAX_BYTES + 1), "image/jpeg", 413,
         BODY),
    ]  # fmt: skip


def _check_upload_status(ns: Namespace) -> None:
    upload_status = answer(ns, "upload_status")
    for what, data, content_type, expected, advice in _upload_cases():
        try:
            got = upload_status(data, content_type, MAX_BYTES, MAX_PIXELS)
        except NotImplementedError:
            raise
        except Exception as error:
            raise CheckFailed(
                f"{what}: your function raised {type(error).__name__}; a bad upload must become "
                "a status, never an exception (the service would answer 500)."
            ) from None
        if got == expected:
            continue
        if isinstance(got, int) and got >= 500:
            raise CheckFailed(f"{what} got {got}: a client's bad upload is never a 5xx.")
        raise CheckFailed(f"{what} should get {expected}, got {got!r}: {advice}")


def _timings() -> pd.DataFrame:
    # One slow photo in `detect`; `read` is slower on average: medians and means disagree.
    return pd.DataFrame(
        {
            "decode": [0.001, 0.001, 0.001, 0.001, 0.001],
            "detect": [0.010, 0.010, 0.010, 0.010, 0.300],
            "read": [0.050, 0.060, 0.050, 0.070, 0.050],
        }
    )


def _check_latency_budget(ns: Namespace) -> None:
    latency_budget = answer(ns, "latency_budget")
    timings = _timings()
    table = latency_budget(timings.copy())
    if not isinstance(table, pd.DataFrame) or not {"p50_ms", "p95_ms", "share"} <= set(table):
        raise CheckFailed("return a DataFrame with the columns p50_ms, p95_ms and share.")
    if list(table.index) != list(timings.columns):
        raise CheckFailed(
            f"one row per stage, indexed by the stage names in the columns' order; got the index "
            f"{list(table.index)}."
        )
    if np.isclose(table.loc["read", "p50_ms"], 0.05):
        raise CheckFailed("the timings are in seconds; the budget is asked in milliseconds.")
    medians = timings.median() * 1000
    if not np.allclose(table["p50_ms"], medians):
        raise CheckFailed(f"p50_ms is each stage's median, e.g. {medians['read']:.1f} for read.")
    p95 = np.percentile(timings, 95, axis=0) * 1000
    if np.isclose(table.loc["detect", "p95_ms"], 300.0):
        raise CheckFailed("p95 interpolates between values (numpy's default); it is not the max.")
    if not np.allclose(table["p95_ms"], p95):
        raise CheckFailed("p95_ms: the 95th percentile of each stage, numpy's default method.")
    if not np.isclose(table["share"].sum(), 1.0):
        raise CheckFailed(f"the shares of the stages add up to 1; yours add up to "
                          f"{table['share'].sum():.3f}.")  # fmt: skip
    medians_share = medians / medians.sum()
    if table["share"].idxmax() != "detect" or np.allclose(table["share"], medians_share):
        raise CheckFailed(
            "share is of the *mean* time: one photo that took 300 ms in detect costs as much as "
            "it took; the medians hide it."
        )
    means = timings.mean()
    if not np.allclose(table["share"], means / means.sum()):
        raise CheckFailed("share: each stage's mean time over the mean total time per photo.")


def _write_folder(folder: Path) -> None:
    for name in ("b.jpg", "a.jpg", "c.png", "broken.jpg", ".DS_Store"):
        (folder / name).write_bytes(name.encode())
    (folder / "old").mkdir()
    (folder / "old" / "d.jpg").write_bytes(b"d.jpg")


def _read_one(data: bytes, name: str) -> str:
    if data.startswith(b"broken"):
        raise ValueError(f"{name} is a damaged or truncated JPEG file")
    return "ID-" + data.decode().split(".")[0].upper()


def _check_batch(ns: Namespace) -> None:
    read_folder_rows = answer(ns, "read_folder_rows")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        _write_folder(folder)
        try:
            rows = read_folder_rows(folder, _read_one)
        except ValueError:
            raise CheckFailed("one unreadable file stopped the batch: it gets a row with the "
                              "reason, and the other files are still read.") from None  # fmt: skip
        except (IsADirectoryError, PermissionError):
            raise CheckFailed("a sub-folder is not a photo: read only the files.") from None
        if not isinstance(rows, pd.DataFrame) or not {"file", "id", "error"} <= set(rows):
            raise CheckFailed("return a DataFrame with the columns file, id and error.")
        files = list(rows["file"])
        if ".DS_Store" in files:
            raise CheckFailed("hidden files (.DS_Store, ...) are not photos: leave them out.")
        if "broken.jpg" not in files:
            raise CheckFailed("every file gets a row, an unreadable one too, with the reason.")
        if files != sorted(files):
            raise CheckFailed(f"rows in file-name order, so a rerun writes the same file: {files}")
        if files != ["a.jpg", "b.jpg", "broken.jpg", "c.png"]:
            raise CheckFailed(f"the files directly in the folder, one row each; got {files}.")
        broken = rows.set_index("file").loc["broken.jpg"]
        if "damaged or truncated" not in str(broken["error"]) or broken["id"] != "":
            raise CheckFailed("the unreadable file's row has id '' and the error's message.")
        good = rows.set_index("file").loc[["a.jpg", "c.png"]]
        if list(good["id"]) != ["ID-A", "ID-C"] or list(good["error"]) != ["", ""]:
            raise CheckFailed("a readable file's row has read_one's ID and an empty error.")

        def buggy(data: bytes, name: str) -> str:
            raise KeyError("a bug in the reader, not a bad file")

        try:
            read_folder_rows(folder, buggy)
        except KeyError:
            return
        raise CheckFailed("only a file that cannot be read (ValueError) is skipped; any other "
                          "exception is a bug and must stop the run.")  # fmt: skip


CHECKS = [
    Check(
        "q1",
        3,
        "415 for the content type, 413 for the body size, then open the header (422 if it is no "
        "image, 413 over the pixel limit, 422 if too small), then decode (422 if damaged).",
        _check_upload_status,
    ),
    Check(
        "q2",
        3,
        "percentiles of each column in milliseconds (numpy's default method); share = a stage's "
        "mean over the sum of the means.",
        _check_latency_budget,
    ),
    Check(
        "q3",
        4,
        "sorted non-hidden files of the folder itself; catch ValueError per file and keep going.",
        _check_batch,
    ),
]
