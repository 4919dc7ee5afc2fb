"""The grader on fixture submissions: one for each way a submission can go wrong.

Each case is built here from the lab 01 solution, so the fixtures cannot drift from the lab.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import nbformat
import pytest

from mlplatform.grading import gradebook
from mlplatform.grading.grader import Grader, Limits
from mlplatform.grading.labgen import HIDDEN_TAG, generate_lab
from mlplatform.grading.labspec import LabSpecError, load_lab_spec, normalise_lab
from mlplatform.grading.submissions import find_submissions

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "solutions" / "lab01_ml_life_cycle.ipynb"
LIMITS = Limits(wall_seconds=30, cell_seconds=30, memory_mb=3072, output_bytes=200_000)


def solved() -> nbformat.NotebookNode:
    """What a learner who answered everything hands in: the solution without hidden cells."""
    notebook = nbformat.read(SOLUTION, as_version=4)
    notebook.cells = [c for c in notebook.cells if HIDDEN_TAG not in c.metadata.get("tags", [])]
    return notebook


def with_cell(source: str, position: int = 3) -> nbformat.NotebookNode:
    notebook = solved()
    notebook.cells.insert(position, nbformat.v4.new_code_cell(source))
    return notebook


def write(folder: Path, name: str, notebook: nbformat.NotebookNode) -> None:
    nbformat.write(notebook, folder / name)


@pytest.fixture(scope="module")
def graded(tmp_path_factory, platform) -> tuple[Path, Path, dict[str, dict]]:
    subs = tmp_path_factory.mktemp("submissions")
    out = tmp_path_factory.mktemp("gradebook")
    write(subs, "alice.ipynb", solved())
    write(subs, "bob.ipynb", generate_lab(nbformat.read(SOLUTION, as_version=4)))
    write(subs, "crash.ipynb", with_cell("import os\nos._exit(1)"))
    write(subs, "hang.ipynb", with_cell("while True:\n    pass"))
    write(subs, "memory.ipynb", with_cell("hog = bytearray(8 * 1024**3)"))
    write(subs, "noisy.ipynb", with_cell("print('x' * 20_000_000)"))
    victim = out / "results" / "alice.json"
    write(
        subs,
        "vandal.ipynb",
        with_cell(
            f"import time, pathlib\ntime.sleep(1)\nfor p in pathlib.Path({str(victim.parent)!r}).glob('*.json'):\n    p.write_text('{{}}')",
            position=20,
        ),
    )
    empty = nbformat.v4.new_notebook()
    write(subs, "empty.ipynb", empty)
    other = solved()
    other.cells[2].source = other.cells[2].source.replace('checker("lab01")', 'checker("lab05")')
    write(subs, "otherlab.ipynb", other)
    (subs / "notes.txt").write_text("my answers are in my head")
    (subs / "dave").mkdir()
    write(subs / "dave", "lab01_ml_life_cycle.ipynb", solved())
    (subs / "erin").mkdir()
    spec = load_lab_spec("01", ROOT / "solutions")
    grader = Grader(spec, ROOT, out, LIMITS)
    # alice first and alone, so her stored result exists before the vandal runs
    submissions = find_submissions(subs, spec.lab)
    grader.grade_all([s for s in submissions if s.learner == "alice"], workers=1)
    summary = grader.grade_all(submissions, workers=2)
    assert summary.skipped == 1
    with (out / "gradebook.csv").open() as handle:
        rows = {row["learner"]: row for row in csv.DictReader(handle)}
    return subs, out, rows


def test_every_submission_has_exactly_one_row(graded) -> None:
    _, _, rows = graded
    assert set(rows) == {"alice", "bob", "crash", "hang", "memory", "noisy", "vandal", "empty",
                         "otherlab", "notes.txt", "dave", "erin"}  # fmt: skip


@pytest.mark.parametrize(
    ("learner", "status", "total", "reason"),
    [
        ("alice", "graded", "9", ""),
        ("dave", "graded", "9", ""),
        ("bob", "graded", "0", ""),
        ("crash", "crashed", "0", "kernel died"),
        ("hang", "timeout", "0", "stopped after 30 s"),
        ("memory", "graded", "9", "ran out of memory"),
        ("noisy", "graded", "9", ""),
        ("vandal", "graded", "9", ""),  # the results folder is not even visible in the sandbox
        ("empty", "empty", "0", "no code"),
        ("otherlab", "wrong lab", "0", "lab05, not lab01"),
        ("notes.txt", "not a notebook", "0", "cannot be read"),
        ("erin", "not a notebook", "0", "no notebook"),
    ],
)
def test_each_case_gets_the_right_row(graded, learner, status, total, reason) -> None:
    row = graded[2][learner]
    assert (row["status"], row["total"]) == (status, total)
    assert reason in row["reason"]
    assert row["max"] == "9"


def test_a_vandal_cannot_change_another_learners_result(graded) -> None:
    _, out, _ = graded
    alice = json.loads((out / "results" / "alice.json").read_text())
    assert alice["status"] == "graded"
    assert sum(q["points"] for q in alice["questions"].values()) == 9


def test_feedback_says_what_failed_with_the_hint(graded) -> None:
    _, out, _ = graded
    text = (out / "feedback" / "bob.md").read_text()
    assert "0 / 9 points" in text
    assert "not answered yet" in text and "Hint:" in text
    assert "hidden check:" not in text, "hidden check source must not reach feedback"


def test_a_second_run_grades_only_what_changed(graded) -> None:
    subs, out, _ = graded
    spec = load_lab_spec("01", ROOT / "solutions")
    grader = Grader(spec, ROOT, out, LIMITS)
    submissions = find_submissions(subs, spec.lab)
    assert grader.pending(submissions, force=False) == []
    write(subs, "bob.ipynb", solved())
    assert [s.learner for s in grader.pending(submissions, force=False)] == ["bob"]
    assert len(grader.pending(submissions, force=True)) == len(submissions)


def test_an_interrupted_run_keeps_one_row_per_submission(tmp_path, monkeypatch) -> None:
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    for name in ("a.ipynb", "b.ipynb", "c.ipynb"):
        (subs / name).write_text("not json")
    spec = load_lab_spec("01", ROOT / "solutions")
    grader = Grader(spec, ROOT, out, LIMITS)
    original = grader.grade_one

    def interrupted(submission):
        if submission.learner == "b":
            raise KeyboardInterrupt("instructor pressed Ctrl-C")
        return original(submission)

    monkeypatch.setattr(grader, "grade_one", interrupted)
    with pytest.raises(KeyboardInterrupt, match="Ctrl-C"):
        grader.grade_all(find_submissions(subs, spec.lab), workers=1)
    with (out / "gradebook.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [r["learner"] for r in rows] == ["a", "b", "c"], (
        "one row per submission, even interrupted"
    )
    assert rows[1]["status"] == "not graded yet"
    assert gradebook.load_result(out, "b") is None
    pending = [r["learner"] for r in rows if r["status"] == "not graded yet"]
    monkeypatch.undo()
    summary = grader.grade_all(find_submissions(subs, spec.lab), workers=1)
    assert summary.graded == len(pending)
    assert summary.skipped == 3 - len(pending)
    assert {r.status.value for r in summary.results} == {"not a notebook"}


@pytest.mark.parametrize(("raw", "expected"), [("1", "lab01"), ("01", "lab01"), ("lab12", "lab12")])
def test_lab_names(raw, expected) -> None:
    assert normalise_lab(raw) == expected


def test_unknown_lab_is_refused() -> None:
    with pytest.raises(LabSpecError, match="expected one"):
        load_lab_spec("77", ROOT / "solutions")


def test_hidden_checks_are_read_from_the_solution() -> None:
    spec = load_lab_spec("lab01", ROOT / "solutions")
    assert [q.id for q in spec.questions] == ["q1", "q2", "q3"]
    assert all(
        q.hidden_source and q.hidden_source.startswith("# hidden check") for q in spec.questions
    )
    assert spec.max_points == 9
