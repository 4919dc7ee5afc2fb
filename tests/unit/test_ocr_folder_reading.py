"""Batch scoring of a folder of photos: one row per file, bad files with a reason, atomic CSV."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
import pytest
from ocr_service_fakes import CardReader, blank_photo, card_photo, encoded
from PIL import Image
from typer.testing import CliRunner

from mlplatform import ocr_cli
from mlplatform.cli import app
from mlplatform.config import load_settings
from mlplatform.ocr.folder_reading import COLUMNS, photo_files, read_folder, write_csv_atomically
from mlplatform.ocr.registered_reader import model_name_for

runner = CliRunner()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    photos = tmp_path / "photos"
    (photos / "more").mkdir(parents=True)
    (photos / "b_card.jpg").write_bytes(card_photo(1)[0])
    (photos / "a_card.jpg").write_bytes(card_photo(2)[0])
    (photos / "c_blank.jpg").write_bytes(blank_photo())
    (photos / "d_notes.txt").write_text("not a photo")
    truncated = card_photo(3)[0]
    (photos / "e_truncated.jpg").write_bytes(truncated[: len(truncated) // 3])
    (photos / "f_huge.png").write_bytes(encoded(Image.new("L", (6000, 6000))))
    (photos / ".DS_Store").write_bytes(b"\x00\x01")
    (photos / "more" / "g_card.jpg").write_bytes(card_photo(4)[0])
    return photos


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as stream:
        return list(csv.DictReader(stream))


def test_every_file_gets_a_row_and_bad_ones_say_why(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "readings.csv"
    summary = read_folder(CardReader("MN01846O80"), folder, out, max_pixels=10**7, progress=False)
    rows = _rows(out)
    assert list(rows[0]) == list(COLUMNS)
    assert [r["file"] for r in rows] == ["a_card.jpg", "b_card.jpg", "c_blank.jpg", "d_notes.txt",
                                         "e_truncated.jpg", "f_huge.png"]  # fmt: skip
    by_file = {r["file"]: r for r in rows}
    card = by_file["a_card.jpg"]
    assert (card["id"], card["verdict"], card["check_digit_valid"]) == (
        "MN01846O80",
        "accepted",
        "true",
    )
    assert np.array(json.loads(card["corners"])).shape == (4, 2) and card["error"] == ""
    assert by_file["c_blank.jpg"]["verdict"] == "rejected"
    assert "No card-sized shape" in by_file["c_blank.jpg"]["error"]
    assert by_file["c_blank.jpg"]["corners"] == ""
    for name, reason in [("d_notes.txt", "not a JPEG, PNG or WebP"),
                         ("e_truncated.jpg", "truncated"), ("f_huge.png", "over the limit")]:  # fmt: skip
        assert by_file[name]["verdict"] == "error" and reason in by_file[name]["error"]
        assert name in by_file[name]["error"] and by_file[name]["id"] == ""
    assert summary.files == 6 and summary.skipped == 3
    assert summary.verdicts == {"accepted": 2, "rejected": 1, "error": 3}
    assert "6 files" in summary.describe()


def test_a_rerun_writes_the_same_bytes_and_skips_its_own_csv(folder: Path) -> None:
    out = folder / "readings.csv"  # inside the folder: it must not be read as a photo
    read_folder(CardReader("MN01846O8O"), folder, out, max_pixels=10**7, progress=False)
    first = out.read_bytes()
    read_folder(CardReader("MN01846O8O"), folder, out, max_pixels=10**7, progress=False)
    assert out.read_bytes() == first
    assert "readings.csv" not in {r["file"] for r in _rows(out)}
    assert {r["verdict"] for r in _rows(out)} == {"corrected", "rejected", "error"}
    assert not [p for p in folder.iterdir() if p.name.endswith(".part")]


def test_recursive_reads_sub_folders_and_hidden_files_are_left_out(folder: Path) -> None:
    found = [p.relative_to(folder).as_posix() for p in photo_files(folder, recursive=True)]
    assert "more/g_card.jpg" in found and ".DS_Store" not in found and len(found) == 7


def test_a_missing_folder_says_so(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="is not a folder"):
        photo_files(tmp_path / "nowhere")


def test_an_interrupted_write_keeps_the_previous_csv(tmp_path: Path) -> None:
    out = tmp_path / "readings.csv"
    write_csv_atomically([dict.fromkeys(COLUMNS, "x")], out)
    before = out.read_bytes()
    with pytest.raises(ValueError, match="dict contains fields not in fieldnames"):
        write_csv_atomically([dict.fromkeys(COLUMNS, "y"), {"unknown": "z"}], out)
    assert out.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["readings.csv"]


def test_the_cli_reads_a_folder_with_the_registered_reader(folder, tmp_path, monkeypatch) -> None:
    asked = []

    def registered(name: str, alias: str):
        asked.append((name, alias))
        return CardReader("MN01846O80"), f"{name} v3 (@{alias})"

    monkeypatch.setattr(ocr_cli, "_registered_reader", registered)
    out = tmp_path / "cli.csv"
    result = runner.invoke(
        app, ["ocr", "read-folder", str(folder), "--out", str(out), "--recursive"]
    )
    assert result.exit_code == 0, result.output
    assert asked == [(model_name_for(load_settings().fast), "champion")]
    assert "7 files" in result.output and "3 files skipped" in result.output
    assert len(_rows(out)) == 7


def test_the_cli_names_a_missing_alias(folder, tmp_path, monkeypatch) -> None:
    def unknown(name: str, alias: str):
        raise LookupError(f"{name!r} has no alias {alias!r}")

    monkeypatch.setattr(ocr_cli, "_registered_reader", unknown)
    result = runner.invoke(app, ["ocr", "read-folder", str(folder), "--alias", "nope"])
    assert result.exit_code == 1 and "has no alias 'nope'" in result.output


def test_the_command_has_help_with_an_example() -> None:
    result = runner.invoke(app, ["ocr", "read-folder", "--help"])
    assert result.exit_code == 0 and "Example" in result.output
