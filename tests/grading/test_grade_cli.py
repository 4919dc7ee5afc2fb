"""`mlplatform grade` with bad arguments: a one-line error, never a traceback."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

from mlplatform.cli import main
from mlplatform.grading import grader as grader_module
from mlplatform.grading import sandbox
from mlplatform.grading.grader import Grader, GradingAborted, Limits
from mlplatform.grading.labgen import HIDDEN_TAG
from mlplatform.grading.labspec import load_lab_spec
from mlplatform.grading.submissions import find_submissions

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "solutions" / "lab01_ml_life_cycle.ipynb"


@pytest.fixture
def grade(monkeypatch, capsys):
    """Run `mlplatform grade ARGS` through the CLI's real entry point; returns (exit code, stderr)."""

    def run(*args: str) -> tuple[int, str]:
        monkeypatch.chdir(ROOT)
        monkeypatch.setattr(sys, "argv", ["mlplatform", "grade", *args])
        with pytest.raises(SystemExit) as stopped:  # noqa: PT011 - any exit code is checked below
            main()
        return stopped.value.code, capsys.readouterr().err

    return run


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--lab", "abc"], "not a lab number"),
        (["--lab", "77"], "expected one"),
        (["--lab", "01", "--workers", "0"], "--workers"),
        (["--lab", "01", "--timeout", "-5"], "--timeout"),
        (["--lab", "01", "--cell-timeout", "0"], "--cell-timeout"),
        (["--lab", "01", "--memory-mb", "10"], "--memory-mb"),
    ],
)
def test_a_bad_argument_gets_a_one_line_error(grade, tmp_path, extra, says) -> None:
    code, stderr = grade(str(tmp_path), *extra)
    assert code != 0
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), stderr
    assert says in lines[0]


def test_a_missing_submissions_folder_gets_a_one_line_error(grade, tmp_path) -> None:
    code, stderr = grade(str(tmp_path / "nowhere"), "--lab", "01")
    lines = stderr.strip().splitlines()
    assert code != 0 and len(lines) == 1 and "is not a folder of submissions" in lines[0], stderr


def test_out_must_not_be_a_file(grade, tmp_path) -> None:
    (tmp_path / "out.txt").write_text("")
    code, stderr = grade(str(tmp_path), "--lab", "01", "--out", str(tmp_path / "out.txt"))
    lines = stderr.strip().splitlines()
    assert code != 0 and len(lines) == 1 and "--out" in lines[0], stderr


def test_without_bwrap_grading_is_refused_and_names_the_way_out(monkeypatch) -> None:
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    spec = load_lab_spec("01", ROOT / "solutions")
    with pytest.raises(GradingAborted, match="--unsafe-no-sandbox"):
        Grader(spec, ROOT, ROOT / "gradebook-never-written", Limits())


def test_unsafe_grading_says_so_in_the_reason_column(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    notebook = nbformat.read(SOLUTION, as_version=4)
    notebook.cells = [c for c in notebook.cells if HIDDEN_TAG not in c.metadata.get("tags", [])]
    subs = tmp_path / "subs"
    subs.mkdir()
    nbformat.write(notebook, subs / "alice.ipynb")
    # Without the sandbox the results folder is reachable: the snapshot is the last defence.
    results = tmp_path / "out" / "results"
    notebook.cells.append(nbformat.v4.new_code_cell(
        f"import pathlib\nfor p in pathlib.Path({str(results)!r}).glob('*.json'):\n"
        "    p.write_text('{}')"))  # fmt: skip
    nbformat.write(notebook, subs / "vandal.ipynb")
    spec = load_lab_spec("01", ROOT / "solutions")
    grader = Grader(spec, ROOT, tmp_path / "out", Limits(wall_seconds=60), unsafe_no_sandbox=True)
    summary = grader.grade_all(find_submissions(subs, spec.lab), workers=1)
    rows = summary.gradebook.read_text().splitlines()
    assert rows[1].startswith("alice,alice.ipynb,graded,3,3,3,9,9,")
    assert "WITHOUT a sandbox" in rows[1]
    assert grader_module.sandbox.UNSAFE_REASON in summary.results[0].reason
    assert rows[2].startswith("vandal,vandal.ipynb,tampered,0,0,0,0,9,")
    assert '"graded"' in (results / "alice.json").read_text(), "alice's result was put back"
